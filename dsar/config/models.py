"""The configuration's shapes: controllers, their processing register and their systems.

A controller file (``config/controllers/<id>.toml``) declares one controller, the register
of each system (the Art. 30 facts the cover letter is written from) and how each system is
searched: the connector kind, the connection, the collections (tables or files), which
fields identify a person and how collections reference each other.

Text the person reads is a ``LocalText``: a plain string (bokmål) or ``{nb = "…", en = "…"}``.
A controller that offers English letters must give English for every such text; the loader
checks that. Secrets are never written here: a connection names the environment variable (or
secret-store entry) that holds the password or URL.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Language = Literal["nb", "en"]
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LocalText(_Model):
    """A text in bokmål and, where the controller writes English letters, English."""

    nb: str = Field(min_length=1)
    en: str | None = Field(default=None, min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"nb": value}
        return value

    def get(self, language: Language) -> str:
        """The text in ``language``; the loader guarantees it exists for declared languages."""
        if language == "en" and self.en:
            return self.en
        return self.nb


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lowercase letters, digits, '-' and '_' "
            "(at most 63 characters, starting with a letter or digit)"
        )
    return value


def _env_name(value: str | None) -> str | None:
    if value is not None and not ENV_NAME.match(value):
        raise ValueError(
            f"{value!r} is not an environment variable name (A-Z, 0-9 and '_'); "
            "name the variable that holds the secret, never the secret itself"
        )
    return value


# --------------------------------------------------------------------------- controller


class Contact(_Model):
    name: LocalText | None = None
    email: str | None = None
    phone: str | None = None

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if not (self.email or self.phone):
            raise ValueError("give at least an e-mail or a phone number")
        return self


class Controller(_Model):
    """The organisation that answers: it signs the letter and is named in the package."""

    id: str
    name: str = Field(min_length=1)
    org_nr: str | None = None
    address: list[str] = Field(min_length=1)
    email: str
    phone: str | None = None
    website: str | None = None
    responsible: LocalText = Field(
        description="Who in the organisation answers for the processing (e.g. daglig leder)."
    )
    dpo: Contact | None = Field(default=None, description="Data protection officer, if any.")
    promised_days: int | None = Field(
        default=None,
        ge=1,
        le=31,
        description="Days the privacy statement promises an answer within; None: the law only.",
    )
    languages: list[Language] = Field(default_factory=lambda: ["nb"], min_length=1)
    default_language: Language = "nb"
    note: LocalText | None = Field(
        default=None, description="Where the sample world invented facts, it says so here."
    )

    _check_id = field_validator("id")(classmethod(lambda cls, v: _slug(v)))

    @field_validator("org_nr")
    @classmethod
    def _org_nr(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from stdnum.exceptions import ValidationError
        from stdnum.no import orgnr

        try:
            return orgnr.validate(value)
        except ValidationError as exc:
            raise ValueError(f"{value!r} is not a valid Norwegian organisation number") from exc

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        from email_validator import EmailNotValidError, validate_email

        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValueError(f"{value!r} is not a valid e-mail address: {exc}") from exc

    @model_validator(mode="after")
    def _default_language_offered(self) -> Controller:
        if self.default_language not in self.languages:
            raise ValueError(
                f"default_language {self.default_language!r} is not among languages {self.languages}"
            )
        return self


# ------------------------------------------------------------------------------ register


class Recipient(_Model):
    """A recipient named as precisely as known (CJEU C-154/21), and what it receives."""

    name: LocalText
    receives: LocalText


class Transfer(_Model):
    """A transfer outside the EEA and its safeguard (Art. 15(2), Art. 44–49)."""

    recipient: str = Field(min_length=1)
    country: LocalText
    safeguard: LocalText


class Register(_Model):
    """The processing register of one system: every Art. 15(1) item the letter states.

    Every key is required, so an item can't be forgotten: an empty list or ``false`` says
    "none" on purpose (no recipients, collected from the person, no profiling).
    """

    purposes: list[LocalText] = Field(min_length=1)
    legal_basis: list[LocalText] = Field(min_length=1)
    categories: list[LocalText] = Field(min_length=1)
    recipients: list[Recipient]
    retention: LocalText
    sources: list[LocalText] = Field(
        description="Where data came from when not from the person; [] means from the person."
    )
    transfers: list[Transfer]
    profiling: LocalText | Literal[False] = Field(
        description="Profiling and the logic involved, or false."
    )
    automated_decisions: LocalText | Literal[False] = Field(
        description="Decisions based solely on automated processing (Art. 22), or false."
    )


# ------------------------------------------------------------------------------- systems

IdentityType = Literal["email", "phone", "name", "birthdate"]
SEARCHABLE: frozenset[str] = frozenset({"email", "phone"})
"""Identity types a connector looks records up by. Name and birth date only corroborate:
a name alone never finds a record (it would find strangers with the same name)."""


class IdentityField(_Model):
    """A field that identifies a person, and its type.

    ``column`` names one field; a name kept in parts gives ``columns`` in reading order
    (first name, last name).
    """

    type: IdentityType
    column: str | None = None
    columns: list[str] | None = Field(default=None, min_length=2)

    @model_validator(mode="after")
    def _one_of(self) -> IdentityField:
        if (self.column is None) == (self.columns is None):
            raise ValueError("give exactly one of 'column' or 'columns'")
        if self.columns is not None and self.type != "name":
            raise ValueError("'columns' is only for a name kept in parts")
        return self

    @property
    def fields(self) -> list[str]:
        return [self.column] if self.column is not None else list(self.columns or [])


MaskKind = Literal["pan"]


class Collection(_Model):
    """One table (SQL) or file (CSV) of a system.

    Every column is exported unless it is ``secret`` (its existence is stated, its value never
    leaves) — the copy must be complete, so nothing is left out by omission. ``fields``
    explains each column to the person; an unexplained column is reported by ``dsar check``.
    """

    id: str
    title: LocalText
    # SQL
    table: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    # CSV
    path: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    # Both
    key: list[str] = Field(min_length=1, description="Primary key; CSV may use ['_line'].")
    identities: list[IdentityField] = Field(default_factory=list)
    fields: dict[str, LocalText] = Field(default_factory=dict)
    secret: dict[str, LocalText] = Field(
        default_factory=dict, description="Column -> what it is; the value is never exported."
    )
    masked: dict[str, MaskKind] = Field(default_factory=dict)
    special_category: dict[str, LocalText] = Field(
        default_factory=dict, description="Column -> why it may reveal Art. 9 data."
    )
    codes: dict[str, dict[str, LocalText]] = Field(
        default_factory=dict, description="Column -> code -> meaning, for coded values."
    )

    _check_id = field_validator("id")(classmethod(lambda cls, v: _slug(v)))

    @field_validator("key", mode="before")
    @classmethod
    def _key_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError("the delimiter is one character")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError as exc:
            raise ValueError(f"unknown text encoding {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Collection:
        exported = set(self.masked) | set(self.special_category) | set(self.codes)
        both = sorted(exported & set(self.secret))
        if both:
            raise ValueError(f"{both} can't be both secret and exported (masked/special/coded)")
        for identity in self.identities:
            hidden = [f for f in identity.fields if f in self.secret]
            if hidden:
                raise ValueError(f"identity field {hidden} can't be secret")
        identifying = sorted({f for i in self.identities for f in i.fields} & set(self.key))
        if identifying:
            # Keys name records outside the encrypted copy: in the request store's review
            # list and on staff's screen. An e-mail or name as key would put it there in clear.
            raise ValueError(
                f"key {identifying} is an identity field; keys name records in the request "
                "store, so use an id column (or '_line' for a CSV file)"
            )
        return self

    @property
    def searchable(self) -> list[IdentityField]:
        return [i for i in self.identities if i.type in SEARCHABLE]


class Reference(_Model):
    """``from`` (child collection.field) holds the key of ``to`` (parent collection.field).

    Records of the child whose field equals a found parent's field are the person's too:
    customer → orders → order lines.
    """

    from_: str = Field(alias="from")
    to: str

    @field_validator("from_", "to")
    @classmethod
    def _dotted(cls, value: str) -> str:
        if value.count(".") != 1 or not all(value.split(".")):
            raise ValueError(f"{value!r} must be 'collection.field'")
        return value

    @property
    def child(self) -> tuple[str, str]:
        collection, field = self.from_.split(".")
        return collection, field

    @property
    def parent(self) -> tuple[str, str]:
        collection, field = self.to.split(".")
        return collection, field


class SqlConnection(_Model):
    """Where a SQL system lives. Exactly one of ``url`` and ``url_env``.

    ``url`` may hold ``{workspace}``; it must not hold a password: put that in the variable
    named by ``password_env``, or give the whole URL through ``url_env``.
    """

    url: str | None = None
    url_env: str | None = None
    password_env: str | None = None
    connect_timeout_seconds: int = Field(default=10, ge=1, le=300)
    statement_timeout_seconds: int = Field(default=60, ge=1, le=3600)

    _check_env = field_validator("url_env", "password_env")(
        classmethod(lambda cls, v: _env_name(v))
    )

    @model_validator(mode="after")
    def _one_url(self) -> SqlConnection:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of 'url' and 'url_env'")
        if self.url is not None and re.search(r"://[^/@:]+:[^/@]+@", self.url):
            raise ValueError(
                "the url holds a password; name it with 'password_env' instead, "
                "or give the whole url through 'url_env'"
            )
        return self


class CsvConnection(_Model):
    """CSV exports need nothing beyond each collection's ``path``; kept for symmetry."""


