"""``atraxion prune [--logs DAYS] [--outbox DAYS] [--deliveries DAYS]``: delete what is older."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from atraxion.application.retention import prune
from atraxion.bootstrap import bootstrap, prunable_stores
from atraxion.config import RETAINED, Settings

_HELP = {
    "logs": "request log entries older than DAYS",
    "outbox": "completed outbox entries (orders sent to Odoo) older than DAYS",
    "deliveries": "webhook deliveries older than DAYS",
}


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days") from None
    if not 0 < days < 100_000:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of days above 0")
    return days


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "prune",
        help="delete old request log entries, completed outbox entries and webhook deliveries",
        description="Delete what is older than the given number of days; with no option, everything "
        "older than ATRAXION_RETENTION_DAYS (default 30). Prints what it removed.",
    )
    for name in RETAINED:
        parser.add_argument(f"--{name}", type=_days, metavar="DAYS", help=_HELP[name])


def run(args: argparse.Namespace, settings: Settings) -> int:
    chosen = {name: getattr(args, name) for name in RETAINED if getattr(args, name) is not None}
    days = chosen or dict(settings.retention_days)
    app = bootstrap(settings, migrate=True)
    try:
        results = prune(app.context, {name: timedelta(days=d) for name, d in days.items()}, prunable_stores())
    finally:
        app.close()
    for result in results:
        print(result.line())
    return 0
