"""Reads the workspace configuration and refuses a wrong one with file, key and problem."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from dsar.config import models
from dsar.config.models import ControllerConfig, LocalText, Settings
from dsar.errors import ConfigError


@dataclass(frozen=True)
class Configuration:
    """Everything the configuration declares, validated."""

    settings: Settings
    controllers: dict[str, ControllerConfig]

    def controller(self, controller_id: str) -> ControllerConfig:
        from dsar.errors import InputError

        try:
            return self.controllers[controller_id]
        except KeyError:
            known = ", ".join(sorted(self.controllers)) or "none"
            raise InputError(
                f"ukjent virksomhet {controller_id!r}; konfigurasjonen har: {known}"
            ) from None


def load_configuration(config_dir: Path) -> Configuration:
    """Load ``dsar.toml`` (optional) and every controller file under ``controllers/``."""
    settings_file = config_dir / "dsar.toml"
    settings = (
        _validate(Settings, _read_toml(settings_file), settings_file)
        if settings_file.exists()
        else Settings()
    )
    controllers: dict[str, ControllerConfig] = {}
    origin: dict[str, Path] = {}
    controller_dir = config_dir / "controllers"
    files = sorted(controller_dir.glob("*.toml")) if controller_dir.is_dir() else []
    for path in files:
        for key_prefix, raw in _controller_tables(path):
            config = _validate(ControllerConfig, raw, path, key_prefix)
            if config.id in controllers:
                raise ConfigError(
                    str(path),
                    f"{key_prefix}controller.id",
                    f"controller {config.id!r} is declared again (first in {origin[config.id]})",
                )
            _check_languages(config, path, key_prefix)
            controllers[config.id] = config
            origin[config.id] = path
    return Configuration(settings=settings, controllers=controllers)


def load_controller_file(path: Path) -> list[ControllerConfig]:
    """Validate one controller file on its own (used by ``dsar check`` and tests)."""
    configs = []
    for key_prefix, raw in _controller_tables(path):
        config = _validate(ControllerConfig, raw, path, key_prefix)
        _check_languages(config, path, key_prefix)
        configs.append(config)
    return configs


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "", f"not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(str(path), "", f"can't be read: {exc.strerror}") from exc


def _controller_tables(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """A file holds one controller (``[controller]``) or several (``[controllers.<id>]``)."""
    data = _read_toml(path)
    if "controllers" in data:
        extra = sorted(set(data) - {"controllers"})
        if extra:
            raise ConfigError(str(path), extra[0], "unexpected beside [controllers.<id>] tables")
        for cid, table in data["controllers"].items():
            if not isinstance(table, dict):
                raise ConfigError(str(path), f"controllers.{cid}", "must be a table")
            yield f"controllers.{cid}.", table
    else:
        yield "", data


def _validate(model: type[BaseModel], raw: dict[str, Any], path: Path, prefix: str = "") -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt key is also a missing one: name the misspelling, it says what to fix.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = [str(part) for part in first["loc"]]
        if "unknown connector" in first["msg"] or "key 'connector' is missing" in first["msg"]:
            loc.append("connector")
        # Pydantic names the member of a union that failed; the staff need the key only.
        loc = [p for p in loc if p not in _MODEL_NAMES and not p.startswith(("function-", "literal["))]
        key = prefix + ".".join(loc)
        problem = first["msg"].removeprefix("Value error, ").replace("required key 'connector' is missing; ", "")
        if first["type"] == "missing":
            problem = "required key is missing"
        elif first["type"] == "extra_forbidden":
            problem = "unknown key (misspelt?)"
        more = len(errors) - 1
        if more:
            problem += f" (and {more} more problem{'s' if more > 1 else ''} in this file)"
        raise ConfigError(str(path), key.rstrip("."), problem) from None


_MODEL_NAMES = {
    name for name, value in vars(models).items() if isinstance(value, type) and issubclass(value, BaseModel)
}


def _check_languages(config: ControllerConfig, path: Path, prefix: str) -> None:
    """A controller that writes English letters must give every text in English too."""
    if "en" not in config.controller.languages:
        return
    for key, text in _local_texts(config, prefix.rstrip(".")):
        if not text.en:
            raise ConfigError(
                str(path), key, "English text missing (the controller offers English letters)"
            )


def _local_texts(node: Any, key: str) -> Iterator[tuple[str, LocalText]]:
    if isinstance(node, LocalText):
        yield key, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            field = type(node).model_fields[name]
            yield from _local_texts(getattr(node, name), _join(key, field.alias or name))
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _local_texts(v, _join(key, str(k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _local_texts(v, f"{key}[{i}]")


def _join(key: str, part: str) -> str:
    return f"{key}.{part}" if key else part
