"""The ``common``, ``object`` and ``db`` services, as ``odoo/service/{common,model,db}.py`` expose them."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from attrs import define, field, frozen

from atraxion.testing.odoo_sim import _methods as methods
from atraxion.testing.odoo_sim._errors import AccessDenied
from atraxion.testing.odoo_sim._store import Store


class DatabaseNotFound(Exception):
    """What psycopg2 says when Odoo opens a registry for a database that is not there."""

    __module__ = "psycopg2"  # the traceback's last line reads as Odoo's: psycopg2.OperationalError
    __qualname__ = "OperationalError"

    def __init__(self, db: str) -> None:
        super().__init__(
            'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
            f'FATAL:  database "{db}" does not exist\n'
        )


@frozen
class User:
    uid: int
    login: str
    password: str = field(repr=False)
    api_keys: tuple[str, ...] = field(repr=False, default=())

    def accepts(self, secret: object) -> bool:
        # API keys work wherever a password does.
        return isinstance(secret, str) and bool(secret) and (secret == self.password or secret in self.api_keys)


@define
class Services:
    """Everything behind the RPC routes; thread-safe (the store has its lock, users are few)."""

    db: str
    store: Store
    server_version: str = "17.0"
    _users: dict[str, User] = field(factory=dict)
    _lock: threading.Lock = field(factory=threading.Lock)

    def add_user(self, login: str, password: str, api_keys: Iterable[str] = ()) -> int:
        with self.store.transaction(uid=1):
            self.store.start_ids_at("res.users", 2)
            uid = self.store.create("res.users", {"name": login.title(), "login": login})
        with self._lock:
            self._users[login] = User(uid, login, password, tuple(api_keys))
        return uid

    @property
    def major(self) -> int:
        """The simulated major version: 19 and later have JSON-2 and ``GET /web/version``."""
        return int(self.server_version.partition(".")[0])

    def bearer_uid(self, key: object) -> int | None:
        """The user an ``Authorization: bearer`` key belongs to: API keys only, never a password
        (Odoo 19's ``auth="bearer"``)."""
        if not isinstance(key, str) or not key:
            return None
        with self._lock:
            return next((u.uid for u in self._users.values() if key in u.api_keys), None)

    def version(self) -> dict[str, Any]:
        major, _, minor = self.server_version.partition(".")
        return {
            "server_version": self.server_version,
            "server_version_info": [int(major), int(minor or 0), 0, "final", 0, ""],
            "server_serie": self.server_version,
            "protocol_version": 1,
        }

    def dispatch(self, service: str, method: str, params: Sequence[Any]) -> Any:
        """The answer to ``service.method(*params)``; raises what Odoo would raise."""
        handlers = {"common": self._common, "object": self._object, "db": self._db_service}
        return handlers[service](method, params)  # KeyError for another service: Fault 1, as Odoo

    def _common(self, method: str, params: Sequence[Any]) -> Any:
        if method == "version":
            return self.version()
        if method == "about":
            return "See http://openerp.com"
        if method == "login":
            return self._login(*params)
        if method == "authenticate":
            return self._authenticate(*params)
        raise Exception(f"Method not found: {method}")

    def _login(self, db: str, login: str, password: str) -> int | bool:
        self._check_db(db)
        user = self._users.get(login) if isinstance(login, str) else None
        return user.uid if user is not None and user.accepts(password) else False

    def _authenticate(self, db: str, login: str, password: str, user_agent_env: Any) -> int | bool:
        # Bad credentials are False, not a fault.
        return self._login(db, login, password)

    def _object(self, method: str, params: Sequence[Any]) -> Any:
        db, uid, password = params[0], int(params[1]), params[2]
        self._check_db(db)
        with self._lock:
            user = next((u for u in self._users.values() if u.uid == uid), None)
        if user is None or not user.accepts(password):
            raise AccessDenied()
        if method == "execute_kw":
            return self._execute_kw(uid, *params[3:])
        if method == "execute":
            model, name, *args = params[3:]
            return methods.call(self.store, uid, model, name, args, {})
        raise NameError(f"Method not available {method}")

    def _execute_kw(
        self, uid: int, model: str, method: str, args: Sequence[Any], kwargs: dict[str, Any] | None = None
    ) -> Any:
        return methods.call(self.store, uid, model, method, args, kwargs or {})

    def _db_service(self, method: str, params: Sequence[Any]) -> Any:
        if method == "list":
            return [self.db]
        if method == "server_version":
            return self.server_version
        if method == "db_exist":
            return params[0] == self.db if params else False
        raise KeyError(f"db.{method} is not simulated")

    def _check_db(self, db: object) -> None:
        if db != self.db:
            raise DatabaseNotFound(str(db))
