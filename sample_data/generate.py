"""Builds the sample world into a workspace: configuration, source systems and ground truth.

``build_world(workspace)`` writes

    config/controllers/<controller-id>.toml   the five controllers (from sample_data/config)
    config/dsar.toml                          store and data-key settings, if missing
    sources/<controller-id>/…                 SQLite databases and CSV exports
    sources/people.csv                        everyone, as they would present themselves
    sources/ground_truth.csv                  which record belongs to whom
    sources/mail_truth.jsonl                  per message: every identifier in it, and whose

The same seed and scale give the same world, byte for byte. ``sql_urls`` moves chosen SQL
systems (``"<controller-id>/<system-id>"``) to a PostgreSQL or MariaDB database instead of
SQLite; the workspace's configuration then points at that database.

``choose_demo_subject(workspace, controller_id)`` (see ``sample_data.subjects``) picks a
person the demo can ask for.
"""

from __future__ import annotations

import csv
import json
import random
import re
import shutil
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from dsar.config.loader import load_controller_file
from dsar.config.models import ControllerConfig
from dsar.workspace import Workspace
from sample_data.people import Person, people_blocks, people_count
from sample_data.sinks import GroundTruth
from sample_data.subjects import choose_demo_subject
from sample_data.worlds import WORLDS, BuildContext, ControllerWorld

CONFIG_SOURCE = Path(__file__).parent / "config"
SETTINGS_TOML = """\
# Written by the sample world generator. The store lives in the workspace; the data key is read
# from the DSAR_DATA_KEY environment variable (or the secret store), never from this file.
[store]
url = "sqlite:///{workspace}/store.db"

[keys]
data_key = "DSAR_DATA_KEY"
"""
PEOPLE_HEADER = (
    "person_id", "name", "first_name", "middle_name", "last_name", "email", "phone", "birthdate",
    "shares_email_with", "namesake_of", "phone_only", "guardian_id", "regular_of",
)

__all__ = ["World", "build_world", "choose_demo_subject"]


@dataclass(frozen=True)
class World:
    """What ``build_world`` made: counts per collection and where things are."""

    workspace: Path
    seed: int
    scale: float
    people: int
    records: dict[str, int] = field(default_factory=dict)
    """Rows written, per ``"<controller>/<system>/<collection>"``."""
    truth_rows: int = 0
    seconds: float = 0.0
    env_needed: tuple[str, ...] = ()
    """Environment variables the configuration now names (server URLs that hold a password)."""

    @property
    def people_csv(self) -> Path:
        return self.workspace / "sources" / "people.csv"

    @property
    def ground_truth_csv(self) -> Path:
        return self.workspace / "sources" / "ground_truth.csv"

    @property
    def config_dir(self) -> Path:
        return self.workspace / "config"

    @property
    def sources_dir(self) -> Path:
        return self.workspace / "sources"

    @property
    def total_records(self) -> int:
        return sum(self.records.values())


