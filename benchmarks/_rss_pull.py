"""Child process for P6's peak-RSS figure: one full pull of products in a fresh interpreter.

``python -m benchmarks._rss_pull ODOO_URL DATABASE_URL`` with the simulator's API key in
``ATRAXION_BENCH_KEY``; prints one JSON line: RSS before the pull (after imports and start-up), the
process's peak RSS (``VmHWM``), the pull's wall time and its summary line.
"""

from __future__ import annotations

import json
import os
import sys
import time

from benchmarks._rss_push import status_mb


def main(odoo_url: str, database_url: str) -> None:
    from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway
    from atraxion.application.pull import PullOptions, pull
    from atraxion.bootstrap import bootstrap
    from atraxion.config import Settings

    app = bootstrap(Settings(database_url=database_url))
    gateway = XmlRpcOdooGateway(odoo_url, "odoo", "admin", os.environ["ATRAXION_BENCH_KEY"], timeout=600)
    gateway.identity()
    before = status_mb("VmRSS")
    started = time.perf_counter()
    summary = pull(app.context, gateway, "products", PullOptions.of(app.context), full=True)
    wall = time.perf_counter() - started
    peak = status_mb("VmHWM")
    app.close()
    print(json.dumps({"before_mb": before, "peak_mb": peak, "wall": wall, "summary": summary.line()}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
