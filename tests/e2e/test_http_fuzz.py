"""R2: bad input never gets past the edge. Every answer is a 4xx problem document and nothing is
stored; Hypothesis drives the bad input, Schemathesis drives the whole OpenAPI document.

The edge cases the fuzzers found are kept at the end as regression tests with minimal reproductions.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from atraxion.application.tokens import create_token
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.domain.catalog import ALL_KINDS
from atraxion.entrypoints.http import create_app
from atraxion.testing import FakeClock
from atraxion.testing.strategies import documents

MAX_BODY = 64 * 1024
ENTITIES = [kind.name for kind in ALL_KINDS]
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_unique = itertools.count()


@frozen
class Api:
    app: Atraxion
    client: TestClient
    auth: dict[str, str]

    def post(self, path: str, body: bytes, content_type: str = "application/json", **headers: str) -> Any:
        return self.client.post(path, content=body, headers={**self.auth, "Content-Type": content_type, **headers})

    def stored(self) -> int:
        """Records of every entity (through the repository port): must stay 0 here."""
        return self.app.context.transaction(lambda uow: sum(uow.records.count(e) for e in ENTITIES))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One SQLite application for the module, with a small body limit; every request below is bad,
    so it must stay empty throughout."""
    path: Path = tmp_path_factory.mktemp("fuzz") / "atraxion.db"
    app = bootstrap(Settings(database_url=f"sqlite:///{path}", max_body_bytes=MAX_BODY), clock=FakeClock())
    _, secret = create_token(app.context, "all", frozenset(Scope), "webshop")
    with TestClient(create_app(app), raise_server_exceptions=False) as client:
        yield Api(app, client, {"Authorization": f"Bearer {secret}"})
    app.close()


def assert_problem(response: Any, status: int | None = None) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    if status is not None:
        assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert isinstance(problem["type"], str) and problem["type"]
    assert isinstance(problem["title"], str) and problem["title"]
    assert problem["status"] == response.status_code
    assert isinstance(problem["detail"], str) and problem["detail"]
    return problem


# --- Malformed bodies -------------------------------------------------------------------------------


def _is_json(text: str) -> bool:
    def reject(name: str) -> Any:
        raise ValueError(name)

    try:
        json.loads(text, parse_constant=reject)
    except (ValueError, RecursionError):
        return False
    return True


VALID_PUSH = json.dumps({"records": [{"externalId": "A", "data": {"name": "Desk", "price": 10}}]})
malformed_json = st.one_of(
    st.text(max_size=60).filter(lambda t: not _is_json(t)),
    st.integers(1, len(VALID_PUSH) - 1).map(lambda cut: VALID_PUSH[:cut]),  # a body cut short
    st.sampled_from(
        [
            "NaN",
            "-Infinity",
            '{"records": [{"externalId": "A", "data": {"x": NaN}}]}',
            '{"records": [{"externalId": "A", "data": {"x": -Infinity}}]}',
            '{"records": [{"externalId": "A", "data": {},}]}',
            "{'records': []}",
            '{"records": [] } trailing',
            "[" * 10_000,
            "[" * 10_000 + "]" * 10_000,  # valid JSON, nested far too deep
            '{"a":' * 5_000 + "1" + "}" * 5_000,
            "",
        ]
    ),
)
post_paths = st.sampled_from(ENTITIES).flatmap(
    lambda e: st.sampled_from([f"/api/v1/odoo/{e}", f"/api/v1/webshop/{e}/ack"])
)


@FUZZ
@given(text=malformed_json, path=post_paths)
def test_malformed_json_is_a_400(api: Api, text: str, path: str) -> None:
    problem = assert_problem(api.post(path, text.encode()), 400)
    assert problem["type"].endswith("/malformed-json")
    assert api.stored() == 0


