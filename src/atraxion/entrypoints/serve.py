"""``atraxion serve``: migrate, then run the HTTP service under uvicorn (and, with the embedded queue,
the reverse-sync workers and sweeper)."""

from __future__ import annotations

import logging
from pathlib import Path

import uvicorn

from atraxion.application.tokens import list_tokens
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.entrypoints import gc_tuning
from atraxion.entrypoints.http import create_app
from atraxion.entrypoints.logs import safe_url
from atraxion.entrypoints.runtime import Runtime

log = logging.getLogger("atraxion.serve")


def targets(settings: Settings) -> str:
    """The start-up line naming what this service talks to, passwords masked."""
    odoo = "not configured (ODOO_URL unset)"
    if settings.odoo_url:
        details = [f"protocol {settings.odoo_protocol}"]
        if settings.odoo_db:
            details.append(f"database {settings.odoo_db}")
        if settings.odoo_username:
            details.append(f"user {settings.odoo_username}")
        odoo = f"{safe_url(settings.odoo_url)} ({', '.join(details)})"
    if settings.secret_key is not None and settings.secret_key.strip():
        sealing = "ATRAXION_SECRET_KEY"
    else:
        sealing = f"the key in {Path(settings.secret_key_file).expanduser().resolve()} (ATRAXION_SECRET_KEY is not set)"
    return (
        f"database {safe_url(settings.database_url)}; broker {safe_url(settings.broker_url)}; Odoo {odoo}; "
        f"log format {settings.log_format}; webhook secrets sealed with {sealing}"
    )


def serve(settings: Settings, host: str, port: int, log_level: str = "info") -> int:
    """Serve until interrupted. uvicorn's access log is off: it would write query strings, which
    may carry secrets, to the service log; ours (``atraxion.access``) shows only what the request
    log (``/api/v1/admin/logs``) may keep."""
    atraxion = bootstrap(settings, migrate=True)
    log.info("%s", targets(settings))
    if not list_tokens(atraxion.context):
        log.warning(
            "no API tokens yet: create one with\n"
            "  atraxion token create odoo --scope odoo:push\n"
            "  atraxion token create shop --scope webshop:read --scope webshop:ack --consumer webshop\n"
            "(with make: .venv/bin/atraxion token create ...)"
        )
    runtime = Runtime(atraxion)  # stopped by atraxion.close()
    runtime.check_odoo_in_background()  # one clear log line when the Odoo credentials are wrong
    if settings.broker_url == "memory":
        # The embedded queue: worker threads and the outbox sweeper run in this process.
        runtime.start_workers()
    runtime.start_pruner()  # when ATRAXION_PRUNE_INTERVAL is set; one replica at a time
    app = create_app(atraxion)
    gc_tuning.tune()  # start-up is done: freeze what it built, collect young objects less often
    try:
        # log_config=None: uvicorn's own lines go through our handler (text or JSON, masked).
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=log_level,
            log_config=None,
            proxy_headers=False,
            access_log=False,
        )
    finally:
        atraxion.close()
    return 0
