"""The request-log entry keeps nothing secret, and its buffer stays bounded and never loses count."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from atraxion.application import request_log as use_case
from atraxion.domain.request_log import (
    MAX_ERROR,
    MAX_PATH,
    MAX_QUERY,
    SAFE_QUERY_PARAMS,
    WITHHELD,
    ApiLogEntry,
    inbound,
)
from atraxion.entrypoints.http.request_log_middleware import MAX_ATTEMPTS, ApiLogRecorder
from atraxion.testing import FakeClock, memory_atraxion

SECRET = "atx_SECRETSECRET"
AT = datetime(2026, 1, 1, tzinfo=UTC)


def make(**overrides: Any) -> ApiLogEntry:
    values: dict[str, Any] = {
        "at": AT,
        "method": "GET",
        "path": "/api/v1/webshop/products/changes",
        "query": [],
        "status_code": 200,
        "duration_ms": 1.0,
        "request_id": "r1",
        "token_id": 1,
        "consumer": "webshop",
        "error": None,
    }
    values.update(overrides)
    return inbound(**values)


MARK = "SeCrEt"
safe_pairs = st.tuples(st.sampled_from(sorted(SAFE_QUERY_PARAMS)), st.text(max_size=40).filter(lambda v: MARK not in v))
unsafe_pairs = st.tuples(
    st.text(min_size=1, max_size=10).filter(lambda n: n not in SAFE_QUERY_PARAMS), st.text(max_size=20)
).map(lambda pair: (pair[0], MARK + pair[1]))


@given(st.lists(safe_pairs | unsafe_pairs, max_size=8))
def test_only_safe_query_parameters_are_kept(pairs: list[tuple[str, str]]) -> None:
    stored = make(query=pairs).query
    assert MARK not in stored and len(stored) <= MAX_QUERY
    kept = [(n, v if SAFE_QUERY_PARAMS[n].fullmatch(v) else WITHHELD) for n, v in pairs if n in SAFE_QUERY_PARAMS]
    if len(urlencode(kept)) <= MAX_QUERY and "atx_" not in str(kept).lower():
        assert parse_qsl(stored, keep_blank_values=True) == kept


def test_a_secret_in_the_query_string_or_an_error_detail_is_not_kept() -> None:
    query = parse_qsl(urlencode({"api_key": SECRET, "token": "hunter2", "limit": "5", "cursor": SECRET}))
    entry = make(
        path=f"/api/v1/webshop/products/{SECRET}",
        query=query,
        status_code=422,
        error=f"scopes: unknown scope(s) {SECRET}",
    )
    assert SECRET not in repr(entry) and "hunter2" not in repr(entry)
    assert entry.query == "limit=5&cursor=%2A%2A%2A"
    assert entry.error == "scopes: unknown scope(s) atx_***"


def test_texts_are_cut_to_their_columns_and_made_storable() -> None:
    entry = make(path="/api/" + "x" * 2000 + "\ud800", status_code=500, error="e" * 2000)
    assert len(entry.path) == MAX_PATH and entry.error is not None and len(entry.error) == MAX_ERROR
    make(path="/api/\ud800").path.encode("utf-8")  # a lone surrogate would make the database refuse the batch
    assert make(error="only for errors").error is None


def test_times_are_utc_and_must_have_a_zone() -> None:
    local = datetime(2026, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert make(at=local).at == datetime(2026, 1, 1, 12, 0, tzinfo=UTC) and make(at=local).at.tzinfo is UTC
    with pytest.raises(ValueError):
        make(at=datetime(2026, 1, 1))


# --- The buffer -------------------------------------------------------------------------------------


def stored(recorder: ApiLogRecorder) -> list[ApiLogEntry]:
    return use_case.search(recorder.ctx, None, None, 10_000, None)


def test_a_full_buffer_drops_the_oldest_and_counts_it() -> None:
    recorder = ApiLogRecorder(memory_atraxion(FakeClock()).context, capacity=3, batch_size=2)
    for number in range(5):
        recorder.add(make(request_id=f"r{number}"))
    assert recorder.dropped == 2 and recorder.pending == 3
    assert recorder.flush() == 3 and recorder.pending == 0
    assert [e.request_id for e in stored(recorder)] == ["r4", "r3", "r2"]


def test_a_failing_database_keeps_entries_for_a_retry_then_drops_them_counted() -> None:
    app = memory_atraxion(FakeClock())

    def broken() -> Any:
        raise ConnectionError("database down")

    recorder = ApiLogRecorder(attrs.evolve(app.context, uow=broken), batch_size=10)
    recorder.add(make(request_id="a"))
    recorder.add(make(request_id="b"))
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(ConnectionError):
            recorder.flush()
        assert recorder.pending == 2 and recorder.dropped == 0
    with pytest.raises(ConnectionError):
        recorder.flush()
    assert recorder.pending == 0 and recorder.dropped == 2


def test_the_thread_writes_in_the_background_and_the_rest_at_stop() -> None:
    recorder = ApiLogRecorder(memory_atraxion(FakeClock()).context, batch_size=2, interval=0.05)
    recorder.start()
    try:
        recorder.add(make(request_id="a"))
        recorder.add(make(request_id="b"))  # a full batch wakes the thread at once
        deadline = datetime.now(UTC) + timedelta(seconds=5)
        while len(stored(recorder)) < 2 and datetime.now(UTC) < deadline:
            time.sleep(0.01)
        assert len(stored(recorder)) == 2
        recorder.add(make(request_id="c"))
    finally:
        recorder.stop()
    assert [e.request_id for e in stored(recorder)] == ["c", "b", "a"] and recorder.pending == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [("limit", "sk_live_51HxYz"), ("cursor", "sk_live_51HxYz"), ("status", "Bearer x"), ("path", "https://x/?k=v")],
)
def test_a_value_not_shaped_like_its_known_query_parameter_is_withheld(name: str, value: str) -> None:
    assert make(query=[(name, value)]).query == f"{name}=%2A%2A%2A"


@pytest.mark.parametrize("token", ["ATX_abcDEF123", "Atx_abc", "aTx_x"])
def test_tokens_are_masked_whatever_their_case(token: str) -> None:
    entry = make(path=f"/api/v1/{token}", status_code=422, error=f"bad {token}")
    assert token not in repr(entry) and entry.error == "bad atx_***"
