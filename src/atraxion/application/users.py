"""Users and allowed domains: created by the CLI or an admin, or signed up with a verified e-mail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from attrs import evolve, field, frozen

from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.domain.errors import Conflict, NotFound
from atraxion.domain.users import (
    VERIFICATION_TTL,
    LockoutPolicy,
    Role,
    User,
    Verification,
    check_password,
    hash_secret,
    may_sign_up,
    new_secret,
    normalize_domain,
    normalize_email,
)
from atraxion.ports.mailer import Mailer, MailNotConfigured
from atraxion.ports.passwords import PasswordHasher
from atraxion.ports.unit_of_work import AdminUnitOfWork


@frozen
class Accounts:
    """What the people use cases need besides the context: the password hasher, the mailer
    (None without ``ATRAXION_SMTP_URL``) and the lockout rule."""

    hasher: PasswordHasher
    mailer: Mailer | None = None
    lockout: LockoutPolicy = field(factory=LockoutPolicy)
    verification_ttl: timedelta = VERIFICATION_TTL


class SignUpRefused(ValueError):
    """The address or password cannot sign up; the message says why."""


def create_user(ctx: Context[AdminUnitOfWork], accounts: Accounts, email: str, password: str, role: Role) -> User:
    """A verified user (made by an operator of the service). Raises ValueError for a bad address
    or password, Conflict if the address is taken."""
    address = normalize_email(email)
    check_password(password)
    password_hash = accounts.hasher.hash(password)

    def work(uow: AdminUnitOfWork) -> User:
        if uow.users.by_email(address) is not None:
            raise Conflict(f"a user {address} already exists")
        user = uow.users.add(User(None, address, role, password_hash, True, ctx.clock.now()))
        uow.commit()
        return user

    return ctx.transaction(work)


def list_users(ctx: Context[AdminUnitOfWork]) -> list[User]:
    return ctx.transaction(lambda uow: uow.users.list())


def _user(uow: AdminUnitOfWork, email: str) -> User:
    try:
        address = normalize_email(email)
    except ValueError:
        raise NotFound(f"no user {email.strip()}") from None
    user = uow.users.by_email(address)
    if user is None:
        raise NotFound(f"no user {address}")
    return user


def disable_user(ctx: Context[AdminUnitOfWork], email: str) -> User:
    """Disable a user and end their sessions (disabling twice is harmless). Raises NotFound."""

    def work(uow: AdminUnitOfWork) -> User:
        user = _user(uow, email)
        if user.active:
            user = evolve(user, disabled_at=ctx.clock.now())
            uow.users.save(user)
        assert user.id is not None
        uow.admin_sessions.delete_for_user(user.id)
        uow.commit()
        return user

    return ctx.transaction(work)


def change_role(ctx: Context[AdminUnitOfWork], email: str, role: Role) -> User:
    def work(uow: AdminUnitOfWork) -> User:
        user = evolve(_user(uow, email), role=role)
        uow.users.save(user)
        uow.commit()
        return user

    return ctx.transaction(work)


def add_domain(ctx: Context[AdminUnitOfWork], domain: str) -> tuple[str, bool]:
    """Allow sign-up from ``domain``: the normalized domain and whether it was new. ValueError if
    it is no domain name."""
    name = normalize_domain(domain)

    def work(uow: AdminUnitOfWork) -> bool:
        added = uow.allowed_domains.add(name)
        uow.commit()
        return added

    return name, ctx.transaction(work)


def remove_domain(ctx: Context[AdminUnitOfWork], domain: str) -> bool:
    try:
        name = normalize_domain(domain)
    except ValueError:
        return False

    def work(uow: AdminUnitOfWork) -> bool:
        removed = uow.allowed_domains.remove(name)
        uow.commit()
        return removed

    return ctx.transaction(work)


def list_domains(ctx: Context[AdminUnitOfWork]) -> list[str]:
    return ctx.transaction(lambda uow: uow.allowed_domains.list())


def sign_up_command(
    ctx: Context[AdminUnitOfWork], accounts: Accounts, email: str, password: str, link: Callable[[str], str]
) -> Command[AdminUnitOfWork, str | None]:
    """Register a viewer, unverified, and mail them ``link(token)`` once committed.

    Raises SignUpRefused for a bad address or password or a domain that is not allowed, and
    MailNotConfigured without a mailer. An address already signed up gets no new account: an
    unverified one is sent a fresh link, a verified one nothing (the page says the same to both,
    so that sign-up tells no one which addresses exist)."""
    mailer = accounts.mailer
    if mailer is None:
        raise MailNotConfigured("sign-up needs ATRAXION_SMTP_URL; ask an admin for an account")
    try:
        address = normalize_email(email)
        check_password(password)
    except ValueError as error:
        raise SignUpRefused(str(error)) from None
    password_hash = accounts.hasher.hash(password)
    secret = new_secret()

    def work(uow: AdminUnitOfWork) -> str | None:
        if not may_sign_up(address, uow.allowed_domains.list()):
            raise SignUpRefused(f"addresses of {address.rpartition('@')[2]} may not sign up; ask an admin")
        now = ctx.clock.now()
        user = uow.users.by_email(address)
        if user is None:
            user = uow.users.add(User(None, address, Role.VIEWER, password_hash, False, now))
        elif user.verified or not user.active:
            return None
        assert user.id is not None
        uow.verifications.add(Verification(hash_secret(secret), user.id, now + accounts.verification_ttl))
        return address

    def send(to: str | None) -> None:
        if to is not None:
            text = (
                "Someone, probably you, signed up for the Atraxion admin with this address.\n\n"
                f"Confirm it within {accounts.verification_ttl.total_seconds() / 3600:g} hours:\n\n"
                f"{link(secret)}\n\nIf it was not you, ignore this message.\n"
            )
            mailer.send(to, "Confirm your e-mail address for Atraxion", text)

    return Command(work, send)


def verify_email(ctx: Context[AdminUnitOfWork], secret: str) -> User | None:
    """Use a verification token: its user becomes verified. None for an unknown, used or expired
    token (each token works once)."""

    def work(uow: AdminUnitOfWork) -> User | None:
        now = ctx.clock.now()
        verification = uow.verifications.by_hash(hash_secret(secret), lock=True)
        if verification is None or not verification.usable(now):
            return None
        uow.verifications.save(evolve(verification, used_at=now))
        user = uow.users.get(verification.user_id)
        if user is None:
            return None
        user = evolve(user, verified=True)
        uow.users.save(user)
        uow.commit()
        return user

    return ctx.transaction(work)
