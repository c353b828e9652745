"""Settings, read from the environment (and an optional ``.env`` file) by ``Settings.from_env``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from attrs import field, frozen

DEFAULT_DATABASE_URL = "sqlite:///./atraxion.db"
DEFAULT_MAX_BODY = 50 * 1024 * 1024
DEFAULT_ODOO_SETTLE_AFTER = 120.0 + 30.0


@frozen
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    broker_url: str = "memory"
    odoo_url: str | None = None
    odoo_db: str | None = None
    odoo_username: str | None = None
    odoo_api_key: str | None = field(default=None, repr=False)
    # json2 (Odoo 19+), xmlrpc, or auto: JSON-2 when the server offers it (docs/reverse-sync.md).
    odoo_protocol: str = "auto"
    max_body_bytes: int = DEFAULT_MAX_BODY
    volatile_fields: frozenset[str] = frozenset({"write_date", "__last_update"})
    # Reverse sync (docs/reverse-sync.md). Seconds unless named otherwise.
    odoo_timeout: float = 30.0
    # After a create of unknown outcome, how long the retry waits before looking the order up: past
    # Odoo's limit_time_real (120 s) and its own five retries of a conflict (up to 2+4+8+16 s).
    odoo_settle_after: float = DEFAULT_ODOO_SETTLE_AFTER
    worker_threads: int = 4
    outbox_max_attempts: int = 8
    outbox_backoff_base: float = 1.0
    outbox_backoff_cap: float = 300.0
    outbox_stale_after: float = 300.0
    outbox_redeliver_after: float = 30.0
    outbox_sweep_interval: float = 5.0
    # The request log (docs/api.md, "Request log"): ATRAXION_API_LOG=0 turns it off.
    api_log_enabled: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
        values = dict(_read_env_file(env_file)) if env_file else {}
        values.update(os.environ if environ is None else environ)
        volatile = values.get("ATRAXION_VOLATILE_FIELDS")
        return cls(
            database_url=values.get("ATRAXION_DATABASE_URL", DEFAULT_DATABASE_URL),
            broker_url=values.get("ATRAXION_BROKER_URL", "memory"),
            odoo_url=values.get("ODOO_URL"),
            odoo_db=values.get("ODOO_DB"),
            odoo_username=values.get("ODOO_USERNAME"),
            odoo_api_key=values.get("ODOO_API_KEY"),
            odoo_protocol=values.get("ODOO_PROTOCOL", "auto").strip().lower() or "auto",
            max_body_bytes=int(values.get("ATRAXION_MAX_BODY_BYTES", DEFAULT_MAX_BODY)),
            odoo_timeout=float(values.get("ATRAXION_ODOO_TIMEOUT", 30.0)),
            odoo_settle_after=float(values.get("ATRAXION_ODOO_SETTLE_AFTER", DEFAULT_ODOO_SETTLE_AFTER)),
            worker_threads=int(values.get("ATRAXION_WORKER_THREADS", 4)),
            outbox_max_attempts=int(values.get("ATRAXION_OUTBOX_MAX_ATTEMPTS", 8)),
            outbox_backoff_base=float(values.get("ATRAXION_OUTBOX_BACKOFF_BASE", 1.0)),
            outbox_backoff_cap=float(values.get("ATRAXION_OUTBOX_BACKOFF_CAP", 300.0)),
            outbox_stale_after=float(values.get("ATRAXION_OUTBOX_STALE_AFTER", 300.0)),
            outbox_redeliver_after=float(values.get("ATRAXION_OUTBOX_REDELIVER_AFTER", 30.0)),
            outbox_sweep_interval=float(values.get("ATRAXION_OUTBOX_SWEEP_INTERVAL", 5.0)),
            api_log_enabled=values.get("ATRAXION_API_LOG", "1").strip().lower() not in ("0", "false", "no", "off"),
            volatile_fields=(
                frozenset(v.strip() for v in volatile.split(",") if v.strip())
                if volatile is not None
                else frozenset({"write_date", "__last_update"})
            ),
        )


def _read_env_file(path: str | Path) -> dict[str, str]:
    file = Path(path)
    if not file.is_file():
        return {}
    values: dict[str, str] = {}
    for line in file.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip().strip("'\"")
    return values