@FUZZ
@given(raw=st.binary(min_size=1, max_size=200), path=post_paths)
@example(raw=b'{"records": [{"externalId": "\xff", "data": {}}]}', path="/api/v1/odoo/products")
def test_bodies_that_are_not_utf8_are_a_400(api: Api, raw: bytes, path: str) -> None:
    try:
        raw.decode("utf-8")
        assume(False)
    except UnicodeDecodeError:
        pass
    assert_problem(api.post(path, raw), 400)
    assert api.stored() == 0


# --- Wrong shapes: every bad record is named, nothing is stored --------------------------------------

keys = st.from_regex(r"[A-Z]{1,3}[0-9]{1,4}", fullmatch=True)
BAD_KEYS: list[Any] = [None, 1, True, 1.5, [], {}, "", "   ", "x" * 256]
BAD_NUMBERS: list[Any] = [-1, -0.01, "1", None, True, [], {}]
BAD_STRINGS: list[Any] = [None, 1, False, [], {}]
BAD_DOCUMENTS: list[Any] = [None, 1, "x", [1], True, {"deep": json.loads('{"a":' * 40 + "1" + "}" * 40)}]
BAD_LISTS: list[Any] = [None, 1, True, {}, "abc"]  # for a required list
PRICE = {"pricelistExternalId": "L1", "price": 12.5}
LINE = {"productExternalId": "P1", "quantity": 2, "priceUnit": 3.5}

# entity → (valid record maker, {field: bad values}) ; required fields appear in every valid record
SHAPES: dict[str, tuple[Any, dict[str, list[Any]]]] = {
    "products": (
        lambda k, d: {"externalId": k, "data": d, "odooId": 7, "prices": [PRICE], "purchaseOrders": []},
        {
            "externalId": BAD_KEYS,
            "data": BAD_DOCUMENTS,
            "odooId": ["7", 7.5, True, [], {}],
            "prices": [1, True, {}, "", [{"price": 1}], [{**PRICE, "price": -1}], [{**PRICE, "currency": 9}], [None]],
            "purchaseOrders": [1, True, {}, [{"externalId": "PO1"}], ["PO1"]],
        },
    ),
    "partners": (
        lambda k, d: {"externalId": k, "data": d, "type": "main"},
        {
            "externalId": BAD_KEYS,
            "data": BAD_DOCUMENTS,
            "type": ["boss", 1, ""],
            "externalParentId": [1, "", []],
        },
    ),
    "sale-orders": (lambda k, d: {"externalId": k, "data": d}, {"externalId": BAD_KEYS, "data": BAD_DOCUMENTS}),
    "purchase-orders": (
        lambda k, d: {"externalId": k, "name": "PO", "vendor": "V", "state": "draft", "lines": [LINE], "data": d},
        {
            "externalId": BAD_KEYS,
            "name": BAD_STRINGS,
            "vendor": BAD_STRINGS,
            "lines": [*BAD_LISTS, [{**LINE, "quantity": -1}], [{**LINE, "priceUnit": "3"}], [{"quantity": 1}]],
            "data": [1, "x", [1]],
        },
    ),
    "stock": (
        lambda k, d: {"supplierExternalId": "S1", "productExternalId": k, "quantity": 5},
        {"supplierExternalId": BAD_KEYS, "productExternalId": BAD_KEYS, "quantity": BAD_NUMBERS},
    ),
    "prices": (
        lambda k, d: {"pricelistExternalId": "L1", "productExternalId": k, "price": 9.99, "currency": "EUR"},
        {
            "pricelistExternalId": BAD_KEYS,
            "productExternalId": BAD_KEYS,
            "price": BAD_NUMBERS,
            "minQuantity": [-1, "2", True],
            "currency": [1, [], {}],
        },
    ),
}
REQUIRED = {
    "products": ["externalId", "data"],
    "partners": ["externalId", "data"],
    "sale-orders": ["externalId", "data"],
    "purchase-orders": ["externalId", "name", "vendor", "state", "lines"],
    "stock": ["supplierExternalId", "productExternalId", "quantity"],
    "prices": ["pricelistExternalId", "productExternalId", "price"],
}


