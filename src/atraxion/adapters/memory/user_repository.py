"""Users, allowed domains, e-mail verifications and admin sessions, in memory."""

from __future__ import annotations

from datetime import datetime

import attrs

from atraxion.adapters.memory.store import TableAccess
from atraxion.domain.users import AdminSession, User, Verification


class MemoryUserRepository(TableAccess):
    def add(self, user: User) -> User:
        table = self.table("users")
        if any(u.email == user.email for u in table.values()):
            raise ValueError(f"duplicate e-mail {user.email!r}")
        stored = attrs.evolve(user, id=max(table, default=0) + 1)
        table[stored.id] = stored
        return stored

    def get(self, user_id: int) -> User | None:
        found: User | None = self.table("users").get(user_id)
        return found

    def by_email(self, email: str) -> User | None:
        return next((u for u in self.table("users").values() if u.email == email), None)

    def save(self, user: User) -> None:
        self.table("users")[user.id] = user

    def list(self) -> list[User]:
        return sorted(self.table("users").values(), key=lambda u: u.email)


class MemoryAllowedDomainRepository(TableAccess):
    def add(self, domain: str) -> bool:
        table = self.table("allowed_domains")
        if domain in table:
            return False
        table[domain] = True
        return True

    def remove(self, domain: str) -> bool:
        return self.table("allowed_domains").pop(domain, None) is not None

    def list(self) -> list[str]:
        return sorted(self.table("allowed_domains"))


class MemoryVerificationRepository(TableAccess):
    def add(self, verification: Verification) -> None:
        self.table("verifications")[verification.token_hash] = verification

    def by_hash(self, token_hash: str, *, lock: bool = False) -> Verification | None:
        found: Verification | None = self.table("verifications").get(token_hash)
        return found

    def save(self, verification: Verification) -> None:
        self.table("verifications")[verification.token_hash] = verification


class MemoryAdminSessionRepository(TableAccess):
    def add(self, session: AdminSession) -> None:
        self.table("admin_sessions")[session.id_hash] = session

    def by_hash(self, id_hash: str) -> AdminSession | None:
        found: AdminSession | None = self.table("admin_sessions").get(id_hash)
        return found

    def delete(self, id_hash: str) -> None:
        self.table("admin_sessions").pop(id_hash, None)

    def delete_for_user(self, user_id: int) -> None:
        table = self.table("admin_sessions")
        for key in [k for k, s in table.items() if s.user_id == user_id]:
            del table[key]

    def delete_expired(self, now: datetime) -> int:
        table = self.table("admin_sessions")
        gone = [k for k, s in table.items() if s.expires_at <= now]
        for key in gone:
            del table[key]
        return len(gone)
