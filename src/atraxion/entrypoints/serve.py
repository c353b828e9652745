"""``atraxion serve``: migrate, then run the HTTP service under uvicorn (and, with the embedded queue,
the reverse-sync workers and sweeper)."""

from __future__ import annotations

import logging

import uvicorn

from atraxion.application.tokens import list_tokens
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.entrypoints.http import create_app

log = logging.getLogger("atraxion.serve")


def serve(settings: Settings, host: str, port: int, log_level: str = "info") -> int:
    """Serve until interrupted. uvicorn's access log is off: it would write query strings, which
    may carry secrets, to the service log; the request log (``/api/v1/admin/logs``) replaces it."""
    atraxion = bootstrap(settings, migrate=True)
    if not list_tokens(atraxion.context):
        log.warning(
            "no API tokens yet: create one with\n"
            "  atraxion token create odoo --scope odoo:push\n"
            "  atraxion token create shop --scope webshop:read --scope webshop:ack --consumer webshop\n"
            "(with make: .venv/bin/atraxion token create ...)"
        )
    atraxion.check_odoo_in_background()  # one clear log line when the Odoo credentials are wrong
    if settings.broker_url == "memory":
        # The embedded queue: worker threads and the outbox sweeper run in this process.
        atraxion.start_workers()
    try:
        uvicorn.run(
            create_app(atraxion), host=host, port=port, log_level=log_level, proxy_headers=False, access_log=False
        )
    finally:
        atraxion.close()
    return 0
