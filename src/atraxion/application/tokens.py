"""Issuing, listing, revoking and checking API tokens."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from atraxion.application.command import Command
from atraxion.application.context import Context
from atraxion.domain.auth import ApiToken, Scope, hash_token, new_token
from atraxion.ports.unit_of_work import AdminUnitOfWork


@frozen
class NewToken:
    token: ApiToken
    secret: str
    """Never stored: shown once, in the answer to the creation."""


def token_creation(
    ctx: Context[AdminUnitOfWork],
    name: str,
    scopes: frozenset[Scope],
    consumer: str,
    expires_at: datetime | None = None,
) -> Command[AdminUnitOfWork, NewToken]:
    """Store a new token (hashed) and register its consumer."""
    secret = new_token()

    def work(uow: AdminUnitOfWork) -> NewToken:
        token = uow.tokens.add(
            ApiToken(None, name, hash_token(secret), scopes, consumer, ctx.clock.now(), expires_at=expires_at)
        )
        uow.feed.add_consumer(consumer, list(ctx.kinds))
        return NewToken(token, secret)

    return Command(work)


def create_token(
    ctx: Context[AdminUnitOfWork],
    name: str,
    scopes: frozenset[Scope],
    consumer: str,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """:func:`token_creation`, run. Returns the token and its secret, which cannot be shown again."""
    created = token_creation(ctx, name, scopes, consumer, expires_at).run(ctx)
    return created.token, created.secret


def list_tokens(ctx: Context[AdminUnitOfWork]) -> list[ApiToken]:
    return ctx.transaction(lambda uow: uow.tokens.list())


def revoke_token(ctx: Context[AdminUnitOfWork], token_id: int) -> bool:
    def work(uow: AdminUnitOfWork) -> bool:
        done = uow.tokens.revoke(token_id, ctx.clock.now())
        uow.commit()
        return done

    return ctx.transaction(work)


def authenticate(ctx: Context[AdminUnitOfWork], presented: str) -> ApiToken | None:
    """The active token matching ``presented``, or None (unknown, expired or revoked)."""
    token = ctx.transaction(lambda uow: uow.tokens.by_hash(hash_token(presented)))
    if token is None or not token.matches(presented) or not token.is_active(ctx.clock.now()):
        return None
    return token
