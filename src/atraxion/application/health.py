"""Readiness: does the database answer, and the configured broker? (``GET /ready``)"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from attrs import frozen

from atraxion.application.context import Context
from atraxion.ports.unit_of_work import FeedUnitOfWork

log = logging.getLogger(__name__)

OK = "ok"
MAX_REASON = 300


@frozen
class Readiness:
    checks: Mapping[str, str]
    """``"ok"``, or why not, per dependency: ``database`` always, ``broker`` when one is configured."""

    @property
    def ready(self) -> bool:
        return all(result == OK for result in self.checks.values())


def readiness(ctx: Context[FeedUnitOfWork], broker: Callable[[], None] | None = None) -> Readiness:
    """Ask the database (one small read in a transaction) and, given ``broker`` (raises when the
    broker does not answer), the broker. A failing check is logged as one warning line."""
    checks = {"database": _check("database", lambda: ctx.transaction(lambda uow: uow.feed.consumers()))}
    if broker is not None:
        checks["broker"] = _check("broker", broker)
    return Readiness(checks)


def _check(name: str, probe: Callable[[], object]) -> str:
    try:
        probe()
    except Exception as error:  # noqa: BLE001 - whatever fails, the dependency is not ready
        reason = _reason(error)
        log.warning("readiness: the %s does not answer: %s", name, reason)
        return reason
    return OK


def _reason(error: BaseException) -> str:
    """The error's first line, without SQLAlchemy's "Background on this error" link."""
    text = str(error).split("\n")[0].split("(Background on this error")[0].strip()
    reason = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"