def build_world(
    workspace: Path,
    *,
    scale: float = 1.0,
    seed: int = 2026,
    sql_urls: Mapping[str, str] | None = None,
) -> World:
    """Write the sample world into ``workspace`` (created if missing; sources rebuilt).

    Raises ``ValueError``, before writing anything, when ``scale`` isn't positive or
    ``sql_urls`` names something other than a SQL system of the sample world or holds
    something other than a database URL.
    """
    if scale <= 0:
        raise ValueError("scale must be greater than 0")
    started = time.perf_counter()
    root = Path(workspace).expanduser().resolve()
    urls = dict(sql_urls or {})
    controller_files, env_needed = _configuration(urls)
    _write_configuration(root, controller_files)
    sources = root / "sources"
    for world_cls in WORLDS:
        shutil.rmtree(sources / world_cls.controller_id, ignore_errors=True)
    sources.mkdir(parents=True, exist_ok=True)

    (sources / "mail_truth.jsonl").unlink(missing_ok=True)  # mail archives append to it
    truth = GroundTruth(sources / "ground_truth.csv")
    ctx = BuildContext(workspace=Workspace(root), scale=scale, truth=truth, sql_urls=urls)
    worlds: list[ControllerWorld] = []
    try:
        for world_cls in WORLDS:
            config = load_controller_file(
                root / "config" / "controllers" / f"{world_cls.controller_id}.toml"
            )[0]
            world = world_cls(ctx, config)
            world.open()
            world.start(random.Random(f"{seed}:{world_cls.controller_id}:start"))
            worlds.append(world)
        count = people_count(scale)
        with (sources / "people.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(PEOPLE_HEADER)
            for block_no, block in enumerate(people_blocks(seed, count)):
                writer.writerows(_person_row(p) for p in block)
                for world in worlds:
                    world.add_block(block, random.Random(f"{seed}:{world.controller_id}:{block_no}"))
                    world.add_mail(block, random.Random(f"{seed}:{world.controller_id}:mail:{block_no}"))
        for world in worlds:
            world.close()
    finally:
        truth.close()
        for engine in ctx.engines.values():
            engine.dispose()

    records = {
        f"{world.controller_id}/{key}": rows
        for world in worlds
        for key, rows in sorted(world.counts().items())
    }
    return World(
        workspace=root,
        seed=seed,
        scale=scale,
        people=count,
        records=records,
        truth_rows=truth.count,
        seconds=time.perf_counter() - started,
        env_needed=tuple(env_needed),
    )


# ------------------------------------------------------------------------- configuration


def _source_configs() -> dict[str, ControllerConfig]:
    """The five controllers as ``sample_data/config`` declares them, validated."""
    configs = {}
    for world_cls in WORLDS:
        path = CONFIG_SOURCE / f"{world_cls.controller_id}.toml"
        configs.update((config.id, config) for config in load_controller_file(path))
    return configs


def _configuration(sql_urls: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Each controller file's text (moved systems pointed at their server) and the
    environment variables it names. Checks every ``sql_urls`` entry; writes nothing."""
    configs = _source_configs()
    movable = sorted(
        f"{config.id}/{system_id}"
        for config in configs.values()
        for system_id, system in config.systems.items()
        if system.connector == "sql"
    )
    wrong = []
    for key in sorted(sql_urls):
        controller_id, _, system_id = key.partition("/")
        config = configs.get(controller_id)
        system = config.systems.get(system_id) if config else None
        if system is None:
            wrong.append(f"{key!r} (no such system)")
        elif system.connector != "sql":
            wrong.append(f"{key!r} (a {system.connector} system)")
    if wrong:
        raise ValueError(
            f"can't load {', '.join(wrong)} into a server database; only SQL systems can go "
            f"there: {', '.join(movable)}"
        )

    texts: dict[str, str] = {}
    env_needed: list[str] = []
    for world_cls in WORLDS:
        cid = world_cls.controller_id
        text = (CONFIG_SOURCE / f"{cid}.toml").read_text(encoding="utf-8")
        for key, url in sorted(sql_urls.items()):
            controller_id, system_id = key.split("/", 1)
            if controller_id == cid:
                text, env = _point_at_server(text, system_id, url, key)
                env_needed.extend(env)
        texts[cid] = text
    return texts, env_needed


def _write_configuration(root: Path, controller_files: dict[str, str]) -> None:
    """Write the controllers' files and, if missing, the settings."""
    controllers = root / "config" / "controllers"
    controllers.mkdir(parents=True, exist_ok=True)
    settings = root / "config" / "dsar.toml"
    if not settings.exists():
        settings.write_text(SETTINGS_TOML, encoding="utf-8")
    for cid, text in controller_files.items():
        (controllers / f"{cid}.toml").write_text(text, encoding="utf-8")


def _point_at_server(text: str, system_id: str, url: str, key: str) -> tuple[str, list[str]]:
    """Replace one system's ``connection`` line; a URL with a password goes by ``url_env``.

    The line is looked for between the system's ``[systems.<id>]`` header and the next
    header, so it is that system's own key and never a later system's.
    """
    try:
        parsed = sa.engine.make_url(url)
        parsed.get_dialect()
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError):
        # The cause quotes the URL, which may hold a password: leave it out.
        raise ValueError(
            f"the URL for {key!r} is not a database URL SQLAlchemy can open "
            "(dialect+driver://user:password@host/database)"
        ) from None
    header = re.search(rf"^\[systems\.{re.escape(system_id)}\]\s*$", text, re.M)
    if header is None:
        raise ValueError(f"{key}: no [systems.{system_id}] table in the configuration")
    next_header = re.compile(r"^\s*\[", re.M).search(text, header.end())
    table_end = next_header.start() if next_header else len(text)
    line = re.compile(r"^connection = \{.*\}\s*$", re.M).search(text, header.end(), table_end)
    if line is None:
        raise ValueError(f"{key}: no connection line in [systems.{system_id}]")
    if parsed.password:
        name = "DSAR_SOURCE_URL_" + re.sub(r"[^A-Z0-9]+", "_", key.upper())
        connection, env = {"url_env": name}, [name]
    else:
        connection, env = {"url": url}, []
    fields = ", ".join(f"{k} = {json.dumps(v)}" for k, v in connection.items())
    text = text[: line.start()] + f"connection = {{ {fields} }}" + text[line.end() :]
    # The line kept its table: the system now reads exactly this connection.
    if tomllib.loads(text)["systems"][system_id]["connection"] != connection:
        raise ValueError(f"{key}: the connection of [systems.{system_id}] could not be replaced")
    return text, env


def _person_row(person: Person) -> tuple[str, ...]:
    return (
        person.person_id,
        person.name,
        person.first_name,
        person.middle_name,
        person.last_name,
        person.email,
        person.phone,
        person.birthdate.isoformat(),
        " ".join(person.shares_email_with),
        person.namesake_of,
        "1" if person.phone_only else "",
        person.guardian_id,
        # The controllers that hold every kind of record about them: the demo asks for one of these.
        " ".join(sorted(m.removesuffix("/regular") for m in person.memberships if m.endswith("/regular"))),
    )
