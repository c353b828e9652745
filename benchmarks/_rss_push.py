"""Child process for the peak-RSS figure: one push in a fresh interpreter, measured by its peak RSS.

Run by the workloads as ``python -m benchmarks._rss_push URL ENTITY BODY_FILE`` with the push
token in ``ATRAXION_BENCH_TOKEN``; prints one JSON line: RSS before the push (after imports, app
start-up and reading the body), the process's peak RSS, the push's wall time and its summary.

The peak is the kernel's high-water mark of this process's memory (``VmHWM``). ``ru_maxrss`` would
not do: Linux carries it over fork and exec, so a child of the (large) benchmark process starts
with its parent's figure.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def status_mb(field: str) -> float:
    """A memory figure of /proc/self/status (``VmRSS``: now, ``VmHWM``: peak), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(url: str, entity: str, body_file: str) -> None:
    from starlette.testclient import TestClient

    from atraxion.bootstrap import bootstrap
    from atraxion.config import Settings
    from atraxion.entrypoints import gc_tuning
    from atraxion.entrypoints.http import create_app

    app = bootstrap(Settings(database_url=url), migrate=False)
    headers = {"authorization": f"Bearer {os.environ['ATRAXION_BENCH_TOKEN']}", "content-type": "application/json"}
    with TestClient(create_app(app)) as client:
        client.get("/ready")
        gc_tuning.tune()  # as `atraxion serve` does once started
        body = Path(body_file).read_bytes()
        before = status_mb("VmRSS")
        started = time.perf_counter()
        response = client.post(f"/api/v1/odoo/{entity}", content=body, headers=headers)
        wall = time.perf_counter() - started
        peak = status_mb("VmHWM")
        summary = response.json().get("summary") if response.status_code == 200 else response.text[:300]
    app.close()
    print(
        json.dumps(
            {"before_mb": before, "peak_mb": peak, "wall": wall, "status": response.status_code, "summary": summary}
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
