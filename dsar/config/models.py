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
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Language = Literal["nb", "en"]
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")


class ConfigModel(BaseModel):
    """Every configuration model: unknown keys refused (a misspelt key is an error), frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


_Model = ConfigModel


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


def slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lowercase letters, digits, '-' and '_' "
            "(at most 63 characters, starting with a letter or digit)"
        )
    return value


def env_name(value: str | None) -> str | None:
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

    _check_id = field_validator("id")(classmethod(lambda cls, v: slug(v)))

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

IdentityType = Literal["email", "phone", "name", "birthdate", "national_id"]
SEARCHABLE: frozenset[str] = frozenset({"email", "phone"})
"""Identity types a connector looks records up by and that confirm a record. A name only finds
*candidates* (held for a person to decide); birth date and national id only corroborate or
contradict what was found."""


class IdentityField(_Model):
    """A field that identifies a person, and its type.

    ``column`` names one field; a name kept in parts gives ``columns`` in reading order
    (first name, last name). ``digits_column`` (phones in SQL systems) names a column that
    holds the number's digits only, kept by the database (a generated column with an index):
    where a database can't index an expression (MariaDB), lookups use it instead.
    """

    type: IdentityType
    column: str | None = None
    columns: list[str] | None = Field(default=None, min_length=2)
    digits_column: str | None = None
    guardian: bool = False
    """The value is a guardian's, not the record's person's (a parent's e-mail on a pupil's
    row): records are found by it as by any e-mail or phone, but it is never offered to the
    person as their own for a second search."""

    @model_validator(mode="after")
    def _one_of(self) -> IdentityField:
        if (self.column is None) == (self.columns is None):
            raise ValueError("give exactly one of 'column' or 'columns'")
        if self.columns is not None and self.type != "name":
            raise ValueError("'columns' is only for a name kept in parts")
        if self.digits_column is not None and self.type != "phone":
            raise ValueError("'digits_column' is only for a phone number")
        if self.guardian and self.type not in SEARCHABLE:
            raise ValueError("'guardian' is only for an e-mail or a phone")
        return self

    @property
    def fields(self) -> list[str]:
        return [self.column] if self.column is not None else list(self.columns or [])


MaskKind = Literal["pan"]


class FileField(_Model):
    """A field whose value names a file that belongs to the record (an uploaded photo, a call
    recording): the file goes into the package under ``attachments/``.

    ``root`` is the directory the value is relative to (``{workspace}`` may be used); a value
    that leads outside it is refused. ``media_type`` is used when the file name doesn't tell
    (``audio/mpeg``).
    """

    title: LocalText
    root: str | None = None
    media_type: str | None = None


class Collection(_Model):
    """One collection of a system: a table, a file, an API resource, a mailbox.

    What every kind shares is here; a connector's own collection model adds where the records
    live (``table``, ``path``, ``endpoint`` …). Every field is exported unless it is ``secret``
    (its existence is stated, its value never leaves) — the copy must be complete, so nothing
    is left out by omission. ``fields`` explains each field to the person; an unexplained one
    is reported by ``dsar check``.
    """

    id: str
    title: LocalText
    key: list[str] = Field(min_length=1, description="Primary key; files may use ['_line'].")
    identities: list[IdentityField] = Field(default_factory=list)
    fields: dict[str, LocalText] = Field(default_factory=dict)
    secret: dict[str, LocalText] = Field(
        default_factory=dict, description="Field -> what it is; the value is never exported."
    )
    masked: dict[str, MaskKind] = Field(default_factory=dict)
    special_category: dict[str, LocalText] = Field(
        default_factory=dict, description="Field -> why it may reveal Art. 9 data."
    )
    codes: dict[str, dict[str, LocalText]] = Field(
        default_factory=dict, description="Field -> code -> meaning, for coded values."
    )
    files: dict[str, FileField] = Field(
        default_factory=dict, description="Field -> the file it names, attached to the record."
    )

    _check_id = field_validator("id")(classmethod(lambda cls, v: slug(v)))

    @field_validator("key", mode="before")
    @classmethod
    def _key_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> Collection:
        exported = set(self.masked) | set(self.special_category) | set(self.codes) | set(self.files)
        both = sorted(exported & set(self.secret))
        if both:
            raise ValueError(f"{both} can't be both secret and exported (masked/special/coded/file)")
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
                "store, so use an id column (or '_line' for a file)"
            )
        return self

    @property
    def searchable(self) -> list[IdentityField]:
        """Identities records are looked up by (e-mail, phone)."""
        return [i for i in self.identities if i.type in SEARCHABLE]

    def identities_of(self, kind: str) -> list[IdentityField]:
        return [i for i in self.identities if i.type == kind]

    @property
    def assessable(self) -> bool:
        """Whether a record of this collection says who it is about beyond an e-mail or phone
        (a name, a birth date, a national id), so it can agree or conflict with the person."""
        return any(i.type not in SEARCHABLE for i in self.identities)


class Reference(_Model):
    """``from`` (child collection.field) holds the key of ``to`` (parent collection.field).

    Declared once, followed both ways: from a parent to its children (customer → orders →
    order lines) and from a child to its parent (a contact row found by e-mail → the member it
    belongs to → the member's fees). See ``connectors.base`` for when each way is taken.
    """

    from_: str = Field(alias="from")
    to: str
    owner: bool | None = None
    """Whether the parent row is whose the child record is (a visit's patient: ``true``) or
    only somebody it names (an order's salesperson, a visit's doctor: ``false``). Unset, the
    search infers it: a reference it can't follow up (the parent field is not the parent's
    key) into a table of people it finds by e-mail, phone or birth date, or into the table the
    record was reached from, leaves whose the record is unchecked, and the record is held."""

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

    @property
    def child_collection(self) -> str:
        return self.child[0]

    @property
    def child_field(self) -> str:
        return self.child[1]

    @property
    def parent_collection(self) -> str:
        return self.parent[0]

    @property
    def parent_field(self) -> str:
        return self.parent[1]

    @property
    def label(self) -> str:
        return f"{self.from_} -> {self.to}"


class System(_Model):
    """One system the privacy statement names, and how the product searches it.

    ``connector`` says which kind of system it is; each kind's module in ``connectors/``
    declares its own model (a subclass of this one) for its connection and collections, and
    ``System.model_validate`` hands a system's table to that model. So a new kind is one new
    module and one line in ``connectors.REGISTRY``.
    """

    id: str
    title: LocalText
    connector: str
    processing: Register = Field(alias="register")
    collections: dict[str, Collection] = Field(default_factory=dict)
    references: list[Reference] = Field(default_factory=list)
    timeout_seconds: float = Field(default=300, gt=0, le=6 * 3600)
    retries: int = Field(default=2, ge=0, le=10)
    retry_delay_seconds: list[float] = Field(default_factory=lambda: [2.0, 10.0])
    # At most this many searches of the system at once, across every worker (flows.limits).
    max_parallel: int | None = Field(default=None, ge=1, le=100)

    searched_by_identity: ClassVar[bool] = True
    """False for kinds whose search isn't a lookup by identifiers (a manual system)."""

    _check_id = field_validator("id")(classmethod(lambda cls, v: slug(v)))

    def __new__(cls, *args: Any, **data: Any) -> System:
        """``System(connector="sql", …)`` makes the kind's model (``SqlSystem``)."""
        if cls is System and "connector" in data:
            from connectors import system_model

            return super().__new__(system_model(data["connector"]))
        return super().__new__(cls)

    @model_validator(mode="wrap")
    @classmethod
    def _by_kind(cls, data: Any, handler: Any) -> Any:
        """``System.model_validate({...})`` validates with the model of the system's kind."""
        if cls is System and isinstance(data, dict):
            from connectors import system_model

            return system_model(data.get("connector")).model_validate(data)
        return handler(data)

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
        if self.searched_by_identity:
            if not self.collections:
                raise ValueError("declare at least one collection (table, file, resource)")
            if not any(c.identities for c in self.collections.values()):
                raise ValueError(
                    "no collection has an identity (e-mail, phone, name), so the system can't be searched"
                )
        for ref in self.references:
            for collection in (ref.child_collection, ref.parent_collection):
                if collection not in self.collections:
                    raise ValueError(
                        f"reference {ref.label} names unknown collection {collection!r}"
                    )
        return self

    def oriented_references(self) -> list[Reference]:
        """The references with the parent on the side whose field is its key.

        ``contacts.member_id -> members.id`` is the documented way to declare a reference (the
        child's field holds the parent's key). Written the other way round
        (``members.id -> contacts.member_id``) it means the same, and is searched the same: a
        reference whose ``to`` field is not its collection's key while its ``from`` field is, is
        turned around. One whose fields are keys on neither side (tickets → the show they name,
        by a show code shared by many tickets) is followed down only.
        """
        turned = []
        for ref in self.references:
            parent = self.collections[ref.parent_collection]
            child = self.collections[ref.child_collection]
            if parent.key != [ref.parent_field] and child.key == [ref.child_field]:
                ref = Reference.model_validate({"from": ref.to, "to": ref.from_, "owner": ref.owner})
            turned.append(ref)
        return turned

    def children_of(self, collection: str) -> list[Reference]:
        """References whose parent is ``collection`` (followed down, to its children)."""
        return [r for r in self.references if r.parent_collection == collection]

    def parents_of(self, collection: str) -> list[Reference]:
        """References whose child is ``collection`` (followed up, to its parents)."""
        return [r for r in self.references if r.child_collection == collection]


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

    _check_env = field_validator("url_env")(classmethod(lambda cls, v: env_name(v)))

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

    _check_env = field_validator("data_key")(classmethod(lambda cls, v: env_name(v)))


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

    _check_env = field_validator("password_env")(classmethod(lambda cls, v: env_name(v)))


class RetentionSettings(_Model):
    """``[retention]``: how long a request's copy of the person's data stays in the workspace
    once the request is answered (delivered or closed). The person has their copy; the
    product keeps the request, its dates and the audit (no data) for the record.

    ``staging_days``: the staged findings (what a new package would be built from).
    ``exports_days``: the packages and any password not yet taken.
    """

    staging_days: int = Field(default=30, ge=1, le=3650)
    exports_days: int = Field(default=90, ge=1, le=3650)


class Settings(_Model):
    """``config/dsar.toml``: where the request store lives and which secret is the data key."""

    store: StoreSettings = Field(default_factory=StoreSettings)
    keys: KeySettings = Field(default_factory=KeySettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
