"""Vendor HTTP APIs (a newsletter service, a media bank), declared as data: no code per vendor.

A system names its ``connection`` (``base_url``; the auth scheme and ``token_env``, the name of
the secret holding the token — never the token; ``variables`` for fixed parts of paths such as
a list id; timeouts, retries and waits) and per collection the endpoints that give its records:

``find.<kind>``   looks the person up by an identifier (``email``, ``phone``, ``name``): one
                  request per value, the value as ``{value}`` in the path or a parameter.
``by.<field>``    gives the records whose ``field`` holds a value, for references: the member's
                  interests by ``member_id``, a user's download orders by ``user_id``. Records
                  fetched this way that don't carry the field get it from the request (the
                  vendor answers "the activity of member X" without repeating X).

Each endpoint says where its records are in the answer (``items``, a dotted path; a single
object is one record) and how it pages: ``offset`` (offset/count, Mailchimp), ``page``
(page numbers) or ``next`` (a link to the next page, followed only on the same host: the token
goes with every request). Paging ends on an empty page, the stated ``total`` or a missing link,
never on a short page (a vendor may cap the page size). Nested
objects become dotted fields (``merge_fields.FNAME``), so every field can be explained.

A vendor's search is fuzzy (Mailchimp's finds names and near addresses): every record that
comes back is tested again here with ``connectors.base.condition_test`` and then by ``find``
with ``row_matches``, the record test every connector shares, so a stranger is never
released because the vendor thought them close.

Faults: 429 waits as ``Retry-After`` says (at most ``max_wait_seconds``), 5xx, timeouts and
refused connections are retried with exponential backoff (``retries``, ``backoff_seconds``);
when the tries run out the system fails with a transient ``ConnectorError``, so the request
is incomplete, the system named, and a re-run searches it again. Errors name the system, the
collection and the endpoint's configuration key and the HTTP status — never a URL (it holds
the person's e-mail), a response body or the token. httpx's own request log (which writes
URLs) is turned down to warnings for the same reason.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urljoin, urlsplit

import httpx
from pydantic import Field, field_validator, model_validator

from connectors.base import Condition, Connector, condition_test, config_key, oriented, record_key
from dsar.config.models import Collection, ConfigModel, System, env_name
from dsar.errors import ConnectorError, SecretMissing
from dsar.secrets import resolve_secret

if TYPE_CHECKING:
    from dsar.workspace import Workspace

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_PAGES = 10_000
"""A vendor whose paging never ends (a ``next`` link pointing back) stops here, as an error."""


# -- configuration -------------------------------------------------------------------------------


class ApiConnection(ConfigModel):
    """How to reach the vendor. The token is read from the secret ``token_env`` names."""

    base_url: str = Field(pattern=r"^https?://[^\s/]+", description="e.g. https://us1.api.mailchimp.com/3.0")
    auth: Literal["bearer", "basic", "header", "none"] = "bearer"
    token_env: str | None = Field(default=None, description="Name of the secret (environment variable) holding the token.")
    username: str = Field(default="dsar", description="For basic auth: the user name sent with the token as password.")
    header: str = Field(default="Authorization", description="For auth = 'header': the header that carries the token.")
    variables: dict[str, str] = Field(default_factory=dict, description="Fixed values for {placeholders} in paths.")
    timeout_seconds: float = Field(default=15, gt=0, le=300)
    retries: int = Field(default=3, ge=0, le=10, description="Further tries after a 429, 5xx, timeout or refused connection.")
    backoff_seconds: float = Field(default=0.5, ge=0, le=60, description="First wait between tries; doubles each time.")
    max_wait_seconds: float = Field(default=60, ge=0, le=3600, description="Longest Retry-After honoured; longer fails the system.")

    _check_env = field_validator("token_env")(classmethod(lambda cls, v: env_name(v)))

    @model_validator(mode="after")
    def _token_named(self) -> ApiConnection:
        if self.auth != "none" and self.token_env is None:
            raise ValueError(f"auth = {self.auth!r} needs token_env: the name of the secret holding the token")
        return self


class Endpoint(ConfigModel):
    """One request: a path below ``base_url`` and its parameters, ``{value}`` (or the field's
    name) standing for the looked-up value and other ``{placeholders}`` for ``variables``."""

    path: str = Field(min_length=1)
    params: dict[str, str] = Field(default_factory=dict)
    items: str | None = Field(default=None, description="Dotted path to the records in the answer; none: the answer itself.")
    paging: Literal["none", "offset", "page", "next"] = "none"
    page_size: int = Field(default=100, ge=1, le=1000)
    offset_param: str = "offset"
    count_param: str = "count"
    page_param: str = "page"
    size_param: str | None = Field(default="per_page", description="For page paging: the page-size parameter, if any.")
    next: str = Field(default="next", description="For next paging: dotted path to the next page's link.")
    total: str | None = Field(
        default=None, description="For offset/page paging: dotted path to the number of records in all pages."
    )
    empty_on_404: bool = Field(default=False, description="A 404 means 'no such records' (GET /users/{value}).")


class ApiCollection(Collection):
    """One resource of the vendor: how records are found (``find``) and followed (``by``)."""

    find: dict[Literal["email", "phone", "name"], Endpoint] = Field(default_factory=dict)
    by: dict[str, Endpoint] = Field(default_factory=dict, description="Field -> the endpoint giving records by that field's value.")

    @property
    def find_by_name(self) -> bool:
        """Candidates by name only where the vendor can search by name."""
        return "name" in self.find


class ApiSystem(System):
    """``connector = "api"``: a vendor's HTTP API (Mailchimp-style newsletter, a media bank)."""

    connector: Literal["api"]
    connection: ApiConnection
    collections: dict[str, ApiCollection] = Field(min_length=1)

    @model_validator(mode="after")
    def _endpoints_complete(self) -> ApiSystem:
        """Every way ``find`` will ask for records has an endpoint, and every placeholder a
        value: the gap is named here rather than found in the middle of a request."""
        for collection in self.collections.values():
            where = f"collections.{collection.id}"
            for identity in collection.searchable:
                if identity.type not in collection.find:
                    raise ValueError(
                        f"{where}: the {identity.type} identity needs find.{identity.type}, the endpoint that "
                        f"looks a person up by {identity.type} (or declare the field without that identity)"
                    )
            for kind, endpoint in collection.find.items():
                self._placeholders(endpoint, f"{where}.find.{kind}", "value")
            for field, endpoint in collection.by.items():
                self._placeholders(endpoint, f"{where}.by.{field}", field)
        for ref in oriented(self):
            child = self.collections[ref.child_collection]
            if ref.child_field not in child.by:
                raise ValueError(
                    f"reference {ref.label}: collections.{child.id} needs by.{ref.child_field}, the endpoint "
                    f"giving its records by {ref.child_field}"
                )
            parent = self.collections[ref.parent_collection]
            if parent.key == [ref.parent_field] and child.identities and ref.parent_field not in parent.by:
                raise ValueError(
                    f"reference {ref.label}: collections.{parent.id} needs by.{ref.parent_field} "
                    f"({child.id} records found by lookup lead up to their {parent.id} record)"
                )
        return self

    def _placeholders(self, endpoint: Endpoint, where: str, own: str) -> None:
        texts = [endpoint.path, *endpoint.params.values()]
        known = {"value", own, *self.connection.variables}
        unknown = sorted({name for text in texts for name in PLACEHOLDER.findall(text)} - known)
        if unknown:
            raise ValueError(
                f"{where}: placeholder(s) {unknown} are neither {{value}} nor in connection.variables"
            )


