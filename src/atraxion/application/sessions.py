"""Signing in to the admin UI: password check, lockout, server-side sessions."""

from __future__ import annotations

from attrs import frozen

from atraxion.application.context import Context
from atraxion.application.users import Accounts
from atraxion.domain.users import SESSION_TTL, AdminSession, User, hash_secret, new_secret, normalize_email
from atraxion.ports.unit_of_work import AdminUnitOfWork


class LoginRefused(Exception):
    """Wrong address or password, a disabled account, or an unverified address (the message says
    which only for the last: its owner proved the password)."""


class AccountLocked(LoginRefused):
    """Too many failed logins: the account is locked for a while."""


@frozen
class SignedIn:
    user: User
    session_secret: str
    """The session id for the cookie: stored only hashed."""


def log_in(ctx: Context[AdminUnitOfWork], accounts: Accounts, email: str, password: str) -> SignedIn:
    """Check the password and open a session. Raises AccountLocked while the account is locked
    (the failure that reaches the limit included), LoginRefused otherwise."""
    try:
        address = normalize_email(email)
    except ValueError:
        accounts.hasher.dummy_verify(password)
        raise LoginRefused("wrong e-mail address or password") from None
    user = ctx.transaction(lambda uow: uow.users.by_email(address))
    if user is None:
        accounts.hasher.dummy_verify(password)
        raise LoginRefused("wrong e-mail address or password")
    if user.locked(ctx.clock.now()):
        raise AccountLocked("this account is locked after too many failed logins; try again in 15 minutes")
    matches = accounts.hasher.verify(user.password_hash, password)  # slow: outside any transaction
    secret = new_secret()

    def record(uow: AdminUnitOfWork) -> User | None:
        now = ctx.clock.now()
        current = uow.users.by_email(address)
        if current is None:
            return None
        if not matches:
            current = current.after_failure(now, accounts.lockout)
            uow.users.save(current)
        elif current.active and current.verified and not current.locked(now):
            current = current.after_success()
            uow.users.save(current)
            assert current.id is not None
            uow.admin_sessions.add(AdminSession(hash_secret(secret), current.id, now, now + SESSION_TTL))
        uow.commit()
        return current

    current = ctx.transaction(record)
    now = ctx.clock.now()
    if current is None or not current.active:
        raise LoginRefused("wrong e-mail address or password")
    if current.locked(now):
        raise AccountLocked("this account is locked after too many failed logins; try again in 15 minutes")
    if not matches:
        raise LoginRefused("wrong e-mail address or password")
    if not current.verified:
        raise LoginRefused("confirm your e-mail address first: follow the link we sent you")
    return SignedIn(current, secret)


def session_user(ctx: Context[AdminUnitOfWork], secret: str) -> User | None:
    """The active, verified user of a valid session, or None."""

    def work(uow: AdminUnitOfWork) -> User | None:
        session = uow.admin_sessions.by_hash(hash_secret(secret))
        if session is None or not session.valid(ctx.clock.now()):
            return None
        user = uow.users.get(session.user_id)
        return user if user is not None and user.active and user.verified else None

    return ctx.transaction(work)


def log_out(ctx: Context[AdminUnitOfWork], secret: str) -> None:
    def work(uow: AdminUnitOfWork) -> None:
        uow.admin_sessions.delete(hash_secret(secret))
        uow.admin_sessions.delete_expired(ctx.clock.now())
        uow.commit()

    ctx.transaction(work)
