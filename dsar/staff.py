"""Staff accounts and their browser sessions (the dashboard's logins).

Passwords are kept only as argon2id hashes (``argon2-cffi``'s defaults, RFC 9106). A session
is a random token in an HttpOnly cookie; the store keeps its SHA-256 only, with the CSRF
token every form of that session must carry. A staff member may be limited to some
controllers: everything they list, open or change is filtered by ``Staff.sees``.
Logins, logouts and account changes are audited with the staff member's name.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from dsar.errors import InputError
from dsar.store import RequestStore
from dsar.store.models import StaffSession, StaffUser

SESSION_HOURS = 10  # one working day; then log in again
MIN_PASSWORD = 12
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


@dataclass(frozen=True)
class Staff:
    id: int
    name: str
    controllers: tuple[str, ...] | None  # None: every controller

    def sees(self, controller_id: str) -> bool:
        return self.controllers is None or controller_id in self.controllers


@dataclass(frozen=True)
class LoggedIn:
    staff: Staff
    token: str  # goes in the cookie, never stored
    csrf: str


def _hasher():  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher

    return PasswordHasher()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InputError(
            "et brukernavn er 2–63 tegn: små bokstaver, sifre, '.', '_' eller '-' (f.eks. kari.n)"
        )
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"passordet må ha minst {MIN_PASSWORD} tegn")


class StaffDirectory:
    """Staff accounts and sessions, in the request store's database."""

    def __init__(self, store: RequestStore) -> None:
        self._store = store

    def add(self, name: str, password: str, *, controllers: Sequence[str] | None, actor: str) -> Staff:
        check_name(name)
        check_password(password)
        with self._store.transaction() as session:
            if session.scalar(select(StaffUser).where(StaffUser.name == name)) is not None:
                raise InputError(f"saksbehandleren {name!r} finnes allerede")
            user = StaffUser(
                name=name,
                password_hash=_hasher().hash(password),
                controllers=sorted(set(controllers)) if controllers else None,
                active=True,
            )
            session.add(user)
            session.flush()
            RequestStore._audit(session, None, actor, "staff_added", staff=name, controllers=user.controllers)
            return _staff(user)

    def set_password(self, name: str, password: str, actor: str) -> None:
        check_password(password)
        with self._store.transaction() as session:
            user = self._user(session, name)
            user.password_hash = _hasher().hash(password)
            session.execute(delete(StaffSession).where(StaffSession.staff_id == user.id))
            RequestStore._audit(session, None, actor, "staff_password_set", staff=name)

    def disable(self, name: str, actor: str) -> None:
        with self._store.transaction() as session:
            user = self._user(session, name)
            user.active = False
            session.execute(delete(StaffSession).where(StaffSession.staff_id == user.id))
            RequestStore._audit(session, None, actor, "staff_disabled", staff=name)

    def list(self) -> list[tuple[Staff, bool]]:
        with self._store.transaction() as session:
            return [(_staff(u), u.active) for u in session.scalars(select(StaffUser).order_by(StaffUser.name))]

    # -- sessions ------------------------------------------------------------------------

    def login(self, name: str, password: str) -> LoggedIn | None:
        """A new session for the right name and password, else ``None`` (and the failure is
        audited). The hash is checked even for an unknown name, so timing tells nothing."""
        from argon2.exceptions import InvalidHashError, VerificationError

        hasher = _hasher()
        with self._store.transaction() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.name == name))
            stored = user.password_hash if user is not None and user.active else _DUMMY_HASH()
            try:
                hasher.verify(stored, password)
                ok = user is not None and user.active
            except (VerificationError, InvalidHashError):
                ok = False
            if not ok or user is None:
                RequestStore._audit(session, None, name[:64] or "-", "login_failed")
                return None
            if hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hasher.hash(password)
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            now = datetime.now(UTC)
            session.add(
                StaffSession(
                    token_sha256=_digest(token), staff_id=user.id, csrf=csrf, created_at=now,
                    expires_at=now + timedelta(hours=SESSION_HOURS),
                )
            )
            RequestStore._audit(session, None, user.name, "login")
            return LoggedIn(_staff(user), token, csrf)

    def session(self, token: str | None) -> LoggedIn | None:
        """The logged-in staff member behind a cookie's token, or ``None``."""
        if not token:
            return None
        with self._store.transaction() as session:
            row = session.get(StaffSession, _digest(token))
            if row is None:
                return None
            if row.expires_at <= datetime.now(UTC):
                session.delete(row)
                return None
            user = session.get(StaffUser, row.staff_id)
            if user is None or not user.active:
                return None
            return LoggedIn(_staff(user), token, row.csrf)

    def logout(self, token: str) -> None:
        with self._store.transaction() as session:
            row = session.get(StaffSession, _digest(token))
            if row is not None:
                user = session.get(StaffUser, row.staff_id)
                session.delete(row)
                RequestStore._audit(session, None, user.name if user else "-", "logout")

    @staticmethod
    def csrf_ok(logged_in: LoggedIn, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(logged_in.csrf, given or "")

    @staticmethod
    def _user(session, name: str) -> StaffUser:  # type: ignore[no-untyped-def]
        user = session.scalar(select(StaffUser).where(StaffUser.name == name))
        if user is None:
            raise InputError(f"ingen saksbehandler {name!r}")
        return user


def _staff(user: StaffUser) -> Staff:
    return Staff(user.id, user.name, tuple(user.controllers) if user.controllers is not None else None)


_dummy: list[str] = []


def _DUMMY_HASH() -> str:  # noqa: N802 - a constant computed once, on first use
    if not _dummy:
        _dummy.append(_hasher().hash(secrets.token_urlsafe(16)))
    return _dummy[0]
