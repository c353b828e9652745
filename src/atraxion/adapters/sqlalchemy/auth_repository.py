"""API tokens (hashed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from atraxion.adapters.sqlalchemy._rows import new_id, required_time
from atraxion.adapters.sqlalchemy._sql import from_db_time, to_db_time
from atraxion.adapters.sqlalchemy.tables import api_tokens
from atraxion.domain.auth import ApiToken, parse_scopes


def _token(row: Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.id,
        name=row.name,
        token_hash=row.token_hash,
        scopes=parse_scopes(row.scopes.split()),
        consumer=row.consumer,
        created_at=required_time(row.created_at),
        expires_at=from_db_time(row.expires_at),
        revoked_at=from_db_time(row.revoked_at),
    )


class SqlTokenRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, token: ApiToken) -> ApiToken:
        result = self.conn.execute(
            api_tokens.insert().values(
                name=token.name,
                token_hash=token.token_hash,
                scopes=" ".join(sorted(s.value for s in token.scopes)),
                consumer=token.consumer,
                created_at=to_db_time(token.created_at),
                expires_at=to_db_time(token.expires_at),
                revoked_at=to_db_time(token.revoked_at),
            )
        )
        row = self.conn.execute(select(api_tokens).where(api_tokens.c.id == new_id(result))).one()
        return _token(row)

    def by_hash(self, token_hash: str) -> ApiToken | None:
        row = self.conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()
        return _token(row) if row else None

    def list(self) -> list[ApiToken]:
        return [_token(r) for r in self.conn.execute(select(api_tokens).order_by(api_tokens.c.id))]

    def revoke(self, token_id: int, at: datetime) -> bool:
        statement = (
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=to_db_time(at))
        )
        return self.conn.execute(statement).rowcount == 1

    def revoke_consumer(self, consumer: str, at: datetime) -> int:
        statement = (
            update(api_tokens)
            .where(api_tokens.c.consumer == consumer, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=to_db_time(at))
        )
        return int(self.conn.execute(statement).rowcount)