ConnectorKind = Literal["sql", "csv"]


class System(_Model):
    """One system the privacy statement names, and how the product searches it."""

    id: str
    title: LocalText
    connector: ConnectorKind
    connection: SqlConnection | CsvConnection = Field(default_factory=CsvConnection)
    processing: Register = Field(alias="register")
    collections: dict[str, Collection] = Field(min_length=1)
    references: list[Reference] = Field(default_factory=list)
    timeout_seconds: float = Field(default=300, gt=0, le=6 * 3600)
    retries: int = Field(default=2, ge=0, le=10)
    retry_delay_seconds: list[float] = Field(default_factory=lambda: [2.0, 10.0])

    _check_id = field_validator("id")(classmethod(lambda cls, v: _slug(v)))

    @model_validator(mode="before")
    @classmethod
    def _ids_from_keys(cls, data: Any) -> Any:
        """``[systems.x.collections.y]`` gives the collection its id ``y``."""
        if isinstance(data, dict) and isinstance(data.get("collections"), dict):
            data = dict(data)
            data["collections"] = {
                cid: ({"id": cid, **c} if isinstance(c, dict) else c)
                for cid, c in data["collections"].items()
            }
        return data

    @model_validator(mode="after")
    def _consistent(self) -> System:
        if self.connector == "sql":
            if not isinstance(self.connection, SqlConnection):
                raise ValueError("a sql system needs [connection] with 'url' or 'url_env'")
            missing = [c.id for c in self.collections.values() if not c.table]
            if missing:
                raise ValueError(f"collections {missing} need 'table' (sql system)")
        if self.connector == "csv":
            missing = [c.id for c in self.collections.values() if not c.path]
            if missing:
                raise ValueError(f"collections {missing} need 'path' (csv system)")
        if not any(c.searchable for c in self.collections.values()):
            raise ValueError(
                "no collection has an e-mail or phone identity, so the system can't be searched"
            )
        for ref in self.references:
            for collection, _ in (ref.child, ref.parent):
                if collection not in self.collections:
                    raise ValueError(
                        f"reference {ref.from_} -> {ref.to} names unknown collection {collection!r}"
                    )
        return self

    def children_of(self, collection: str) -> list[Reference]:
        return [r for r in self.references if r.parent[0] == collection]


