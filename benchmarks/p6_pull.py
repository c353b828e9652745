"""P6 — pull from Odoo: a full pull of 10,000 products and 128,000 pricelist items from the simulator.

The simulator runs in its own process (as Odoo would), seeded there at start-up with its demo
catalogue (``atraxion odoo-sim --demo-products 10000 --demo-items 128000``: seeded set-based, a few
seconds). The pull runs here over XML-RPC with the default page size into the workload's fresh
database; every product and every price item is read, mapped and ingested as a push would.

Baseline, in the same run — the floor: the same rows read page by page **without Atraxion** over
the same protocol (``search_read`` of the same model, domain and fields, the same page size,
``load=None``), each page's answer parsed and dropped. The bar: the pull's rows/s stay within 2× the
floor's time. Peak RSS of a full products pull is measured in a fresh child process (like P1's) at
10,000 and 100,000 products: memory is bounded by the page size, not the model.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway
from atraxion.application.pull import PullOptions, pull
from atraxion.domain.odoo_mapping import combined_domain, read_fields
from benchmarks._env import Env
from benchmarks._report import Figure, say, secs, show, times

FULL = {"products": 10_000, "items": 128_000, "rss": (10_000, 100_000)}
QUICK = {"products": 2_000, "items": 16_000, "rss": (2_000, 10_000)}
PAGE = 1000
KEY = "bench-key"
RATIO_BAR = 2.0


@contextmanager
def simulator(products: int, items: int | None = None) -> Iterator[str]:
    """``atraxion odoo-sim`` in a child process with a demo catalogue; yields its URL."""
    command = [sys.executable, "-m", "atraxion.entrypoints.cli", "odoo-sim", "--port", "0", "--api-key", KEY]
    command += ["--demo-products", str(products), "--seed", "1"]
    if items is not None:
        command += ["--demo-items", str(items)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        url = None
        started = time.monotonic()
        while url is None and time.monotonic() - started < 600:
            line = child.stdout.readline()
            if not line:
                raise RuntimeError(f"odoo-sim stopped: {child.stderr.read() if child.stderr else ''}")
            if match := re.search(r"(http://\S+?) \(db", line):
                url = match.group(1)
        assert url is not None
        yield url
    finally:
        child.terminate()
        child.wait(timeout=30)


def floor(url: str, model: str, fields: list[str], domain: list[Any], total: int) -> float:
    """Every row of ``model`` matching ``domain``, read by ``search_read`` pages of :data:`PAGE`
    over XML-RPC, without Atraxion; returns the seconds it took."""
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    uid = common.authenticate("odoo", "admin", KEY, {})
    proxy = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)
    started = time.perf_counter()
    read = 0
    for offset in range(0, total, PAGE):
        rows = proxy.execute_kw(
            "odoo",
            uid,
            KEY,
            model,
            "search_read",
            [domain],
            {"fields": ["write_date", *fields], "offset": offset, "limit": PAGE, "order": "write_date asc, id asc",
             "load": None, "context": {"active_test": False}},
        )  # fmt: skip
        read += len(rows)
    assert read == total, (read, total)
    return time.perf_counter() - started


def run(env: Env, quick: bool) -> list[Figure]:
    sizes = QUICK if quick else FULL
    n, items = sizes["products"], sizes["items"]
    tag = {"workload": "P6", "backend": env.backend}
    figures: list[Figure] = []
    started = time.perf_counter()
    with simulator(n, items) as url:
        seeded = secs(time.perf_counter() - started)
        say(f"  simulator at {url}: {n:,} products, {items:,} pricelist items seeded in {seeded}")
        gateway = XmlRpcOdooGateway(url, "odoo", "admin", KEY, timeout=600)
        options = PullOptions.of(env.app.context, page_size=PAGE)
        for entity in ("products", "prices"):
            mapping = env.app.context.kind(entity).odoo
            assert mapping is not None
            rule = options.rules[entity]
            fields, domain = read_fields(mapping, rule), combined_domain(mapping, rule)
            rows = gateway.count(model=mapping.model, domain=domain)
            base = floor(url, mapping.model, fields, domain, rows)
            began = time.perf_counter()
            summary = pull(env.app.context, gateway, entity, options, full=True)
            wall = time.perf_counter() - began
            say(
                f"  {entity}: {rows:,} Odoo rows ({mapping.model}) -> {summary.line()} in {secs(wall)}; "
                f"floor {secs(base)}"
            )
            figures.append(
                show(
                    Figure(
                        **tag,
                        name=f"full pull of {entity}, rows/s",
                        value=f"{rows / wall:,.0f} rows/s",
                        baseline=f"floor {rows / base:,.0f} rows/s",
                        ratio=f"{times(wall / base)} the floor's time",
                        bar=f"≤ {RATIO_BAR:g}× floor",
                        passed=wall <= RATIO_BAR * base,
                        notes=[
                            f"{rows:,} rows of {mapping.model} in pages of {PAGE}, {summary.pulled:,} records "
                            f"({summary.created:,} created); floor = the same search_read pages without Atraxion"
                        ],
                    )
                )
            )
    if env.backend == "sqlite":
        for size in sizes["rss"]:
            figures.append(show(_rss_figure(tag, size)))
    return figures


def _rss_figure(tag: dict[str, str], products: int) -> Figure:
    with simulator(products, 0) as url, tempfile.TemporaryDirectory(prefix="atraxion_bench_pull_") as folder:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks._rss_pull", url, f"sqlite:///{folder}/rss.db"],
            env={**os.environ, "ATRAXION_BENCH_KEY": KEY},
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent.parent,
        )
    if done.returncode != 0:
        raise RuntimeError(f"the RSS child failed ({done.returncode}): {done.stderr[-2000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return Figure(
        **tag,
        name=f"peak RSS, full pull of {products:,} products",
        value=f"{answer['peak_mb']:.0f} MiB",
        baseline=f"before the pull {answer['before_mb']:.0f} MiB",
        ratio=f"+{answer['peak_mb'] - answer['before_mb']:.0f} MiB",
        bar="(info)",
        notes=[f"{answer['summary']} in {secs(answer['wall'])}, in a fresh process (VmHWM)"],
    )