# -- the connector -------------------------------------------------------------------------------


class ApiConnector(Connector):
    """A system behind a vendor's HTTP API (``httpx``, one client per connector)."""

    kind = "api"
    config = ApiSystem
    system: ApiSystem
    reference_chunk = None  # one request per value whatever the chunk

    def __init__(self, system: System, workspace: Workspace) -> None:
        super().__init__(system, workspace)
        self._client: httpx.Client | None = None
        # httpx logs every request's URL at INFO; the URL holds the e-mail looked up.
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.WARNING)

    # -- the contract ------------------------------------------------------------------------

    def check(self) -> tuple[bool, str | None]:
        """The token is there and the vendor answers the first lookup endpoint of each
        collection (with an address nobody has). Never raises."""
        problems = []
        for collection in self.system.collections.values():
            endpoints = list(collection.find.items()) or [(None, None)]
            kind, endpoint = endpoints[0]
            if endpoint is None:
                continue  # reached by reference only: asked when a parent is found
            try:
                value = "dsar-check@invalid.example" if kind != "phone" else "+4700000000"
                for _ in self._records(collection, endpoint, f"find.{kind}", value, None):
                    pass
            except ConnectorError as exc:
                problems.append(exc.args[0].removeprefix(ConnectorError.prefix(self.system.id)))
            except Exception as exc:  # noqa: BLE001 - check reports, it never raises
                problems.append(f"samling {collection.id!r}: kontrollen feilet med {type(exc).__name__}")
        if problems:
            return False, ConnectorError.prefix(self.system.id) + "; ".join(problems)
        return True, None

    def select(self, collection: Collection, conditions: Sequence[Condition]) -> Iterator[dict[str, Any]]:
        """One request (and its pages) per value; only rows that pass the condition's test
        come back, each once."""
        assert isinstance(collection, ApiCollection)
        seen: set[str] = set()
        for condition in conditions:
            if not condition.values:
                continue
            test = condition_test(condition)
            if condition.kind == "exact":
                name, endpoint, fill = f"by.{condition.field}", collection.by.get(condition.field), condition.field
            else:
                kind = "name" if condition.kind in ("name", "surname") else condition.kind
                name, endpoint, fill = f"find.{kind}", collection.find.get(kind), None  # type: ignore[call-overload]
            if endpoint is None:
                raise ConnectorError(
                    self.system.id,
                    f"samling {collection.id!r} har ikke noe {name}-endepunkt; legg til "
                    f"{config_key(self.system, collection)}.{name}",
                )
            for value in condition.values:
                for row in self._records(collection, endpoint, name, value, fill):
                    # The vendor's match is not ours: the same test every connector applies.
                    if not test(row.get(condition.field)):
                        continue
                    key = record_key(collection, row)
                    if key in seen:
                        continue
                    seen.add(key)
                    yield row

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- requests ----------------------------------------------------------------------------

    def _records(
        self, collection: ApiCollection, endpoint: Endpoint, name: str, value: Any, fill: str | None
    ) -> Iterator[dict[str, Any]]:
        """The records an endpoint gives for one value, page by page, flattened."""
        where = f"samling {collection.id!r} ({config_key(self.system, collection)}.{name})"
        values = {**self.system.connection.variables, "value": str(value)}
        if fill is not None:
            values[fill] = str(value)
        path = PLACEHOLDER.sub(lambda m: quote(values[m.group(1)], safe=""), endpoint.path)
        # A record without the field is the asked one's only when the path names it
        # (/members/{id}/activity); a query filter (?customer_id=…) a vendor may ignore, and a
        # record saying null (a guest order) says it belongs to no one asked for.
        fills = fill is not None and bool({fill, "value"} & set(PLACEHOLDER.findall(endpoint.path)))
        params: dict[str, Any] = {k: PLACEHOLDER.sub(lambda m: values[m.group(1)], v) for k, v in endpoint.params.items()}
        url: str | None = self._url(path)
        offset, page = 0, 1
        for _ in range(MAX_PAGES):
            if endpoint.paging == "offset":
                params |= {endpoint.offset_param: offset, endpoint.count_param: endpoint.page_size}
            elif endpoint.paging == "page":
                params[endpoint.page_param] = page
                if endpoint.size_param:
                    params[endpoint.size_param] = endpoint.page_size
            body = self._get(where, url or "", params, endpoint)
            if body is None:  # 404 read as "none"
                return
            items = _at(body, endpoint.items) if endpoint.items else body
            if items is _MISSING:
                raise ConnectorError(
                    self.system.id, f"{where}: svaret har ingen {endpoint.items!r}; sjekk endepunktets 'items'"
                )
            rows = items if isinstance(items, list) else [] if items is None else [items]
            for item in rows:
                if not isinstance(item, dict):
                    raise ConnectorError(self.system.id, f"{where}: en post i svaret er ikke et objekt")
                row = flatten_record(item)
                if fills and fill not in row:
                    row[fill] = value  # "the activity of member X": X is the one asked for
                yield row
            if endpoint.paging in ("offset", "page"):
                # A vendor may cap the page below page_size: only an empty page (or the
                # total reached) ends the records, never a short page.
                offset, page = offset + len(rows), page + 1
                total = _at(body, endpoint.total) if endpoint.total and isinstance(body, dict) else _MISSING
                if not rows or (isinstance(total, int) and offset >= total):
                    return
            elif endpoint.paging == "next":
                link = _at(body, endpoint.next) if isinstance(body, dict) else None
                if not link or link is _MISSING:
                    return
                url, params = urljoin(url or "", str(link)), {}
                if _origin(url) != _origin(self.system.connection.base_url):
                    # The token goes with every request: never to a host the vendor names.
                    raise ConnectorError(
                        self.system.id, f"{where}: lenken til neste side fører til en annen vert; den ble ikke fulgt"
                    )
            else:
                return
        raise ConnectorError(self.system.id, f"{where}: sidevisningen tok ikke slutt etter {MAX_PAGES} sider")

    def _url(self, path: str) -> str:
        base = self.system.connection.base_url.rstrip("/")
        return f"{base}/{path.lstrip('/')}"

    def _get(self, where: str, url: str, params: dict[str, Any], endpoint: Endpoint) -> Any:
        """One GET with the connection's retries; the decoded JSON (None: a 404 read as empty)."""
        connection = self.system.connection
        client = self._http()
        tries = connection.retries + 1
        delay = connection.backoff_seconds
        problem = ""
        for attempt in range(1, tries + 1):
            wait = delay
            try:
                response = client.get(url, params=params or None)
            except httpx.TimeoutException:
                problem = f"tidsavbrudd etter {connection.timeout_seconds:g} s"
            except httpx.TransportError as exc:
                problem = f"leverandøren kunne ikke nås ({type(exc).__name__})"
            else:
                status = response.status_code
                if status == 200:
                    try:
                        return response.json()
                    except ValueError:
                        raise ConnectorError(self.system.id, f"{where}: svaret er ikke JSON") from None
                if status == 404 and endpoint.empty_on_404:
                    return None
                if status == 429:
                    asked = _retry_after(response.headers.get("Retry-After"))
                    if asked is not None and asked > connection.max_wait_seconds:
                        raise ConnectorError(
                            self.system.id,
                            f"{where}: for mange kall (HTTP 429); leverandøren ber om {asked:g} s pause, lenger enn "
                            f"max_wait_seconds ({connection.max_wait_seconds:g}); kjør kravet på nytt senere",
                            transient=True,
                        )
                    wait = asked if asked is not None else delay
                    problem = "for mange kall (HTTP 429)"
                elif status >= 500:
                    problem = f"feil hos leverandøren (HTTP {status})"
                elif status in (401, 403):
                    raise ConnectorError(
                        self.system.id,
                        f"{where}: leverandøren avviste påloggingsopplysningene (HTTP {status}); sjekk hemmeligheten "
                        f"{connection.token_env or '(none)'} og rettighetene til den",
                    )
                else:
                    raise ConnectorError(
                        self.system.id, f"{where}: leverandøren svarte HTTP {status}; sjekk endepunktets path"
                    )
            if attempt < tries:
                time.sleep(wait)
                delay *= 2
        raise ConnectorError(
            self.system.id,
            f"{where}: {problem} ({tries} forsøk); kravet er ufullstendig til det kjøres på nytt",
            transient=True,
        )

    def _http(self) -> httpx.Client:
        if self._client is None:
            connection = self.system.connection
            headers = {"Accept": "application/json"}
            auth = None
            if connection.auth != "none":
                try:
                    token = resolve_secret(connection.token_env or "")
                except SecretMissing:
                    raise ConnectorError(
                        self.system.id,
                        f"API-tokenet mangler: sett hemmeligheten {connection.token_env} "
                        f"(systems.{self.system.id}.connection.token_env)",
                    ) from None
                if connection.auth == "bearer":
                    headers["Authorization"] = f"Bearer {token}"
                elif connection.auth == "header":
                    headers[connection.header] = token
                else:
                    auth = httpx.BasicAuth(connection.username, token)
            self._client = httpx.Client(
                headers=headers, auth=auth, timeout=connection.timeout_seconds, follow_redirects=False
            )
        return self._client


# -- answers --------------------------------------------------------------------------------------

_MISSING = object()


def _at(body: Any, path: str | None) -> Any:
    """The value at a dotted path of a JSON answer; ``_MISSING`` when a step isn't there."""
    value = body
    for step in (path or "").split("."):
        if not step:
            continue
        if not isinstance(value, dict) or step not in value:
            return _MISSING
        value = value[step]
    return value


def flatten_record(item: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted fields (``merge_fields.FNAME``); lists stay as they are."""
    row: dict[str, Any] = {}
    for name, value in item.items():
        if isinstance(value, dict) and value:
            row.update(flatten_record(value, f"{prefix}{name}."))
        else:
            row[f"{prefix}{name}"] = value
    return row


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
