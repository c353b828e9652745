"""``atraxion odoo check``, ``atraxion odoo pull [ENTITY ...] [--full]`` and ``atraxion odoo reconcile [ENTITY ...]``.

``check`` is :mod:`atraxion.entrypoints.odoo_check`. ``pull`` pulls records from Odoo, with progress
on stderr; ``reconcile`` compares Odoo with Atraxion and repairs (last line of stdout
``checked N: missing M, differing F, deleted D, repaired R``).

On a terminal the progress is a bar per entity (rows read of the total Odoo counts, rate, ETA);
otherwise a plain line every few seconds. The last line of stdout is always the summary
``pulled N: created C, updated U, unchanged K, deleted D``. A problem the user can fix (no
``ODOO_URL``, bad credentials, Odoo unreachable) is one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import IO, Any

from tqdm import tqdm

from atraxion.application.pull import PullOptions, PullSummary, pull, pullable
from atraxion.application.reconcile import reconcile
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.errors import InvalidBatch
from atraxion.domain.odoo_orders import OdooError
from atraxion.domain.pulled_models import PULL_ORDER
from atraxion.domain.reconcile import ReconcileCounts

ENTITIES = PULL_ORDER


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    odoo = commands.add_parser("odoo", help="talk to the configured Odoo (ODOO_URL, ODOO_DB, …)")
    odoo_commands = odoo.add_subparsers(dest="odoo_command", required=True)
    odoo_commands.add_parser(
        "check", help="check the credentials: server version, protocol, user and access to each pulled model"
    )
    pull_parser = odoo_commands.add_parser(
        "pull", help="pull records changed in Odoo since the last pull and ingest them as a push would"
    )
    _entities_argument(pull_parser)
    pull_parser.add_argument("--full", action="store_true", help="read every record, ignoring the stored cursors")
    reconcile_parser = odoo_commands.add_parser(
        "reconcile", help="compare every record in Odoo with Atraxion's and repair what differs"
    )
    _entities_argument(reconcile_parser)


def _entities_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "entities",
        nargs="*",
        metavar="ENTITY",
        choices=[[], *ENTITIES],
        help=f"any of {', '.join(ENTITIES)} (default: all)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run an ``atraxion odoo …`` command; returns the exit status."""
    if args.odoo_command == "check":
        from atraxion.entrypoints.odoo_check import run_check

        return run_check(settings)
    logging.getLogger("atraxion.adapters.odoo").setLevel(logging.WARNING)  # no chatter under the bar
    command = args.odoo_command
    try:
        app = bootstrap(settings, migrate=True)
    except ValueError as error:  # a bad setting: one line, no traceback
        return _fail(str(error), command)
    try:
        if command == "reconcile":
            return _reconcile(app, args.entities)
        return _pull(app, args.entities, full=args.full)
    finally:
        app.close()


def _pull(app: Atraxion, entities: list[str], *, full: bool) -> int:
    if app.gateway is None:
        return _fail(
            "ODOO_URL is not set: set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_API_KEY (docs/connecting-odoo.md)"
        )
    settings = app.settings
    options = PullOptions.of(
        app.context, settings.pull_overrides, page_size=settings.pull_page_size, overlap=settings.pull_overlap
    )
    chosen = list(dict.fromkeys(entities)) or pullable(app.context)
    total = PullSummary()
    progress = BarProgress(sys.stderr) if sys.stderr.isatty() else LineProgress(sys.stderr)
    entity = ""
    try:
        app.gateway.identity()  # credentials first: one clear line rather than a failure mid-way
        for entity in chosen:
            summary = pull(app.context, app.gateway, entity, options, full=full, progress=progress)
            print(f"{entity}: {summary.line()}")
            total.add(summary)
    except OdooError as error:
        return _fail(f"Odoo at {settings.odoo_url}: {error}")
    except InvalidBatch as error:  # what Odoo holds breaks a rule of ours (a partner cycle, say)
        return _fail(f"{entity}: {error.errors[0].message if error.errors else error}")
    print(total.line())
    return 0


def _reconcile(app: Atraxion, entities: list[str]) -> int:
    if app.gateway is None:
        return _fail(
            "ODOO_URL is not set: set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_API_KEY (docs/connecting-odoo.md)",
            "reconcile",
        )
    options = app.pull_options()
    total = ReconcileCounts()
    shown = [0.0]

    def progress(entity: str, counts: ReconcileCounts) -> None:
        if time.monotonic() - shown[0] >= 2.0:  # a line every few seconds on stderr
            shown[0] = time.monotonic()
            print(f"{entity}: {counts.summary()}", file=sys.stderr, flush=True)

    try:
        app.gateway.identity()  # credentials first: one clear line rather than a failure mid-way
        for entity in list(dict.fromkeys(entities)) or pullable(app.context):
            counts = reconcile(app.context, app.gateway, options, [entity], progress=progress)
            print(f"{entity}: {counts.summary()}")
            total += counts
    except OdooError as error:
        return _fail(f"Odoo at {app.settings.odoo_url}: {error}", "reconcile")
    print(total.summary())
    return 0


def _fail(message: str, command: str = "pull") -> int:
    print(f"atraxion odoo {command}: {message}", file=sys.stderr)
    return 1


class BarProgress:
    """A tqdm bar per entity: rows read of the total, rate and time left."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.bar: tqdm[Any] | None = None

    def start(self, entity: str, total: int) -> None:
        self.bar = tqdm(total=total, desc=entity, unit=" rows", file=self.stream, dynamic_ncols=True, leave=True)

    def advance(self, rows: int, summary: PullSummary) -> None:
        if self.bar is not None:
            self.bar.update(rows)
            self.bar.set_postfix(created=summary.created, updated=summary.updated, refresh=False)

    def finish(self, entity: str, summary: PullSummary) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class LineProgress:
    """Plain progress lines for logs (stderr not a terminal): at most one every ``every`` seconds."""

    def __init__(self, stream: IO[str], every: float = 5.0) -> None:
        self.stream, self.every = stream, every
        self.entity, self.total, self.done = "", 0, 0
        self.started = self.shown = 0.0

    def start(self, entity: str, total: int) -> None:
        self.entity, self.total, self.done = entity, total, 0
        self.started = self.shown = time.monotonic()
        print(f"{entity}: pulling about {total} Odoo rows", file=self.stream, flush=True)

    def advance(self, rows: int, summary: PullSummary) -> None:
        self.done += rows
        if time.monotonic() - self.shown >= self.every:
            self.shown = time.monotonic()
            self._line()

    def finish(self, entity: str, summary: PullSummary) -> None:
        self._line()

    def _line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        left = f", {max(self.total - self.done, 0) / rate:.0f} s left" if rate and self.done < self.total else ""
        line = f"{self.entity}: {self.done}/{self.total} rows, {rate:.0f} rows/s{left}"
        print(line, file=self.stream, flush=True)
        return line
