"""The request-log repository contract, on every backend: what is stored comes back field for
field, newest first, and the filters (exact path prefix, status, before) and limit select exactly
the entries a plain Python filter selects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atraxion.application import request_log
from atraxion.bootstrap import Atraxion
from atraxion.domain.request_log import ApiLogEntry, Direction

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)

PATHS = [
    "/api/v1/odoo/products",
    "/api/v1/odoo/partners",
    "/api/v1/odoo_x/products",  # "_" is a LIKE wildcard: must not match the prefix /api/v1/odoo_ loosely
    "/api/v1/odooX/products",
    "/api/v1/Odoo/products",  # case matters: SQLite's LIKE would say otherwise
    "/api/v1/100%/done",
    "/api/v1/webshop/products/changes",
    "/api/v1/webshop/partners/Ωmega/tree",
    "/api/v1/admin/logs",
]
STATUSES = [200, 200, 202, 401, 404, 422]


def entry(number: int, path: str, status: int) -> ApiLogEntry:
    return ApiLogEntry(
        at=T0 + timedelta(milliseconds=number),
        method="POST" if "odoo" in path.lower() else "GET",
        path=path,
        status_code=status,
        duration_ms=1.5 + number / 1000,
    )


DATASET = [entry(n, PATHS[n % len(PATHS)], STATUSES[n % len(STATUSES)]) for n in range(60)]


def store(app: Atraxion, entries: list[ApiLogEntry]) -> None:
    request_log.record(app.context, entries)


def test_entries_come_back_field_for_field_newest_first(atraxion: Atraxion) -> None:
    full = attrs.evolve(
        entry(1, "/api/v1/odoo/products", 422),
        query="limit=5",
        request_id="req-1",
        token_id=7,
        consumer="webshop",
        error="1 invalid record(s); nothing was stored",
        duration_ms=12.345,
    )
    bare = entry(2, "/api/v1/webshop/products/changes", 200)
    store(atraxion, [full])
    store(atraxion, [bare])

    newest, oldest = request_log.search(atraxion.context, None, None, 10, None)

    assert newest.id is not None and oldest.id is not None and newest.id > oldest.id
    for stored, original in ((oldest, full), (newest, bare)):
        assert stored.id is not None
        assert (stored.at, stored.method, stored.path, stored.query, stored.direction) == (
            original.at,
            original.method,
            original.path,
            original.query,
            Direction.INBOUND,
        )
        assert (stored.status_code, stored.duration_ms, stored.request_id) == (
            original.status_code,
            original.duration_ms,
            original.request_id,
        )
        assert (stored.token_id, stored.consumer, stored.error) == (
            original.token_id,
            original.consumer,
            original.error,
        )
        assert stored.at.tzinfo is not None and stored.at.utcoffset() == timedelta(0)


def test_a_batch_is_numbered_in_order_and_nothing_is_stored_for_an_empty_one(atraxion: Atraxion) -> None:
    store(atraxion, [])
    assert request_log.search(atraxion.context, None, None, 10, None) == []
    store(atraxion, DATASET[:5])
    found = request_log.search(atraxion.context, None, None, 10, None)
    assert [e.at for e in found] == [e.at for e in reversed(DATASET[:5])]
    ids = [e.id for e in found]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5  # type: ignore[type-var]


def test_filters_are_exact(atraxion: Atraxion) -> None:
    store(atraxion, DATASET)
    ctx = atraxion.context

    def paths(prefix: str) -> set[str]:
        return {e.path for e in request_log.search(ctx, prefix, None, 1000, None)}

    assert paths("/api/v1/odoo") == {p for p in PATHS if p.startswith("/api/v1/odoo")}
    assert paths("/api/v1/odoo/") == {"/api/v1/odoo/products", "/api/v1/odoo/partners"}
    assert paths("/api/v1/odoo_") == {"/api/v1/odoo_x/products"}
    assert paths("/api/v1/100%") == {"/api/v1/100%/done"}
    assert paths("/api/v1/Odoo") == {"/api/v1/Odoo/products"}
    assert paths("/api/v1/webshop/partners/Ω") == {"/api/v1/webshop/partners/Ωmega/tree"}
    assert paths("/nothing") == set()
    assert {e.status_code for e in request_log.search(ctx, None, 422, 1000, None)} == {422}
    assert len(request_log.search(ctx, None, 422, 1000, None)) == sum(e.status_code == 422 for e in DATASET)


def expected(path: str | None, status: int | None, limit: int, before: int | None, ids: list[int]) -> list[int]:
    """The model: DATASET in storage order, ``ids`` its stored ids."""
    chosen = [
        i
        for i, e in zip(ids, DATASET, strict=True)
        if (path is None or e.path.startswith(path))
        and (status is None or e.status_code == status)
        and (before is None or i < before)
    ]
    return sorted(chosen, reverse=True)[:limit]


@pytest.fixture
def filled(atraxion: Atraxion) -> tuple[Atraxion, list[int]]:
    store(atraxion, DATASET)
    ids = sorted(e.id for e in request_log.search(atraxion.context, None, None, 1000, None) if e.id is not None)
    return atraxion, ids


prefixes = st.one_of(
    st.none(),
    st.sampled_from(PATHS).flatmap(lambda p: st.integers(1, len(p)).map(lambda n: p[:n])),
    st.text(alphabet="/apiv1odOX_%Ω", max_size=12),
)


@given(
    path=prefixes,
    status=st.none() | st.sampled_from([*STATUSES, 500]),
    limit=st.integers(1, 70),
    before_offset=st.none() | st.integers(-2, 62),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_search_selects_what_a_plain_filter_selects(
    filled: tuple[Atraxion, list[int]], path: str | None, status: int | None, limit: int, before_offset: int | None
) -> None:
    # The fixture's rows are only read here, so sharing them across examples is sound.
    app, ids = filled
    before = None if before_offset is None else ids[0] + before_offset
    found = request_log.search(app.context, path, status, limit, before)
    assert [e.id for e in found] == expected(path, status, limit, before, ids)


def test_paging_with_before_walks_everything_once(filled: tuple[Atraxion, list[int]]) -> None:
    app, ids = filled
    seen: list[int] = []
    before: int | None = None
    while page := request_log.search(app.context, "/api/v1/odoo", None, 7, before):
        seen += [e.id for e in page if e.id is not None]
        before = page[-1].id
    assert seen == expected("/api/v1/odoo", None, 1000, None, ids)
