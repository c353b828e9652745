"""Users, allowed domains, e-mail verifications and admin sessions, in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from atraxion.adapters.sqlalchemy._rows import new_id, required_time
from atraxion.adapters.sqlalchemy._sql import dumps, from_db_time, from_json_time, loads, to_db_time, to_json_time
from atraxion.adapters.sqlalchemy.tables import admin_sessions, allowed_domains, email_verifications, users
from atraxion.domain.users import AdminSession, Role, User, Verification


def _user(row: Row[Any]) -> User:
    return User(
        id=row.id,
        email=row.email,
        role=Role(row.role),
        password_hash=row.password_hash,
        verified=bool(row.verified),
        created_at=required_time(row.created_at),
        disabled_at=from_db_time(row.disabled_at),
        recent_failures=tuple(from_json_time(t) for t in loads(row.recent_failures)),
        locked_until=from_db_time(row.locked_until),
    )


def _user_row(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "role": user.role.value,
        "password_hash": user.password_hash,
        "verified": user.verified,
        "created_at": to_db_time(user.created_at),
        "disabled_at": to_db_time(user.disabled_at),
        "recent_failures": dumps([to_json_time(t) for t in user.recent_failures]),
        "locked_until": to_db_time(user.locked_until),
    }


class SqlUserRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, user: User) -> User:
        result = self.conn.execute(insert(users).values(_user_row(user)))
        found = self.get(new_id(result))
        assert found is not None
        return found

    def get(self, user_id: int) -> User | None:
        row = self.conn.execute(select(users).where(users.c.id == user_id)).first()
        return _user(row) if row else None

    def by_email(self, email: str) -> User | None:
        row = self.conn.execute(select(users).where(users.c.email == email)).first()
        return _user(row) if row else None

    def save(self, user: User) -> None:
        self.conn.execute(update(users).where(users.c.id == user.id).values(_user_row(user)))

    def list(self) -> list[User]:
        return [_user(r) for r in self.conn.execute(select(users).order_by(users.c.email))]


class SqlAllowedDomainRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, domain: str) -> bool:
        if self.conn.execute(select(allowed_domains).where(allowed_domains.c.domain == domain)).first():
            return False
        self.conn.execute(insert(allowed_domains).values(domain=domain))
        return True

    def remove(self, domain: str) -> bool:
        return self.conn.execute(delete(allowed_domains).where(allowed_domains.c.domain == domain)).rowcount == 1

    def list(self) -> list[str]:
        return list(self.conn.execute(select(allowed_domains.c.domain).order_by(allowed_domains.c.domain)).scalars())


class SqlVerificationRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, verification: Verification) -> None:
        self.conn.execute(
            insert(email_verifications).values(
                token_hash=verification.token_hash,
                user_id=verification.user_id,
                expires_at=to_db_time(verification.expires_at),
                used_at=to_db_time(verification.used_at),
            )
        )

    def by_hash(self, token_hash: str, *, lock: bool = False) -> Verification | None:
        statement = select(email_verifications).where(email_verifications.c.token_hash == token_hash)
        row = self.conn.execute(statement.with_for_update() if lock else statement).first()
        if row is None:
            return None
        return Verification(row.token_hash, row.user_id, required_time(row.expires_at), from_db_time(row.used_at))

    def save(self, verification: Verification) -> None:
        self.conn.execute(
            update(email_verifications)
            .where(email_verifications.c.token_hash == verification.token_hash)
            .values(used_at=to_db_time(verification.used_at))
        )


class SqlAdminSessionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, session: AdminSession) -> None:
        self.conn.execute(
            insert(admin_sessions).values(
                id_hash=session.id_hash,
                user_id=session.user_id,
                created_at=to_db_time(session.created_at),
                expires_at=to_db_time(session.expires_at),
            )
        )

    def by_hash(self, id_hash: str) -> AdminSession | None:
        row = self.conn.execute(select(admin_sessions).where(admin_sessions.c.id_hash == id_hash)).first()
        if row is None:
            return None
        return AdminSession(row.id_hash, row.user_id, required_time(row.created_at), required_time(row.expires_at))

    def delete(self, id_hash: str) -> None:
        self.conn.execute(delete(admin_sessions).where(admin_sessions.c.id_hash == id_hash))

    def delete_for_user(self, user_id: int) -> None:
        self.conn.execute(delete(admin_sessions).where(admin_sessions.c.user_id == user_id))

    def delete_expired(self, now: datetime) -> int:
        statement = delete(admin_sessions).where(admin_sessions.c.expires_at <= to_db_time(now))
        return int(self.conn.execute(statement).rowcount)