@st.composite
def batches_with_bad_records(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]], set[int]]:
    """A batch of valid records of one entity, some of which are spoilt in a way the contract
    forbids (a wrong type, a missing or unknown key, a negative number, a blank key …)."""
    entity = draw(st.sampled_from(sorted(SHAPES)))  # the entities with hand-written bad values
    make, bad_values = SHAPES[entity]
    size = draw(st.integers(1, 6))
    record_keys = draw(st.lists(keys, min_size=size, max_size=size, unique=True))
    records = [make(k, draw(documents(max_depth=1))) for k in record_keys]
    bad = set(draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=size, unique=True)))
    for index in bad:
        how = draw(st.sampled_from(["value", "value", "missing", "unknown", "not an object"]))
        if how == "not an object":
            records[index] = draw(st.sampled_from(["x", 1, None, True, [], [None, None], [record_keys[index]]]))
        elif how == "missing":
            del records[index][draw(st.sampled_from(REQUIRED[entity]))]
        elif how == "unknown":
            records[index][draw(st.sampled_from(["extra", "external_id", "Data", "__proto__"]))] = 1
        else:
            name = draw(st.sampled_from(sorted(bad_values)))
            records[index][name] = draw(st.sampled_from(bad_values[name]))
    return entity, records, bad


@FUZZ
@given(batch=batches_with_bad_records())
@example(batch=("products", [{"externalId": "A", "data": {}}, {"externalId": 1, "data": []}], {1}))
def test_a_batch_with_bad_records_is_a_422_naming_every_one(api: Api, batch: Any) -> None:
    entity, records, bad = batch
    problem = assert_problem(api.post(f"/api/v1/odoo/{entity}", json.dumps({"records": records}).encode()), 422)
    assert problem["type"].endswith("/validation-failed")
    assert problem["errors"], problem
    for error in problem["errors"]:
        assert isinstance(error["index"], int) and isinstance(error["field"], str) and error["message"], error
    assert {e["index"] for e in problem["errors"]} == bad, (records, problem["errors"])
    assert api.stored() == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@FUZZ
@given(body=json_values | st.dictionaries(st.sampled_from(["records", "items", "x"]), json_values), path=post_paths)
@example(body={"records": []}, path="/api/v1/odoo/products")
@example(body={"records": [], "extra": 1}, path="/api/v1/odoo/stock")
@example(body={"items": [{"key": "A", "version": "1"}]}, path="/api/v1/webshop/products/ack")
def test_any_json_of_the_wrong_shape_is_a_4xx(api: Api, body: Any, path: str) -> None:
    response = api.post(path, json.dumps(body).encode())
    if response.status_code != 200:  # an ack of unknown keys, say, is fine — and stores nothing
        assert_problem(response)
    assert api.stored() == 0


# --- Size, media type, entity, Idempotency-Key, query parameters ------------------------------------


@FUZZ
@given(extra=st.integers(1, 3 * MAX_BODY), chunked=st.booleans(), path=post_paths)
def test_a_body_over_the_limit_is_a_413(api: Api, extra: int, chunked: bool, path: str) -> None:
    record = '{"externalId": "A", "data": {"blob": "' + "x" * (MAX_BODY + extra) + '"}}'
    body = ('{"records": [' + record + "]}").encode()
    content: Any = iter([body[i : i + 8192] for i in range(0, len(body), 8192)]) if chunked else body
    response = api.client.post(path, content=content, headers={**api.auth, "Content-Type": "application/json"})
    assert_problem(response, 413)
    assert api.stored() == 0


