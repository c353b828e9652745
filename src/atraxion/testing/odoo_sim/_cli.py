"""Command line for the simulator: ``atraxion odoo-sim [--host …] [--port …] [fault flags]``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable

from atraxion.testing.odoo_sim._demo import DEFAULT_PRODUCTS
from atraxion.testing.odoo_sim._faults import TransientKind


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atraxion odoo-sim",
        description="Serve an in-memory Odoo that speaks Odoo's XML-RPC API (/xmlrpc/2/common, /xmlrpc/2/object).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--db", default="odoo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument(
        "--api-key", action="append", default=[], dest="api_keys", help="an API key for the user (repeatable)"
    )
    parser.add_argument(
        "--server-version", default="17.0", help="what common.version() reports, and the models' version (17/18/19)"
    )
    parser.add_argument(
        "--webhook",
        type=_url,
        default=None,
        metavar="URL",
        help="POST Odoo's automation webhook here after each create/write/archive/unlink of a product or partner",
    )
    parser.add_argument(
        "--allow-remote-control",
        action="store_true",
        help="answer the unauthenticated /simulator control route on a non-loopback address too",
    )
    demo = parser.add_argument_group("demo data")
    demo.add_argument(
        "--demo", action="store_true", help="seed a demo catalogue (partners, products, pricelists, stock)"
    )
    demo.add_argument(
        "--demo-products", type=_count, default=None, metavar="N", help="demo products (implies --demo; default 36)"
    )
    demo.add_argument("--demo-partners", type=_count, default=None, metavar="N", help="demo companies (default N/4)")
    demo.add_argument(
        "--demo-items", type=_count, default=None, metavar="N", help="demo pricelist items (default 2 per product)"
    )
    faults = parser.add_argument_group("fault injection")
    faults.add_argument("--seed", type=int, default=None, help="seed for the random faults")
    faults.add_argument(
        "--delay", type=_seconds(0.0, 60.0), default=0.0, metavar="SECONDS", help="wait before every answer (≤ 60)"
    )
    faults.add_argument(
        "--fail-share", type=_share, default=0.0, metavar="SHARE", help="fail this share of object calls (0-1)"
    )
    faults.add_argument(
        "--fail-kind",
        choices=["fault", "http503", "mixed"],
        default="fault",
        help="Fault 1 'could not serialize access', HTTP 503, or either",
    )
    faults.add_argument(
        "--drop-share", type=_share, default=0.0, metavar="SHARE", help="commit, then drop the answer (0-1)"
    )
    faults.add_argument("--drop-next", type=_count, default=0, metavar="N", help="commit, then drop the next N answers")
    faults.add_argument(
        "--outage-every",
        type=_seconds(0.0, 86400.0),
        default=0.0,
        metavar="SECONDS",
        help="refuse connections this often",
    )
    faults.add_argument(
        "--outage-for",
        type=_seconds(0.001, 300.0),
        default=5.0,
        metavar="SECONDS",
        help="how long each outage lasts (default 5, at most 300)",
    )
    return parser


def run(argv: list[str] | None = None) -> int:
    from atraxion.testing.odoo_sim import OdooSimulator

    options = build_parser().parse_args(argv)
    simulator = OdooSimulator(
        db=options.db,
        login=options.login,
        password=options.password,
        api_keys=options.api_keys,
        seed=options.seed,
        server_version=options.server_version,
        webhook_url=options.webhook,
        allow_remote_control=options.allow_remote_control,
    )
    kind: TransientKind = options.fail_kind
    simulator.faults.set_delay(options.delay)
    simulator.faults.fail_share(options.fail_share, kind)
    simulator.faults.drop_share(options.drop_share)
    simulator.faults.drop_next(options.drop_next)
    if options.demo or options.demo_products is not None:
        counts = simulator.seed_demo(
            options.demo_products if options.demo_products is not None else DEFAULT_PRODUCTS,
            partners=options.demo_partners,
            pricelist_items=options.demo_items,
        )
        print(
            f"odoo-sim: seeded {counts.products} products, {counts.pricelist_items} pricelist items, "
            f"{counts.companies} companies, {counts.quants} quants, {counts.purchase_orders} purchase orders",
            file=sys.stderr,
            flush=True,
        )
    try:
        url = simulator.start(options.host, options.port)
    except OSError as error:
        print(f"odoo-sim: cannot listen on {options.host}:{options.port}: {error}", file=sys.stderr)
        return 1
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler) if in_main_thread else None
    print(f"Odoo simulator on {url} (db {options.db!r}, login {options.login!r}); Ctrl-C stops it", flush=True)
    try:
        idle = threading.Event()  # never set: a sleep that signals interrupt
        while True:
            idle.wait(options.outage_every or 3600.0)
            if options.outage_every:
                print(f"odoo-sim: refusing connections for {options.outage_for:g} s", flush=True)
                simulator.refuse_connections_for(options.outage_for)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM through default_int_handler
        pass
    finally:
        simulator.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("a share is between 0 and 1")
    return value


def _count(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError("a count between 0 and 1000000")
    return value


def _url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError("an http:// or https:// URL")
    return text


def _seconds(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = float(text)
        if not low <= value <= high:  # NaN fails too
            raise argparse.ArgumentTypeError(f"seconds between {low:g} and {high:g}")
        return value

    return parse
