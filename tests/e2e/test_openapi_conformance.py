"""Schemathesis against the whole OpenAPI document, with every check it has: no server error,
status codes, content types, headers and bodies as documented, schema-valid input accepted and
schema-invalid input rejected, auth not ignored, 405s naming exactly the allowed methods, and a
stateful run following the document's links (push → get one, changes → ack one, order → sync,
token → revoke). The number of generated cases is printed in the test session's summary.

Schema-valid input is accepted everywhere except where the contract itself makes validity depend
on stored state, which a schema cannot state; there, and only there, 422 is also expected:

* ``POST /api/v1/odoo/partners``: a parent chain that closes a cycle, or a main partner with a parent,
  is refused whole (docs/partners.md);
* ``POST /api/v1/webshop/sale-orders``: partners and products must be known to Odoo (422 naming each).

Records of one push must also have distinct keys (the schema states ``uniqueItems`` for equal
records; two different records with the same key are a 422 too).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig
from starlette.types import ASGIApp, Receive, Scope, Send

from atraxion.application import tokens
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.domain import auth
from atraxion.entrypoints.http import create_app
from atraxion.testing import FakeClock, memory_atraxion
from tests.conftest import SCHEMATHESIS_CASES, TEST_SECRET_KEY

STATE_DEPENDENT = [("POST", "/api/v1/odoo/partners"), ("POST", "/api/v1/webshop/sale-orders")]
ROUTE_NAMES = re.compile(r"(ack|changes)$|changes/")
"""Record keys in a path that name routes of their own (feed_routes.RecordKey)."""
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]  # Schemathesis' default, without 5xx
_SECRET = auth.new_token()
"""The bearer token of every case; :func:`service` stores it (hashed) when the tests run."""


class _Service:
    """The ASGI app the cases are sent to: it forwards to the service :func:`service` starts.

    Schemathesis needs the document at collection, to generate one test per operation; it reads it
    from an app on the memory backend, which touches no database. The cases run against the
    service on a SQLite file (column types in play; in-memory SQLite shares one connection between
    threads), built only when the tests run.
    """

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            raise RuntimeError("the service under test runs only inside the `service` fixture")
        await self.app(scope, receive, send)


SERVICE = _Service()
CONFIG = SchemathesisConfig.from_dict(
    {
        "auth": {"openapi": {"bearer": {"bearer": _SECRET}}},
        # A NUL character in any text is a 422 on every operation (docs/api.md), a rule a JSON
        # Schema cannot state for every string; tests/e2e/test_nul_character_http.py covers it.
        "generation": {"allow-x00": False},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        "operations": [
            {
                "include-method": method,
                "include-path": path,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
            }
            for method, path in STATE_DEPENDENT
        ],
    }
)
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(memory_atraxion()), config=CONFIG)
schema.app = SERVICE
checks.load_all_checks()
EVERY_CHECK = checks.CHECKS.get_all()


@pytest.fixture(scope="module", autouse=True)
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The service on a SQLite file, with a token of every scope whose secret is ``_SECRET``."""
    directory = tmp_path_factory.mktemp("schemathesis")
    database = Settings(database_url=f"sqlite:///{directory}/atraxion.db", secret_key=TEST_SECRET_KEY)
    app = bootstrap(database, clock=FakeClock())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tokens, "new_token", lambda: _SECRET)
        tokens.create_token(app.context, "fuzz", frozenset(auth.Scope), "webshop")
    SERVICE.app = create_app(app)
    try:
        yield
    finally:
        SERVICE.app = None
        app.close()


def _count(request: pytest.FixtureRequest, kind: str) -> None:
    counts: dict[str, int] = request.config.stash.setdefault(SCHEMATHESIS_CASES, {})
    counts[kind] = counts.get(kind, 0) + 1


@pytest.fixture
def count(request: pytest.FixtureRequest) -> Any:
    return lambda kind: _count(request, kind)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_openapi_document(case: Any, count: Any) -> None:
    count("operation cases")
    if any(isinstance(v, str) and ROUTE_NAMES.match(v) for v in (case.path_parameters or {}).values()):
        # …/products/changes is the changes route, not a record called "changes" (docs/api.md): it
        # answers as that route, which a record's schema cannot describe. Never a 5xx, though.
        assert case.call().status_code < 500
        return
    case.call_and_validate(checks=EVERY_CHECK)


class _Links(schema.as_state_machine()):  # type: ignore[misc]
    """Sequences of calls along the document's links, every response checked by every check."""

    counter: Any = None

    def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
        if _Links.counter is not None:
            _Links.counter("stateful steps")
        case.validate_response(response, checks=EVERY_CHECK)


def test_sequences_along_the_links_conform(count: Any) -> None:
    _Links.counter = count
    try:
        _Links.run(
            settings=settings(
                max_examples=15, stateful_step_count=6, deadline=None, suppress_health_check=list(HealthCheck)
            )
        )
    finally:
        _Links.counter = None
