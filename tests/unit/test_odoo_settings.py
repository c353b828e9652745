"""The Odoo settings and which gateway they select; nothing here talks to a server (the gateways
connect lazily)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atraxion.adapters.odoo.auto_gateway import AutoOdooGateway
from atraxion.adapters.odoo.json2_gateway import Json2OdooGateway
from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway
from atraxion.bootstrap import bootstrap, odoo_gateway
from atraxion.config import Settings

URL = "https://odoo.example.com"


def settings(**values: str) -> Settings:
    return Settings.from_env({"ATRAXION_DATABASE_URL": "memory://", **values}, env_file=None)


def test_defaults_auto_protocol_and_a_settle_wait_past_odoo_s_own_limits() -> None:
    defaults = settings()
    assert defaults.odoo_protocol == "auto"
    assert defaults.odoo_settle_after == 150.0  # limit_time_real 120 s + retries sleeping up to 2+4+8+16 s


def test_the_settle_wait_is_the_outbox_policy_s() -> None:
    app = bootstrap(settings(ATRAXION_ODOO_SETTLE_AFTER="2.5"))
    try:
        assert app.outbox_policy.settle_after == timedelta(seconds=2.5)
    finally:
        app.close()


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ({"ODOO_PROTOCOL": "json2"}, Json2OdooGateway),
        ({"ODOO_PROTOCOL": "JSON2", "ODOO_DB": "prod"}, Json2OdooGateway),
        ({"ODOO_PROTOCOL": "xmlrpc", "ODOO_DB": "prod", "ODOO_USERNAME": "api"}, XmlRpcOdooGateway),
        ({}, AutoOdooGateway),
        ({"ODOO_PROTOCOL": "auto", "ODOO_DB": "prod", "ODOO_USERNAME": "api"}, AutoOdooGateway),
    ],
)
def test_odoo_protocol_selects_the_gateway(values: dict[str, str], kind: type) -> None:
    gateway = odoo_gateway(settings(ODOO_URL=URL, ODOO_API_KEY="secret-key", **values))
    assert isinstance(gateway, kind)
    assert "secret-key" not in repr(gateway)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"ODOO_PROTOCOL": "json2"}, "ODOO_URL is set but ODOO_API_KEY not"),
        ({"ODOO_PROTOCOL": "xmlrpc", "ODOO_API_KEY": "k"}, "ODOO_URL is set but ODOO_DB, ODOO_USERNAME not"),
        ({"ODOO_PROTOCOL": "graphql", "ODOO_API_KEY": "k"}, "ODOO_PROTOCOL must be one of auto, json2, xmlrpc"),
    ],
)
def test_incomplete_settings_name_what_is_missing(values: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        odoo_gateway(settings(ODOO_URL=URL, **values))


def test_no_odoo_url_no_gateway() -> None:
    assert odoo_gateway(settings()) is None
