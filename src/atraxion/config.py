"""Settings, read from the environment (and an optional ``.env`` file) by ``Settings.from_env``
through Starlette's ``Config``."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from attrs import field, frozen
from starlette.config import Config

from atraxion.domain.catalog import ALL_KINDS
from atraxion.domain.odoo_mapping import PullOverride, validate_domain
from atraxion.domain.webhooks import STANDARD_DELAYS

DEFAULT_DATABASE_URL = "sqlite:///./atraxion.db"
DEFAULT_MAX_BODY = 50 * 1024 * 1024
DEFAULT_MAX_NODES_PER_RECORD = 100_000
DEFAULT_MAX_NODES_PER_REQUEST = 5_000_000
DEFAULT_BODY_TIMEOUT = 60.0
DEFAULT_ODOO_SETTLE_AFTER = 120.0 + 30.0
RETAINED = ("logs", "outbox", "deliveries")
"""What ``atraxion prune`` and the periodic prune delete when it is old enough."""
DEFAULT_RETENTION_DAYS = 30.0
DEFAULT_WEBHOOK_RETRY_SCHEDULE = STANDARD_DELAYS
DEFAULT_SECRET_KEY_FILE = "./atraxion.key"


@frozen
class Settings:
    """Everything the service is configured with; immutable once built.

    :meth:`from_env` reads it from the environment (and a ``.env`` file): ``ATRAXION_*`` variables,
    ``ODOO_*`` for the Odoo connection, each named beside its field in ``from_env``, its meaning in
    docs/deploying.md and the page of its feature. A program embedding Atraxion, or a test, builds
    one directly, naming only what differs from the defaults:
    ``Settings(database_url="sqlite:///./shop-sync.db")``, or ``"memory://"`` for no database.
    Durations are in seconds unless a field's name says otherwise. Secrets (the Odoo API key, the
    SMTP URL, the secret key) are left out of its ``repr``.
    """

    database_url: str = DEFAULT_DATABASE_URL
    broker_url: str = "memory"
    odoo_url: str | None = None
    odoo_db: str | None = None
    odoo_username: str | None = None
    odoo_api_key: str | None = field(default=None, repr=False)
    # json2 (Odoo 19+), xmlrpc, or auto: JSON-2 when the server offers it (docs/reverse-sync.md).
    odoo_protocol: str = "auto"
    max_body_bytes: int = DEFAULT_MAX_BODY
    # JSON values (scalars, arrays, objects) in one record's data / in one request body (docs/api.md).
    max_nodes_per_record: int = DEFAULT_MAX_NODES_PER_RECORD
    max_nodes_per_request: int = DEFAULT_MAX_NODES_PER_REQUEST
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    """Seconds a request body may take to arrive in full (408 after that)."""
    volatile_fields: frozenset[str] = frozenset({"write_date", "__last_update"})
    # Reverse sync (docs/reverse-sync.md). Seconds unless named otherwise.
    odoo_timeout: float = 30.0
    # After a create of unknown outcome, how long the retry waits before looking the order up: past
    # Odoo's limit_time_real (120 s) and its own five retries of a conflict (up to 2+4+8+16 s).
    odoo_settle_after: float = DEFAULT_ODOO_SETTLE_AFTER
    worker_threads: int = 4
    # Capped exponential backoff: the defaults retry for 2.5 to 5 hours (RetryPolicy.horizon).
    outbox_max_attempts: int = 20
    outbox_backoff_base: float = 2.0
    outbox_backoff_cap: float = 1800.0
    # Seconds an order waits when Odoo refused the credentials, before it tries again.
    outbox_configuration_wait: float = 60.0
    outbox_stale_after: float = 300.0
    outbox_redeliver_after: float = 30.0
    outbox_sweep_interval: float = 5.0
    # The request log (docs/api.md, "Request log"): ATRAXION_API_LOG=0 turns it off.
    api_log_enabled: bool = True
    # Pulling from Odoo (docs/connecting-odoo.md): rows per page, the overlap (seconds) an
    # incremental pull re-reads, and each entity's ATRAXION_PULL_<ENTITY>_{FIELDS,EXTERNAL_ID,DOMAIN}.
    pull_page_size: int = 1000
    pull_overlap: float = 300.0
    pull_overrides: Mapping[str, PullOverride] = field(factory=dict)
    # The periodic pull inside `atraxion serve` (embedded queue) or `atraxion worker`: every
    # ATRAXION_PULL_INTERVAL seconds (0: off), one replica at a time (docs/odoo-webhooks.md).
    pull_interval: float = 0.0
    # Odoo 17 sends a webhook before its transaction commits: a queued pull waits this long.
    webhook_settle: float = 1.0
    # The admin UI (docs/operators-guide.md): the SMTP server that sends sign-up links, and the
    # address the service is reached at (links in mails; else the address of the sign-up request).
    smtp_url: str | None = field(default=None, repr=False)
    public_url: str | None = None
    # Operations (docs/operations.md): versions kept per record (0: no history), the log format
    # (text or json), and retention: prune every ATRAXION_PRUNE_INTERVAL seconds (0: never) what is
    # older than ATRAXION_RETENTION_DAYS (or ATRAXION_RETENTION_<LOGS|OUTBOX|DELIVERIES>_DAYS).
    history_versions: int = 10
    log_format: str = "text"
    prune_interval: float = 0.0
    retention_days: Mapping[str, float] = field(factory=lambda: dict.fromkeys(RETAINED, DEFAULT_RETENTION_DAYS))
    # Webhooks to consumers (docs/webhooks.md): the POST timeout, the waits between attempts, how
    # often due deliveries are published, keys per changes.pending delivery, private targets.
    webhook_timeout: float = 15.0
    webhook_retry_schedule: tuple[float, ...] = DEFAULT_WEBHOOK_RETRY_SCHEDULE
    webhook_sweep_interval: float = 1.0
    webhook_redeliver_after: float = 10.0
    webhook_max_items: int = 1000
    webhook_allow_private: bool = True
    # Webhook secrets are sealed at rest with this key (docs/deploying.md, "Secrets"); unset: the key
    # in secret_key_file, created on first use.
    secret_key: str | None = field(default=None, repr=False)
    secret_key_file: str = DEFAULT_SECRET_KEY_FILE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
        """Every setting from ``environ`` (default: the process environment), else from ``env_file``
        when it exists, else its default. A bad value raises ValueError naming its variable."""
        file = env_file if env_file is not None and Path(env_file).is_file() else None
        env = _Env(Config(file, environ=os.environ if environ is None else environ))
        volatile = env.text("ATRAXION_VOLATILE_FIELDS")
        return cls(
            database_url=env.text("ATRAXION_DATABASE_URL") or DEFAULT_DATABASE_URL,
            broker_url=env.text("ATRAXION_BROKER_URL") or "memory",
            odoo_url=env.text("ODOO_URL"),
            odoo_db=env.text("ODOO_DB"),
            odoo_username=env.text("ODOO_USERNAME"),
            odoo_api_key=env.text("ODOO_API_KEY"),
            odoo_protocol=(env.text("ODOO_PROTOCOL") or "").strip().lower() or "auto",
            max_body_bytes=env.whole("ATRAXION_MAX_BODY_BYTES", DEFAULT_MAX_BODY, least=1),
            max_nodes_per_record=env.whole("ATRAXION_MAX_NODES_PER_RECORD", DEFAULT_MAX_NODES_PER_RECORD, least=1),
            max_nodes_per_request=env.whole("ATRAXION_MAX_NODES_PER_REQUEST", DEFAULT_MAX_NODES_PER_REQUEST, least=1),
            body_timeout=env.number("ATRAXION_BODY_TIMEOUT", DEFAULT_BODY_TIMEOUT),
            odoo_timeout=env.number("ATRAXION_ODOO_TIMEOUT", 30.0),
            odoo_settle_after=env.number("ATRAXION_ODOO_SETTLE_AFTER", DEFAULT_ODOO_SETTLE_AFTER),
            worker_threads=env.whole("ATRAXION_WORKER_THREADS", 4, least=1),
            outbox_max_attempts=env.whole("ATRAXION_OUTBOX_MAX_ATTEMPTS", 20, least=1),
            outbox_backoff_base=env.number("ATRAXION_OUTBOX_BACKOFF_BASE", 2.0),
            outbox_backoff_cap=env.number("ATRAXION_OUTBOX_BACKOFF_CAP", 1800.0),
            outbox_configuration_wait=env.number("ATRAXION_OUTBOX_CONFIGURATION_WAIT", 60.0),
            outbox_stale_after=env.number("ATRAXION_OUTBOX_STALE_AFTER", 300.0),
            outbox_redeliver_after=env.number("ATRAXION_OUTBOX_REDELIVER_AFTER", 30.0),
            outbox_sweep_interval=env.number("ATRAXION_OUTBOX_SWEEP_INTERVAL", 5.0),
            api_log_enabled=env.flag("ATRAXION_API_LOG", True),
            pull_page_size=env.whole("ATRAXION_PULL_PAGE_SIZE", 1000, least=1),
            pull_overlap=env.number("ATRAXION_PULL_OVERLAP", 300.0),
            pull_overrides=pull_overrides(env),
            pull_interval=env.number("ATRAXION_PULL_INTERVAL", 0.0),
            webhook_settle=env.number("ATRAXION_WEBHOOK_SETTLE", 1.0),
            smtp_url=env.text("ATRAXION_SMTP_URL") or None,
            public_url=(env.text("ATRAXION_PUBLIC_URL") or "").rstrip("/") or None,
            history_versions=env.whole("ATRAXION_HISTORY_VERSIONS", 10, least=0),
            log_format=env.choice("ATRAXION_LOG_FORMAT", ("text", "json")),
            prune_interval=env.number("ATRAXION_PRUNE_INTERVAL", 0.0),
            retention_days=retention_days(env),
            webhook_timeout=env.number("ATRAXION_WEBHOOK_TIMEOUT", 15.0),
            webhook_retry_schedule=env.schedule("ATRAXION_WEBHOOK_RETRY_SCHEDULE", DEFAULT_WEBHOOK_RETRY_SCHEDULE),
            webhook_sweep_interval=env.number("ATRAXION_WEBHOOK_SWEEP_INTERVAL", 1.0),
            webhook_redeliver_after=env.number("ATRAXION_WEBHOOK_REDELIVER_AFTER", 10.0),
            webhook_max_items=env.whole("ATRAXION_WEBHOOK_MAX_ITEMS", 1000, least=1),
            webhook_allow_private=env.flag("ATRAXION_WEBHOOK_ALLOW_PRIVATE", True),
            secret_key=env.text("ATRAXION_SECRET_KEY") or None,
            secret_key_file=env.text("ATRAXION_SECRET_KEY_FILE") or DEFAULT_SECRET_KEY_FILE,
            volatile_fields=(
                frozenset(v.strip() for v in volatile.split(",") if v.strip())
                if volatile is not None
                else frozenset({"write_date", "__last_update"})
            ),
        )


class _Env:
    """Settings read through Starlette's :class:`~starlette.config.Config` (the environment first,
    then the ``.env`` file), each parsed here so that a bad value is one line naming its variable.
    An unset or blank number is its default."""

    def __init__(self, config: Config) -> None:
        self._config = config

    def text(self, name: str) -> str | None:
        """The raw value, None when unset."""
        value: str | None = self._config(name, default=None)
        return value

    def number(self, name: str, default: float, unit: str = "seconds", *, positive: bool = False) -> float:
        """A finite number of ``unit``: 0 or more, or (``positive``) more than 0."""
        text = self.text(name)
        if text is None or not text.strip():
            return default
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{name} must be a number of {unit}, got {text!r}") from None
        if not ((number > 0 if positive else number >= 0) and number < float("inf")):
            least = "more than 0" if positive else "0 or more"
            raise ValueError(f"{name} must be {least} {unit}, got {text!r}")
        return number

    def whole(self, name: str, default: int, *, least: int) -> int:
        """A whole number of at least ``least``."""
        text = self.text(name)
        if text is None or not text.strip():
            return default
        try:
            number = int(text)
        except ValueError:
            raise ValueError(f"{name} must be a whole number, got {text!r}") from None
        if number < least:
            bound = "0 or more" if least == 0 else f"at least {least}"
            raise ValueError(f"{name} must be {bound}, got {number}")
        return number

    def flag(self, name: str, default: bool) -> bool:
        """Off for ``0``, ``false``, ``no`` or ``off`` (any case), on for anything else set."""
        text = self.text(name)
        if text is None:
            return default
        return text.strip().lower() not in ("0", "false", "no", "off")

    def choice(self, name: str, choices: tuple[str, ...]) -> str:
        """One of ``choices`` (any case); the first when unset or blank."""
        text = self.text(name)
        chosen = (text or "").strip().lower() or choices[0]
        if chosen not in choices:
            raise ValueError(f"{name} must be one of {', '.join(choices)}, got {text!r}")
        return chosen

    def schedule(self, name: str, default: tuple[float, ...]) -> tuple[float, ...]:
        """A comma-separated list of seconds (``5,300,1800``)."""
        text = self.text(name)
        if text is None or not text.strip():
            return default
        delays = []
        for part in text.split(","):
            try:
                delay = float(part)
            except ValueError:
                raise ValueError(f"{name} must be a comma-separated list of seconds, got {text!r}") from None
            if not 0 <= delay < float("inf"):
                raise ValueError(f"{name} must list 0 or more seconds, got {text!r}")
            delays.append(delay)
        return tuple(delays)


def pull_setting(entity: str, what: str) -> str:
    """The variable configuring ``what`` (FIELDS, EXTERNAL_ID, DOMAIN) of ``entity``'s pull:
    ``ATRAXION_PULL_PURCHASE_ORDERS_DOMAIN`` for ``purchase-orders``."""
    return f"ATRAXION_PULL_{entity.upper().replace('-', '_')}_{what}"


def pull_overrides(env: _Env) -> dict[str, PullOverride]:
    """Every pulled entity's configuration, by one rule for all (see :func:`pull_setting`):
    ``FIELDS`` a comma-separated list, ``EXTERNAL_ID`` a field name (empty: ``<model>:<id>``),
    ``DOMAIN`` a JSON list of ``[field, operator, value]`` terms. Raises ValueError naming the
    variable at fault."""
    overrides: dict[str, PullOverride] = {}
    for kind in ALL_KINDS:
        if kind.odoo is None:
            continue
        fields = env.text(pull_setting(kind.name, "FIELDS"))
        domain = env.text(pull_setting(kind.name, "DOMAIN"))
        external_id = env.text(pull_setting(kind.name, "EXTERNAL_ID"))
        override = PullOverride(
            fields=tuple(f.strip() for f in fields.split(",") if f.strip()) if fields is not None else None,
            external_id=external_id.strip() if external_id is not None else None,
            domain=_domain(pull_setting(kind.name, "DOMAIN"), domain) if domain is not None else None,
        )
        if override != PullOverride():
            overrides[kind.name] = override
    return overrides


def _domain(name: str, text: str) -> tuple[object, ...]:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ValueError(f"{name} is not JSON ({error})") from None
    try:
        return validate_domain(value)
    except ValueError as error:
        raise ValueError(f"{name} {error}") from None


def retention_days(env: _Env) -> dict[str, float]:
    """Days each of :data:`RETAINED` is kept by the periodic prune: ``ATRAXION_RETENTION_DAYS``
    (default 30) for all, ``ATRAXION_RETENTION_<NAME>_DAYS`` for one."""
    default = env.number("ATRAXION_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, "days", positive=True)
    return {
        name: env.number(f"ATRAXION_RETENTION_{name.upper()}_DAYS", default, "days", positive=True) for name in RETAINED
    }
