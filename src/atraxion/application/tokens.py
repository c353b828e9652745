"""Issuing, listing, revoking and checking API tokens."""

from __future__ import annotations

from datetime import datetime

from atraxion.application.context import Context
from atraxion.domain.auth import ApiToken, Scope, hash_token, new_token
from atraxion.ports.unit_of_work import UnitOfWork


def create_token(
    ctx: Context, name: str, scopes: frozenset[Scope], consumer: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Store a new token (hashed) and register its consumer. Returns the token and its secret,
    which is never stored and cannot be shown again."""
    secret = new_token()

    def work(uow: UnitOfWork) -> ApiToken:
        token = uow.tokens.add(
            ApiToken(None, name, hash_token(secret), scopes, consumer, ctx.clock.now(), expires_at=expires_at)
        )
        uow.feed.add_consumer(consumer, list(ctx.kinds))
        uow.commit()
        return token

    return ctx.transaction(work), secret


def list_tokens(ctx: Context) -> list[ApiToken]:
    return ctx.transaction(lambda uow: uow.tokens.list())


def revoke_token(ctx: Context, token_id: int) -> bool:
    def work(uow: UnitOfWork) -> bool:
        done = uow.tokens.revoke(token_id, ctx.clock.now())
        uow.commit()
        return done

    return ctx.transaction(work)


def authenticate(ctx: Context, presented: str) -> ApiToken | None:
    """The active token matching ``presented``, or None (unknown, expired or revoked)."""
    token = ctx.transaction(lambda uow: uow.tokens.by_hash(hash_token(presented)))
    if token is None or not token.matches(presented) or not token.is_active(ctx.clock.now()):
        return None
    return token
