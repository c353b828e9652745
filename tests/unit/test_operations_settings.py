"""The operations settings: history size, log format, periodic prune and retention days."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atraxion.application import request_log
from atraxion.application.leases import acquire_lease
from atraxion.config import Settings
from atraxion.domain.request_log import inbound
from atraxion.entrypoints.runtime import Runtime
from atraxion.testing import FakeClock
from atraxion.testing.fakes import memory_atraxion


def settings(**values: str) -> Settings:
    return Settings.from_env(values, env_file=None)


def test_defaults() -> None:
    s = settings()
    assert (s.history_versions, s.log_format, s.prune_interval) == (10, "text", 0.0)
    assert s.retention_days == {"logs": 30.0, "outbox": 30.0, "deliveries": 30.0}
    assert Settings().retention_days == s.retention_days


def test_retention_days_for_all_and_per_store() -> None:
    s = settings(ATRAXION_RETENTION_DAYS="14", ATRAXION_RETENTION_OUTBOX_DAYS="90", ATRAXION_PRUNE_INTERVAL="3600")
    assert s.retention_days == {"logs": 14.0, "outbox": 90.0, "deliveries": 14.0}
    assert s.prune_interval == 3600.0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ATRAXION_HISTORY_VERSIONS", "-1", "ATRAXION_HISTORY_VERSIONS must be 0 or more"),
        ("ATRAXION_HISTORY_VERSIONS", "ten", "ATRAXION_HISTORY_VERSIONS must be a whole number"),
        ("ATRAXION_RETENTION_DAYS", "0", "ATRAXION_RETENTION_DAYS must be more than 0 days"),
        ("ATRAXION_RETENTION_LOGS_DAYS", "soon", "ATRAXION_RETENTION_LOGS_DAYS must be a number of days"),
        ("ATRAXION_PRUNE_INTERVAL", "-5", "ATRAXION_PRUNE_INTERVAL must be 0 or more seconds"),
        ("ATRAXION_LOG_FORMAT", "yaml", "ATRAXION_LOG_FORMAT must be one of text, json"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        settings(**{name: value})


def test_the_history_setting_reaches_the_use_cases() -> None:
    app = memory_atraxion(settings=Settings(database_url="memory://", history_versions=3))
    assert app.context.history_versions == 3


def test_the_periodic_prune_runs_when_configured() -> None:
    clock = FakeClock()
    off = memory_atraxion(clock)
    assert Runtime(off).start_pruner() is False
    app = memory_atraxion(clock, Settings(database_url="memory://", prune_interval=3600.0))
    entry = inbound(
        at=clock.now(),
        method="GET",
        path="/api/v1/x",
        query=[],
        status_code=200,
        duration_ms=1.0,
        request_id=None,
        token_id=None,
        consumer=None,
        error=None,
    )
    request_log.record(app.context, [entry])
    clock.advance(days=31)
    runtime = Runtime(app)
    results = runtime.periodic_prune()
    assert results is not None and [(r.name, r.removed) for r in results] == [
        ("logs", 1),
        ("outbox", 0),
        ("deliveries", 0),
    ]
    assert runtime.start_pruner() is True  # a thread, every hour; close() stops it and gives up its lease
    assert acquire_lease(app.context, "prune", "another replica", timedelta(minutes=5)) is False
    app.close()
    assert acquire_lease(app.context, "prune", "another replica", timedelta(minutes=5)) is True  # given up