@FUZZ
@given(
    content_type=st.sampled_from(["text/plain", "application/xml", "multipart/form-data", "json", "", "*/*"])
    | st.from_regex(r"(text|image|audio|application)/[a-z]{1,12}", fullmatch=True).filter(
        lambda t: not t.endswith("json")
    ),
    path=post_paths,
)
def test_a_body_that_is_not_json_by_type_is_a_415(api: Api, content_type: str, path: str) -> None:
    response = api.post(path, VALID_PUSH.encode(), content_type=content_type)
    assert_problem(response, 415)
    assert api.stored() == 0


@FUZZ
@given(entity=st.from_regex(r"[a-z][a-z0-9_-]{0,20}", fullmatch=True).filter(lambda e: e not in ENTITIES))
def test_an_unknown_entity_is_a_404(api: Api, entity: str) -> None:
    assert_problem(api.post(f"/api/v1/odoo/{entity}", VALID_PUSH.encode()), 404)
    assert_problem(api.client.get(f"/api/v1/webshop/{entity}/changes", headers=api.auth), 404)
    assert_problem(api.post(f"/api/v1/webshop/{entity}/ack", b'{"items": []}'), 404)
    assert_problem(api.client.delete(f"/api/v1/webshop/{entity}/changes/A?version=1", headers=api.auth), 404)
    assert api.stored() == 0


@FUZZ
@given(
    key=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=255),
    first=st.lists(keys, max_size=3),
    second=st.lists(keys, max_size=3),
)
def test_an_idempotency_key_reused_with_another_body_is_a_409(
    api: Api, key: str, first: list[str], second: list[str]
) -> None:
    key = f"{next(_unique)}-{key}"[:255]  # the store outlives examples: keep keys fresh
    bodies = [json.dumps({"items": [{"key": k, "version": 1} for k in ks]}).encode() for ks in (first, second)]
    original = api.post("/api/v1/webshop/products/ack", bodies[0], **{"Idempotency-Key": key})
    assert original.status_code == 200
    replay = api.post("/api/v1/webshop/products/ack", bodies[0], **{"Idempotency-Key": key})
    assert (replay.status_code, replay.content, replay.headers.get("idempotent-replayed")) == (
        200,
        original.content,
        "true",
    )
    if bodies[1] != bodies[0]:
        conflict = assert_problem(api.post("/api/v1/webshop/products/ack", bodies[1], **{"Idempotency-Key": key}), 409)
        assert conflict["type"].endswith("/idempotency-key-reused")


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_idempotency_key_of_bad_length_is_a_400(api: Api, key: str) -> None:
    assert_problem(api.post("/api/v1/odoo/products", VALID_PUSH.encode(), **{"Idempotency-Key": key}), 400)
    assert api.stored() == 0


def _ascii_int(text: str) -> int | None:
    """What the service reads as a number: plain ASCII digits within 64 bits."""
    return int(text) if text.isascii() and text.isdigit() and int(text) <= MAX_ID else None


@FUZZ
@given(limit=st.text(max_size=8) | st.integers(-5, 2000).map(str), cursor=st.none() | st.text(max_size=40))
@example(limit="1e3", cursor=None)
@example(limit="-1", cursor=None)
@example(limit="0", cursor=None)
@example(limit="1001", cursor=None)
def test_bad_paging_parameters_are_a_422(api: Api, limit: str, cursor: str | None) -> None:
    params = {"limit": limit} if cursor is None else {"limit": limit, "cursor": cursor}
    response = api.client.get("/api/v1/webshop/products/changes", params=params, headers=api.auth)
    number = _ascii_int(limit)
    if number is None or not 1 <= number <= 1000:
        assert_problem(response, 422)
    elif not cursor:
        assert response.status_code == 200
    elif response.status_code == 200:  # random text that happens to decode as a cursor of ours
        event("a random cursor was accepted")
        assert set(response.json()) == {"items", "nextCursor"}
    else:  # most random text is no cursor of ours
        assert_problem(response, 422)


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzFd", "eyJhIjogMX0", "!!!", "W251bGwsICJhIl0"])
def test_a_cursor_we_did_not_issue_is_a_422(api: Api, cursor: str) -> None:
    response = api.client.get("/api/v1/webshop/products/changes", params={"cursor": cursor}, headers=api.auth)
    assert_problem(response, 422)


