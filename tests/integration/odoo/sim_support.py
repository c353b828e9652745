"""A thin XML-RPC client of the simulator for its tests: ``odoo.call(model, method, *args, **kwargs)``."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

import pytest

from atraxion.testing.odoo_sim import OdooSimulator

DB, LOGIN, PASSWORD = "odoo", "admin", "admin"


class Odoo:
    """``execute_kw`` as a Python call; ``allow_none`` so that ``load=None`` travels as XML-RPC's nil."""

    def __init__(self, sim: OdooSimulator, *, password: str = PASSWORD) -> None:
        self.object = xmlrpc.client.ServerProxy(f"{sim.url}/xmlrpc/2/object", allow_none=True)
        self.uid = sim.uid
        self.password = password

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.object.execute_kw(DB, self.uid, self.password, model, method, list(args), kwargs)

    def close(self) -> None:
        self.object("close")()


def fault_of(call: Any, *args: Any, **kwargs: Any) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call(*args, **kwargs)
    return caught.value
