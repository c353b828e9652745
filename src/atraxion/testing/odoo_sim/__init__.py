"""The Odoo simulator: a real XML-RPC server that speaks Odoo's external API, state in memory.

For tests and for building a webshop integration without an Odoo at hand::

    with OdooSimulator(db="odoo", login="admin", password="admin") as sim:
        partner = sim.seed_partner("Azure Interior")
        product = sim.seed_product("Desk", list_price=120.0)
        sim.faults.fail_share(0.2)          # 20 % of object calls fail transiently
        ...                                  # point any XML-RPC client at sim.url
        assert sim.count("sale.order", [("partner_id", "=", partner)]) == 1

What it models and what it does not is described in ``docs/odoo-simulator.md``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from atraxion.testing.odoo_sim import _demo as demo
from atraxion.testing.odoo_sim._app import RpcApp
from atraxion.testing.odoo_sim._control import Control
from atraxion.testing.odoo_sim._faults import FaultPlan
from atraxion.testing.odoo_sim._server import IDLE_TIMEOUT, Listener
from atraxion.testing.odoo_sim._services import Services
from atraxion.testing.odoo_sim._store import Store
from atraxion.testing.odoo_sim._webhooks import WebhookSender

__all__ = ["OdooSimulator", "main"]

MAX_OUTAGE = 300.0
"""The longest refusal ``refuse_connections_for`` arms: longer would take the simulator offline
for good (no control call can reach it meanwhile)."""


class OdooSimulator:
    """An in-memory Odoo behind ``/xmlrpc/2/{common,object,db}`` and the legacy ``/xmlrpc/…`` routes.

    ``login`` authenticates with ``password`` or any of ``api_keys``. ``seed`` makes injected
    faults reproducible. ``server_version`` is what ``common.version()`` reports, and picks the
    models' version (17, 18, 19). With ``webhook_url``, every committed create, write, archive,
    unarchive and unlink of a ``product.product`` or ``res.partner`` POSTs Odoo's automation
    webhook there (``webhook_fields``: the fields each body carries, by model). The ``/simulator``
    control route answers only on a loopback address unless ``allow_remote_control``; a
    connection silent for ``idle_timeout`` seconds is closed.
    """

    def __init__(
        self,
        db: str = "odoo",
        login: str = "admin",
        password: str = "admin",
        api_keys: Iterable[str] = (),
        *,
        seed: int | None = None,
        server_version: str = "17.0",
        webhook_url: str | None = None,
        webhook_fields: Mapping[str, Sequence[str]] | None = None,
        allow_remote_control: bool = False,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self.store = Store(version=_major(server_version))
        self.services = Services(db=db, store=self.store, server_version=server_version)
        self.uid = self.services.add_user(login, password, api_keys)
        self.faults = FaultPlan(seed)
        self._stopping = threading.Event()
        self._app = RpcApp(self.services, self.faults, self._stopping, Control(self).dispatch)
        self._listener: Listener | None = None
        self._timers: list[threading.Timer] = []
        self._allow_remote_control = allow_remote_control
        self._idle_timeout = idle_timeout
        self.webhooks: WebhookSender | None = None
        if webhook_url is not None:
            self.webhooks = WebhookSender(webhook_url, webhook_fields)
            for model, names in self.webhooks.fields.items():
                unknown = sorted(set(names) - set(self.store.spec(model).fields))
                if unknown:
                    raise ValueError(f"webhook_fields: {model} has no field {', '.join(unknown)}")
            self.store.watched = self.webhooks.fields
            self.store.on_commit = self.webhooks

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0: any free port) in background threads; return the base URL."""
        if self._listener is not None:
            raise RuntimeError("the simulator is already running")
        self._stopping.clear()
        self._listener = Listener(
            self._app, host, port, idle_timeout=self._idle_timeout, allow_remote_control=self._allow_remote_control
        )
        return self.url

    def stop(self) -> None:
        """Stop listening, cut injected delays short and wait for the calls in flight."""
        listener, self._listener = self._listener, None
        self._cancel_timers()
        if listener is not None:
            self._stopping.set()
            listener.close()
        if self.webhooks is not None:
            self.webhooks.close()

    def __enter__(self) -> Self:
        if self._listener is None:
            self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://host:port``, the base URL an Odoo client is configured with."""
        if self._listener is None:
            raise RuntimeError("the simulator is not running")
        host, port = self._listener.address
        return f"http://{host}:{port}"

    @property
    def db(self) -> str:
        return self.services.db

    # -- faults that live in the listener ---------------------------------------------------------

    def refuse_connections(self, refuse: bool = True) -> None:
        """Close the listening socket (connections are refused) or, with False, listen again."""
        if self._listener is None:
            raise RuntimeError("the simulator is not running")
        if refuse:
            self._listener.refuse()
        else:
            self._listener.resume()

    def refuse_connections_for(self, seconds: float) -> None:
        """Refuse connections now and listen again after ``seconds`` (0–300: an Odoo restart, say).

        The control route shares the port: it is unreachable until then too."""
        if not isinstance(seconds, (int, float)) or not 0 < seconds <= MAX_OUTAGE:
            raise ValueError(f"an outage lasts more than 0 and at most {MAX_OUTAGE:g} seconds, not {seconds!r}")
        self._cancel_timers()
        self.refuse_connections(True)
        timer = threading.Timer(seconds, self._resume_if_running)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def reset_faults(self) -> None:
        """No delay, failures or drops any more, and listening again if a refusal was armed."""
        self.faults.reset()
        self._cancel_timers()
        if self._listener is not None:
            self._listener.resume()

    def _cancel_timers(self) -> None:
        timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()
            if timer is not threading.current_thread():
                timer.join()

    def _resume_if_running(self) -> None:
        listener = self._listener
        if listener is not None:
            listener.resume()

    def calls(self, name: str) -> int:
        """Requests received so far by name, faulted or not: ``"common.authenticate"``,
        ``"object.execute_kw"``, or a model method such as ``"sale.order.create"``."""
        return self._app.calls(name)

    # -- state, for tests -----------------------------------------------------------------------

    def add_user(self, login: str, password: str, api_keys: Iterable[str] = ()) -> int:
        """Another user who may authenticate; returns its uid."""
        return self.services.add_user(login, password, api_keys)

    def seed_partner(self, name: str, **values: Any) -> int:
        """Create a ``res.partner`` (any field: ``email``, ``parent_id``, ``type`` …) without
        notifying webhooks; return its id."""
        with self.store.transaction(self.uid, notify=False) as store:
            return store.create("res.partner", {"name": name, **values})

    def seed_product(self, name: str, *, list_price: float = 1.0, **values: Any) -> int:
        """Create a ``product.product`` (``default_code``, ``barcode`` …) without notifying
        webhooks; return its id."""
        with self.store.transaction(self.uid, notify=False) as store:
            return store.create("product.product", {"name": name, "list_price": list_price, **values})

    def seed_demo(
        self, products: int = demo.DEFAULT_PRODUCTS, *, partners: int | None = None, pricelist_items: int | None = None
    ) -> demo.DemoCounts:
        """Seed the demo catalogue (see ``_demo.py``): ``products`` products, ``partners``
        companies (default products/4, at least 4), ``pricelist_items`` fixed-price items over
        two pricelists (default two per product). Notifies no webhook."""
        with self.store.transaction(self.uid, notify=False) as store:
            return demo.seed(store, demo.DemoSize(products, partners, pricelist_items))

    def create(self, model: str, values: dict[str, Any]) -> int:
        """Create a record of any simulated model, as the admin, bypassing RPC and faults (as a
        change in Odoo's UI would, it notifies webhooks)."""
        with self.store.transaction(self.uid) as store:
            return store.create(model, values)

    def write(self, model: str, ids: Iterable[int], values: dict[str, Any]) -> None:
        """Write records as the admin would in Odoo's UI (``write_date`` moves), bypassing RPC."""
        with self.store.transaction(self.uid) as store:
            store.write(model, list(ids), values)

    def unlink(self, model: str, ids: Iterable[int]) -> None:
        """Delete records as the admin would in Odoo's UI, bypassing RPC."""
        with self.store.transaction(self.uid) as store:
            store.unlink(model, list(ids))

    def touch(self, model: str, ids: Iterable[int], *, write_date: str | dt.datetime | None = None) -> None:
        """Set the ``write_date`` of records, to now or to ``write_date`` ("YYYY-MM-DD HH:MM:SS", UTC),
        changing nothing else: for tests of pulling (many records in one second, commits that land
        out of ``write_date`` order)."""
        stamp = write_date.strftime("%Y-%m-%d %H:%M:%S") if isinstance(write_date, dt.datetime) else write_date
        with self.store.transaction(self.uid) as store:
            for record_id in ids:
                if not store.exists(model, record_id):
                    raise KeyError(f"{model}({record_id},) does not exist")
                store.touch(model, record_id, stamp)

    def freeze_clock(self, moment: str | dt.datetime | None) -> None:
        """Make every later transaction start at ``moment`` (UTC), so its creates and writes share
        that ``create_date``/``write_date``; ``None`` lets the real clock run again."""
        if moment is None:
            self.store.clock = lambda: dt.datetime.now(dt.UTC)
            return
        frozen = dt.datetime.strptime(moment, "%Y-%m-%d %H:%M:%S") if isinstance(moment, str) else moment
        self.store.clock = lambda: frozen

    def search(self, model: str, domain: Sequence[Any] = (), *, active_test: bool = False) -> list[int]:
        """Ids matching ``domain``, in the model's order; archived records included by default."""
        with self.store.transaction(self.uid) as store:
            return store.search(model, list(domain), active_test=active_test)

    def count(self, model: str, domain: Sequence[Any] = (), *, active_test: bool = False) -> int:
        """How many records match ``domain`` (archived ones included by default)."""
        return len(self.search(model, domain, active_test=active_test))

    def read(
        self, model: str, ids: Iterable[int], fields: Sequence[str] | None = None, *, load: str | None = "_classic_read"
    ) -> list[dict[str, Any]]:
        """Records as ``read`` answers them over RPC (missing ids dropped; ``load=None``: bare ids)."""
        with self.store.transaction(self.uid) as store:
            return store.read(model, list(ids), fields, load)

    def records(self, model: str, fields: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Every record of ``model`` (archived too), read-formatted, in the model's order."""
        return self.read(model, self.search(model), fields)


def _major(server_version: str) -> int:
    """17 for "17.0", 18 for "saas~18.2"; the models follow the major version."""
    digits = "".join(c if c.isdigit() else " " for c in server_version).split()
    return int(digits[0]) if digits else 17


def main(argv: list[str] | None = None) -> int:
    """``atraxion odoo-sim``: serve the simulator until interrupted."""
    from atraxion.testing.odoo_sim._cli import run

    return run(argv)
