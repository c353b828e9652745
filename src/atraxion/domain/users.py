"""People of the admin UI: users with a role, allowed e-mail domains, lockout, verification and
sessions. Passwords are hashed by an adapter (argon2); this module only decides."""

from __future__ import annotations

import enum
import re
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

from attrs import evolve, frozen

from atraxion.domain.auth import hash_token

MAX_EMAIL = 254
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_LOCAL = re.compile(r"^[^\s@<>()\[\],;:\\\"]{1,64}$")


class Role(enum.Enum):
    """What a user may do: a viewer reads; an operator also retries, resolves and re-feeds; an
    admin also manages tokens, users and allowed domains."""

    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"

    @property
    def can_operate(self) -> bool:
        return self in (Role.ADMIN, Role.OPERATOR)

    @property
    def can_administer(self) -> bool:
        return self is Role.ADMIN


def parse_role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        raise ValueError(f"unknown role {text!r}; known: admin, operator, viewer") from None


def normalize_domain(text: str) -> str:
    """A domain as stored and compared: lower case, no leading ``@``, no trailing dot. Raises
    ValueError for anything that is not a host name (``example.com``, ``mail.example.co.uk``)."""
    domain = text.strip().lower().removeprefix("@").removesuffix(".")
    labels = domain.split(".")
    if not domain or len(domain) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{text.strip()!r} is not a domain name such as example.com")
    return domain


def normalize_email(text: str) -> str:
    """An address as stored and compared: trimmed and lower case. Raises ValueError unless it is
    ``local@domain`` with a valid domain name."""
    email = text.strip().lower()
    local, at, domain = email.rpartition("@")
    if not at or len(email) > MAX_EMAIL or not _LOCAL.match(local):
        raise ValueError(f"{text.strip()!r} is not an e-mail address")
    try:
        normalize_domain(domain)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not an e-mail address") from None
    if domain != normalize_domain(domain):  # "a@Example.com." and the like are not stored as given
        raise ValueError(f"{text.strip()!r} is not an e-mail address")
    return email


def email_domain(email: str) -> str:
    return normalize_email(email).rpartition("@")[2]


def may_sign_up(email: str, allowed: Collection[str]) -> bool:
    """An address may sign up when its domain is exactly one of the allowed ones (a subdomain is
    another domain: ``x.example.com`` is not allowed by ``example.com``)."""
    return email_domain(email) in allowed


def check_password(password: str) -> None:
    """Raises ValueError unless ``password`` has 10 to 1024 characters."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValueError(f"a password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters")


@frozen
class LockoutPolicy:
    """``max_failures`` failed logins of one account within ``window`` lock it for ``lock_for``."""

    max_failures: int = 10
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=15)


@frozen
class User:
    id: int | None
    email: str
    role: Role
    password_hash: str
    verified: bool
    created_at: datetime
    disabled_at: datetime | None = None
    recent_failures: tuple[datetime, ...] = ()
    """The times of the failed logins that may still count towards a lock (oldest first)."""
    locked_until: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def after_failure(self, now: datetime, policy: LockoutPolicy) -> User:
        """The user after one more failed login. A sliding window: the failure that makes
        ``max_failures`` within the last ``policy.window`` locks the account for ``policy.lock_for``
        and starts counting afresh."""
        recent = (*(t for t in self.recent_failures if now - t < policy.window), now)
        if len(recent) >= policy.max_failures:
            return evolve(self, recent_failures=(), locked_until=now + policy.lock_for)
        return evolve(self, recent_failures=recent)

    def after_success(self) -> User:
        return evolve(self, recent_failures=(), locked_until=None)


def new_secret() -> str:
    """A random, URL-safe secret: a session id or a verification token (stored only hashed)."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hash_token(secret)


VERIFICATION_TTL = timedelta(hours=24)
SESSION_TTL = timedelta(hours=12)


@frozen
class Verification:
    """A single-use, expiring token that proves a user reads the mail of their address."""

    token_hash: str
    user_id: int
    expires_at: datetime
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


@frozen
class AdminSession:
    """A signed-in browser: the cookie carries the id, the store keeps only its hash."""

    id_hash: str
    user_id: int
    created_at: datetime
    expires_at: datetime

    def valid(self, now: datetime) -> bool:
        return now < self.expires_at
