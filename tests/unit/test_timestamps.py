"""The one time format of every answer (``views.timestamp``): ISO 8601 in UTC with a ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from atraxion.entrypoints.views import timestamp


def test_answers_show_times_in_utc_with_a_z() -> None:
    assert timestamp(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
    assert timestamp(datetime(2026, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)) == "2026-01-02T03:04:05.250000Z"
    assert timestamp(datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))) == "2026-01-02T03:04:05Z"


def test_a_naive_time_is_utc_and_none_stays_none() -> None:
    assert timestamp(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"
    assert timestamp(None) is None
