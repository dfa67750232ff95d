"""A small local server playing two vendors' APIs, for the demo and the tests.

``/mailchimp/3.0/…`` is Mailchimp-style (the newsletter; HTTP basic auth, any user name and
the API key as password):

    GET /search-members?query=…              {"exact_matches": {"members": […]}, "full_search": {"members": […]}}
                                             exact: the e-mail; full: fuzzy (the exact ones, names, near addresses)
    GET /lists/{list}/members/{hash}         one member (404 when unknown)
    GET /lists/{list}/members/{hash}/interests?offset=&count=   {"interests": […], "total_items": n}
    GET /lists/{list}/members/{hash}/activity?offset=&count=    {"activity": […], "total_items": n}

``/screentek/api/v1/…`` is Screentek-style (the media bank; a bearer token):

    GET /users?email=… | ?phone=… | ?name=…  {"data": […], "next": null}   a loose "contains" search
    GET /users/{id}                          {"data": {…}} (404 when unknown)
    GET /users/{id}/orders?page=&per_page=   {"data": […], "next": "/screentek/…?page=n+1…" | null}

Data comes from the JSON lines the sample world writes (``sources/<controller>/*.api.jsonl``, see
``sample_data.worlds``) or from a dict (tests). Faults can be injected for tests: HTTP 500,
429 with ``Retry-After``, a slow answer (a timeout), for every request or the next ``n``.

``serving(workspace)`` starts it on 127.0.0.1 on a free port, points the workspace's API
systems at it (their ``base_url`` line) and sets their token secrets in this process's
environment; it stops the server on leaving. The server is stdlib ``http.server`` in a
thread: it starts in milliseconds.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

MAILCHIMP = "/mailchimp/3.0"
SCREENTEK = "/screentek/api/v1"
DATA_GLOB = "*.api.jsonl"


@dataclass
class Fault:
    kind: str  # "500", "429" or "slow"
    remaining: int | None = None  # None: every request
    retry_after: float = 1
    delay: float = 5


class VendorApi:
    """The server. ``data``: ``{"mailchimp": {...}, "screentek": {...}}`` (either may be left out)."""

    def __init__(self, data: dict[str, Any], token: str, *, port: int = 0) -> None:
        self.data = data
        self.token = token
        self.port = port
        self.requests = 0
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> VendorApi:
        api = self

        class Handler(_Handler):
            vendor = api

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="vendor-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> VendorApi:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults --------------------------------------------------------------------------------

    def fault(self, kind: str, *, times: int | None = None, retry_after: float = 1, delay: float = 5) -> None:
        with self._lock:
            self._faults.append(Fault(kind, times, retry_after, delay))

    def heal(self) -> None:
        with self._lock:
            self._faults.clear()

    def _next_fault(self) -> Fault | None:
        with self._lock:
            self.requests += 1
            for fault in self._faults:
                if fault.remaining is None:
                    return fault
                if fault.remaining > 0:
                    fault.remaining -= 1
                    return fault
        return None

    # -- answers -------------------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        if path.startswith(MAILCHIMP + "/"):
            return self._mailchimp(path.removeprefix(MAILCHIMP).strip("/").split("/"), query)
        if path.startswith(SCREENTEK + "/"):
            return self._screentek(path.removeprefix(SCREENTEK).strip("/").split("/"), query)
        return 404, {"title": "Resource Not Found"}

    def _mailchimp(self, parts: list[str], query: dict[str, str]) -> tuple[int, Any]:
        data = self.data.get("mailchimp", {})
        lists: dict[str, Any] = data.get("lists", {})
        if parts == ["search-members"]:
            asked = query.get("query", "")
            wanted = [query["list_id"]] if "list_id" in query else list(lists)
            members = [m for lid in wanted for m in lists.get(lid, {}).get("members", [])]
            exact = [m for m in members if m["email_address"].strip().lower() == asked.strip().lower()]
            full = [m for m in members if _loosely(asked, _member_texts(m))]
            return 200, {
                "exact_matches": {"members": exact, "total_items": len(exact)},
                "full_search": {"members": full, "total_items": len(full)},
            }
        if len(parts) >= 4 and parts[0] == "lists" and parts[2] == "members":
            the_list = lists.get(parts[1])
            member = next((m for m in (the_list or {}).get("members", []) if m["id"] == parts[3]), None)
            if member is None:
                return 404, {"title": "Resource Not Found", "status": 404}
            if len(parts) == 4:
                return 200, member
            if len(parts) == 5 and parts[4] in ("interests", "activity"):
                items = the_list.get(parts[4], {}).get(member["id"], [])
                offset, count = int(query.get("offset", 0)), min(int(query.get("count", 10)), 1000)
                return 200, {parts[4]: items[offset : offset + count], "total_items": len(items)}
        return 404, {"title": "Resource Not Found", "status": 404}

    def _screentek(self, parts: list[str], query: dict[str, str]) -> tuple[int, Any]:
        data = self.data.get("screentek", {})
        users: list[dict[str, Any]] = data.get("users", [])
        if parts == ["users"]:
            found = users
            for field in ("email", "phone", "name"):
                if field in query:
                    found = [u for u in found if _loosely(query[field], [str(u.get(field) or "")])]
            return 200, {"data": found, "next": None}
        if len(parts) >= 2 and parts[0] == "users":
            user = next((u for u in users if str(u["id"]) == parts[1]), None)
            if user is None:
                return 404, {"error": "not found"}
            if len(parts) == 2:
                return 200, {"data": user}
            if len(parts) == 3 and parts[2] == "orders":
                orders = data.get("orders", {}).get(str(user["id"]), [])
                page, size = int(query.get("page", 1)), min(int(query.get("per_page", 25)), 25)
                chunk = orders[(page - 1) * size : page * size]
                more = page * size < len(orders)
                link = f"{SCREENTEK}/users/{parts[1]}/orders?page={page + 1}&per_page={size}" if more else None
                return 200, {"data": chunk, "next": link}
        return 404, {"error": "not found"}


class _Handler(BaseHTTPRequestHandler):
    vendor: VendorApi
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        api = self.vendor
        split = urlsplit(self.path)
        if not self._authorised(split.path):
            self._send(401, {"title": "API Key Invalid", "status": 401})
            return
        fault = api._next_fault()
        if fault is not None:
            if fault.kind == "500":
                self._send(500, {"title": "Internal Server Error", "status": 500})
                return
            if fault.kind == "429":
                self._send(429, {"title": "Too Many Requests", "status": 429}, {"Retry-After": f"{fault.retry_after:g}"})
                return
            if fault.kind == "slow":
                time.sleep(fault.delay)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        status, body = api.answer(unquote(split.path), query)
        self._send(status, body)

    def _authorised(self, path: str) -> bool:
        header = self.headers.get("Authorization", "")
        if path.startswith(MAILCHIMP):
            if not header.startswith("Basic "):
                return False
            try:
                _, _, key = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return False
            return secrets.compare_digest(key, self.vendor.token)
        return secrets.compare_digest(header, f"Bearer {self.vendor.token}")

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass  # request lines hold the people looked up: never logged


def _member_texts(member: dict[str, Any]) -> list[str]:
    merge = member.get("merge_fields", {})
    name = f"{merge.get('FNAME', '')} {merge.get('LNAME', '')}"
    return [member.get("email_address", ""), name, str(merge.get("PHONE", ""))]


def _loosely(asked: str, texts: list[str]) -> bool:
    """A vendor's search: every word of the query in the text, or the number's last 8 digits,
    or the address's local part — close is enough, as vendors' searches go."""
    asked = asked.strip().lower()
    if not asked:
        return False
    digits = re.sub(r"\D", "", asked)
    for text in texts:
        lowered = text.lower()
        if "@" in asked and asked.split("@")[0] in lowered:
            return True
        if len(digits) >= 8 and digits[-8:] in re.sub(r"\D", "", text):
            return True
        words = re.findall(r"\w+", lowered)
        if "@" not in asked and len(digits) < 8 and all(w in words for w in re.findall(r"\w+", asked)):
            return True
    return False


# -- the sample world's vendors -----------------------------------------------------------------


def workspace_data(root: Path) -> dict[str, Any]:
    """Every vendor's data the sample world wrote under ``root/sources``, merged: each line of
    a ``*.api.jsonl`` file is ``{"where": [...], "record": {...}}``, the record appended to the
    list at that place (``["mailchimp", "lists", <id>, "members"]``)."""
    data: dict[str, Any] = {}
    for path in sorted((Path(root) / "sources").glob(f"*/{DATA_GLOB}")):
        _load_lines(path, data)
    return data


def _load_lines(path: Path, data: dict[str, Any]) -> None:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            entry = json.loads(line)
            *parents, last = entry["where"]
            place = data
            for step in parents:
                place = place.setdefault(step, {})
            place.setdefault(last, []).append(entry["record"])


def sample_rows(root: Path, controller_id: str, system_id: str, collection_id: str) -> list[dict[str, Any]]:
    """The records of one collection of the sample world's vendor data, as the API connector
    reads them (nested objects flattened, a follow-on record with its parent's id): for
    tests that compare the world with its configuration and ground truth."""
    from connectors.http_api import flatten_record

    data: dict[str, Any] = {}
    _load_lines(Path(root) / "sources" / controller_id / f"{system_id}.api.jsonl", data)
    rows: list[dict[str, Any]] = []
    for the_list in data.get("mailchimp", {}).get("lists", {}).values():
        if collection_id == "members":
            rows += [flatten_record(m) for m in the_list["members"]]
        else:
            rows += [
                {"member_id": member_id, **flatten_record(item)}
                for member_id, items in the_list.get(collection_id, {}).items()
                for item in items
            ]
    screentek = data.get("screentek", {})
    if collection_id == "users":
        rows += [flatten_record(u) for u in screentek.get("users", [])]
    elif collection_id == "downloads":
        rows += [flatten_record(o) for orders in screentek.get("orders", {}).values() for o in orders]
    return rows


BASE_URL_LINE = re.compile(r'^(base_url\s*=\s*")http://127\.0\.0\.1:\d+(/[^"]*")', re.M)
TOKEN_ENV_LINE = re.compile(r'token_env\s*=\s*"([A-Z0-9_]+)"')


def point_workspace_at(root: Path, url: str) -> list[str]:
    """Point every local API system of the workspace's controllers at ``url``; the token
    secrets they name."""
    names: list[str] = []
    for path in sorted((Path(root) / "config" / "controllers").glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        changed = BASE_URL_LINE.sub(lambda m: f"{m.group(1)}{url}{m.group(2)}", text)
        if changed != text:
            path.write_text(changed, encoding="utf-8")
            names += TOKEN_ENV_LINE.findall(changed)
    return sorted(set(names))


@contextmanager
def serving(root: Path) -> Iterator[VendorApi]:
    """The sample world's vendors on a free port, the workspace pointed at them, their
    token secrets set in this process for as long as it runs."""
    token = secrets.token_urlsafe(24)
    server = VendorApi(workspace_data(root), token).start()
    saved: dict[str, str | None] = {}
    try:
        for name in point_workspace_at(root, server.url):
            saved[name] = os.environ.get(name)
            os.environ[name] = token
        yield server
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main(argv: list[str] | None = None) -> int:
    """``python -m sample_data.vendor_api [--workspace DIR] -- COMMAND …``: run a command (a
    ``dsar run`` or ``dsar dashboard`` on the demo's workspace) with the vendor APIs served."""
    import argparse
    import subprocess
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m sample_data.vendor_api",
        description="Run a command with the sample world's vendor APIs served on 127.0.0.1, the "
        "workspace's API systems pointed at them and their tokens in the command's environment.",
    )
    parser.add_argument("--workspace", type=Path, default=Path("workspace"))
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run, after --")
    with serving(args.workspace) as server:
        print(f"Leverandør-API-ene svarer på {server.url}", file=sys.stderr)
        return subprocess.run(command, check=False).returncode  # noqa: S603 - the operator's own command


if __name__ == "__main__":
    raise SystemExit(main())