class ControllerConfig(_Model):
    """One controller file: the controller and its systems, in the order they are searched."""

    controller: Controller
    systems: dict[str, System] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _ids_from_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("systems"), dict):
            data = dict(data)
            data["systems"] = {
                sid: ({"id": sid, **s} if isinstance(s, dict) else s)
                for sid, s in data["systems"].items()
            }
        return data

    @property
    def id(self) -> str:
        return self.controller.id


# ----------------------------------------------------------------------------- workspace


class StoreSettings(_Model):
    url: str | None = None
    url_env: str | None = None

    _check_env = field_validator("url_env")(classmethod(lambda cls, v: _env_name(v)))

    @model_validator(mode="after")
    def _one(self) -> StoreSettings:
        if self.url is not None and self.url_env is not None:
            raise ValueError("give at most one of 'url' and 'url_env'")
        return self


class KeySettings(_Model):
    data_key: str = Field(
        default="DSAR_DATA_KEY",
        description="Name of the secret holding the 256-bit key for data at rest.",
    )

    _check_env = field_validator("data_key")(classmethod(lambda cls, v: _env_name(v)))


class NotifySettings(_Model):
    """``[notify]``: where deadline warnings go (``flows/sla_watch.py``), over SMTP.

    The SMTP password is never in the file: ``password_env`` names the secret (environment
    variable or secret store) that holds it.
    """

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    sender: str = "innsyn@localhost"
    recipients: list[str] = Field(default_factory=list, description="The privacy team's addresses.")
    timeout_seconds: float = Field(default=30, gt=0, le=300)

    _check_env = field_validator("password_env")(classmethod(lambda cls, v: _env_name(v)))


class Settings(_Model):
    """``config/dsar.toml``: where the request store lives and which secret is the data key."""

    store: StoreSettings = Field(default_factory=StoreSettings)
    keys: KeySettings = Field(default_factory=KeySettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
