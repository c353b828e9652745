"""HTTP fixtures: the Starlette app in-process over the backend under test, with tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from attrs import frozen
from starlette.testclient import TestClient

from atraxion.application.tokens import create_token
from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.entrypoints.http import create_app


@frozen
class Tokens:
    odoo: dict[str, str]
    shop: dict[str, str]
    mobile: dict[str, str]
    admin: dict[str, str]


def bearer(app: Atraxion, name: str, scopes: set[Scope], consumer: str = "webshop") -> dict[str, str]:
    _, secret = create_token(app.context, name, frozenset(scopes), consumer)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def tokens(atraxion: Atraxion) -> Tokens:
    shop_scopes = {Scope.WEBSHOP_READ, Scope.WEBSHOP_ACK, Scope.WEBSHOP_ORDERS}
    return Tokens(
        odoo=bearer(atraxion, "odoo", {Scope.ODOO_PUSH}),
        shop=bearer(atraxion, "shop", shop_scopes, "webshop"),
        mobile=bearer(atraxion, "mobile", shop_scopes, "mobile"),
        admin=bearer(atraxion, "admin", {Scope.ADMIN}, "ops"),
    )


@pytest.fixture
def client(atraxion: Atraxion) -> Iterator[TestClient]:
    with TestClient(create_app(atraxion)) as client:
        yield client