@FUZZ
@given(version=st.text(max_size=8) | st.integers(-5, 10**30).map(str))
def test_a_bad_version_to_ack_one_is_a_422(api: Api, version: str) -> None:
    response = api.client.delete("/api/v1/webshop/products/changes/A", params={"version": version}, headers=api.auth)
    assert_problem(response, 404 if _ascii_int(version) is not None else 422)


# Schemathesis over the whole OpenAPI document, with every check: tests/e2e/test_openapi_conformance.py.


# --- Known bugs, and the edge cases the fuzzers found (fixed since; kept as regressions) --------------

MAX_ID = 2**63 - 1


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Api]:
    """An application of its own for each case (some of them do store something)."""
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'edge.db'}"), clock=FakeClock())
    _, secret = create_token(app.context, "all", frozenset(Scope), "webshop")
    with TestClient(create_app(app), raise_server_exceptions=False) as client:
        yield Api(app, client, {"Authorization": f"Bearer {secret}"})
    app.close()


def test_an_absurd_price_is_a_4xx(fresh: Api) -> None:
    body = b'{"records": [{"pricelistExternalId": "L", "productExternalId": "P", "price": 1e300}]}'
    assert_problem(fresh.post("/api/v1/odoo/prices", body), 422)  # was an InvalidOperation in quantize → 500
    assert fresh.stored() == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/odoo/products", b'{"records": ["x"]}'),  # was an AttributeError → 500
        ("/api/v1/odoo/partners", b'{"records": [[null, null]]}'),
        ("/api/v1/webshop/products/ack", b"null"),
        ("/api/v1/webshop/products/ack", b"[]"),
        ("/api/v1/webshop/products/ack", b'{"items": {}}'),  # an object as a list: was accepted as []
        ("/api/v1/odoo/products", b'{"records": [{"externalId": "A", "data": {}, "prices": {}}]}'),
        ("/api/v1/odoo/products", b'{"records": [{"externalId": "A", "data": {}, "odooId": 9223372036854775808}]}'),
        ("/api/v1/odoo/products", b'{"records": [{"externalId": "A", "data": {"name": "\\ud800"}}]}'),  # lone surrogate
        ("/api/v1/webshop/products/ack", b'{"items": [{"key": "\\udc00", "version": 1}]}'),
    ],
)
def test_edge_cases_found_by_fuzzing_are_a_4xx(fresh: Api, path: str, body: bytes) -> None:
    assert_problem(fresh.post(path, body))
    assert fresh.stored() == 0


def test_a_number_beyond_float_range_never_reaches_the_feed(fresh: Api) -> None:
    body = b'{"records": [{"externalId": "INF", "data": {"weight": 1e400}}]}'  # json.loads would give inf
    push = fresh.post("/api/v1/odoo/products", body)
    poll = fresh.client.get("/api/v1/webshop/products/changes", headers=fresh.auth)
    assert poll.status_code == 200, "one stored record must never break the feed"
    assert_problem(push)


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/api/v1/webshop/products/changes?limit=²", 422),  # '²'.isdigit() but int('²') fails
        ("DELETE", "/api/v1/webshop/products/changes/A?version=²", 422),
        ("DELETE", f"/api/v1/admin/tokens/{MAX_ID + 1}", 404),  # overflowed SQLite's INTEGER
    ],
)
def test_numbers_in_urls_that_are_not_plain_int64_are_a_4xx(fresh: Api, method: str, url: str, status: int) -> None:
    assert_problem(fresh.client.request(method, url, headers=fresh.auth), status)


def test_every_operation_taking_an_idempotency_key_documents_its_400(api: Api) -> None:
    paths = api.client.app.state.openapi["paths"]
    missing = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
        and "400" not in operation["responses"]
    ]
    assert missing == []
