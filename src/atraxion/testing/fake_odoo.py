"""An in-memory :class:`~atraxion.ports.odoo_gateway.OdooGateway`: Odoo's reading rules, no server.

For unit tests of what pulls from Odoo (and for library users testing their own code)::

    odoo = FakeOdooGateway()
    odoo.at("2026-01-01 10:00:00")
    desk = odoo.create("product.product", {"name": "Desk", "default_code": "DESK", "active": True})
    summary = pull(ctx, odoo, "products", options)

Records are plain dicts, schema-less: a field never written reads as ``False`` (Odoo's empty
value). Many2one values are bare ids (what ``load=None`` reads). ``write_date`` is the fake's
current time (:meth:`at`, :meth:`tick`) unless given: a test can commit a record "late", with an
older ``write_date`` than records already read. :meth:`fail_next` makes the next calls of a port
method raise (a timeout, a refusal, a create whose answer was lost) for the reverse-sync tests::

    odoo.fail_next("create_sale_order", TransientOdooError("timed out"), committed=True)

Domains support ``= != < <= > >= in not in`` and
``& | !``, which is what pulling uses, and dotted paths through the one2many fields of
:data:`ONE2MANY` (``item_ids.applied_on``: any item matches).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import frozen

from atraxion.domain.odoo_orders import OdooSaleOrder, PermanentOdooError
from atraxion.domain.odoo_records import WRITE_DATE_FORMAT, OdooIdentity, OdooPosition
from atraxion.domain.types import OdooDomain, OdooRow

if TYPE_CHECKING:
    from atraxion.ports.odoo_gateway import OdooGateway

ONE2MANY: dict[tuple[str, str], tuple[str, str]] = {
    ("product.pricelist", "item_ids"): ("product.pricelist.item", "pricelist_id"),
    ("product.template", "product_variant_ids"): ("product.product", "product_tmpl_id"),
    ("purchase.order", "order_line"): ("purchase.order.line", "order_id"),
}
"""One2many fields the fake follows in dotted domain paths: (model, field) → (comodel, inverse)."""

PORT_METHODS = (
    "find_sale_order",
    "create_sale_order",
    "version",
    "identity",
    "can_read",
    "read_after",
    "read_ids",
    "search_ids",
    "count",
)
"""The methods of :class:`~atraxion.ports.odoo_gateway.OdooGateway`, which :meth:`FakeOdooGateway.fail_next` takes."""

T = TypeVar("T")


@frozen
class _Fault:
    error: BaseException
    committed: bool


class FakeOdooGateway:
    """A fake Odoo database behind the gateway port; ``calls`` lists ``(model, method)`` as made.

    ``sale_orders`` lists every order :meth:`create_sale_order` created, in order: a test of the
    reverse sync asserts on it that an order reached Odoo exactly once.
    """

    def __init__(self, now: str = "2026-01-01 00:00:00", server_version: str = "17.0") -> None:
        self.records: dict[str, dict[int, dict[str, Any]]] = {}
        self.now = now
        self.server_version = server_version
        self.calls: list[tuple[str, str]] = []
        self.unreadable: set[str] = set()
        self.sale_orders: list[OdooSaleOrder] = []
        self._ids = itertools.count(1)
        self._faults: dict[str, deque[_Fault]] = {}

    # -- arranging the fake -----------------------------------------------------------------------

    def at(self, write_date: str) -> None:
        """Set the time later writes are stamped with (``YYYY-MM-DD HH:MM:SS``)."""
        self.now = write_date

    def tick(self, seconds: float = 1) -> str:
        """Move the time forward and return it."""
        self.now = (datetime.strptime(self.now, WRITE_DATE_FORMAT) + timedelta(seconds=seconds)).strftime(
            WRITE_DATE_FORMAT
        )
        return self.now

    def create(self, model: str, values: Mapping[str, Any], *, write_date: str | None = None) -> int:
        new_id = next(self._ids)
        self.records.setdefault(model, {})[new_id] = {**values, "id": new_id, "write_date": write_date or self.now}
        return new_id

    def write(self, model: str, odoo_id: int, values: Mapping[str, Any], *, write_date: str | None = None) -> None:
        record = self.records[model][odoo_id]
        record.update(values)
        record["write_date"] = write_date or self.now

    def unlink(self, model: str, odoo_id: int) -> None:
        del self.records[model][odoo_id]

    def fail_next(self, method: str, *errors: BaseException, committed: bool = False) -> None:
        """Make the next calls of the port method named ``method`` raise ``errors``, one per call,
        in order (calls after them answer normally). ``committed``: each of those calls does its
        work first and then raises, as a create that Odoo committed but whose answer was lost."""
        if method not in PORT_METHODS:
            raise ValueError(f"{method!r} is no method of the gateway port; one of {', '.join(PORT_METHODS)}")
        self._faults.setdefault(method, deque()).extend(_Fault(error, committed) for error in errors)

    def pending_faults(self, method: str) -> int:
        """How many of the faults :meth:`fail_next` queued for ``method`` are still to be raised."""
        return len(self._faults.get(method, ()))

    # -- the port ---------------------------------------------------------------------------------

    def version(self) -> dict[str, Any]:
        return self._answer("version", lambda: {"server_version": self.server_version, "protocol_version": 1})

    def identity(self) -> OdooIdentity:
        return self._answer(
            "identity",
            lambda: OdooIdentity("fake://odoo", "odoo", "fake", self.server_version, 2, "admin", "Administrator"),
        )

    def can_read(self, *, model: str) -> bool:
        return self._answer("can_read", lambda: model not in self.unreadable)

    def find_sale_order(self, *, client_order_ref: str) -> int | None:
        return self._answer("find_sale_order", lambda: self._find_sale_order(client_order_ref))

    def create_sale_order(self, *, order: OdooSaleOrder) -> int:
        return self._answer("create_sale_order", lambda: self._create_sale_order(order))

    def read_after(
        self,
        *,
        model: str,
        fields: Sequence[str],
        after: OdooPosition | None,
        limit: int,
        domain: OdooDomain = (),
    ) -> list[OdooRow]:
        def read() -> list[OdooRow]:
            self._called(model, "search_read")
            where = [*(after.domain() if after is not None else []), *domain]
            found = sorted(self._matching(model, where), key=lambda r: (r["write_date"], r["id"]))
            return [self._read(record, fields) for record in found[:limit]]

        return self._answer("read_after", read)

    def read_ids(self, *, model: str, ids: Sequence[int], fields: Sequence[str]) -> list[OdooRow]:
        def read() -> list[OdooRow]:
            self._called(model, "read")
            table = self.records.get(model, {})
            return [self._read(table[i], fields) for i in ids if i in table]

        return self._answer("read_ids", read)

    def search_ids(self, *, model: str, domain: OdooDomain = ()) -> list[int]:
        def search() -> list[int]:
            self._called(model, "search")
            return sorted(record["id"] for record in self._matching(model, domain))

        return self._answer("search_ids", search)

    def count(self, *, model: str, domain: OdooDomain = ()) -> int:
        def count() -> int:
            self._called(model, "search_count")
            return sum(1 for _ in self._matching(model, domain))

        return self._answer("count", count)

    # -- inside -----------------------------------------------------------------------------------

    def _answer(self, method: str, work: Callable[[], T]) -> T:
        """``work``'s answer, unless a fault is queued for ``method`` (raised before or after it)."""
        queued = self._faults.get(method)
        fault = queued.popleft() if queued else None
        if fault is not None and not fault.committed:
            raise fault.error
        answer = work()
        if fault is not None:
            raise fault.error
        return answer

    def _find_sale_order(self, client_order_ref: str) -> int | None:
        self._called("sale.order", "search")
        found = self._matching("sale.order", [("client_order_ref", "=", client_order_ref)])
        return min((record["id"] for record in found), default=None)

    def _create_sale_order(self, order: OdooSaleOrder) -> int:
        self._called("sale.order", "create")
        new_id = self.create("sale.order", {"client_order_ref": order.client_order_ref, "partner_id": order.partner_id})
        self.sale_orders.append(order)
        return new_id

    def _called(self, model: str, method: str) -> None:
        self.calls.append((model, method))
        if model in self.unreadable:
            raise PermanentOdooError(f"{model}.{method}: access denied (Fault 4)")

    def _matching(self, model: str, domain: OdooDomain) -> Iterator[dict[str, Any]]:
        terms = [self._dotted(model, term) for term in domain]
        return (record for record in self.records.get(model, {}).values() if _evaluate(terms, record))

    def _dotted(self, model: str, term: Any) -> Any:
        """A ``one2many.field`` leaf as an ``id in [matching parents]`` leaf."""
        if not isinstance(term, (list, tuple)) or "." not in term[0]:
            return term
        name, rest = term[0].split(".", 1)
        comodel, inverse = ONE2MANY[(model, name)]
        parents = [r.get(inverse) for r in self._matching(comodel, [(rest, term[1], term[2])])]
        return ("id", "in", parents)

    @staticmethod
    def _read(record: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
        names = dict.fromkeys(["id", "write_date", *fields])
        return {name: _copy(record.get(name, False)) for name in names}


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _evaluate(domain: list[Any], record: Mapping[str, Any]) -> bool:
    if not domain:
        return True
    position = 0

    def term() -> bool:
        nonlocal position
        token = domain[position]
        position += 1
        if token == "!":
            return not term()
        if token in ("&", "|"):
            left, right = term(), term()
            return (left and right) if token == "&" else (left or right)
        field, operator, value = token
        return _leaf(record.get(field, False), operator, value)

    results = []
    while position < len(domain):
        results.append(term())
    return all(results)


def _leaf(actual: Any, operator: str, value: Any) -> bool:
    if operator == "=":
        return bool(actual == value)
    if operator in ("!=", "<>"):
        return bool(actual != value)
    if operator == "in":
        return actual in value
    if operator == "not in":
        return actual not in value
    if actual is False or actual is None:
        return False
    comparisons = {">": actual > value, ">=": actual >= value, "<": actual < value, "<=": actual <= value}
    if operator not in comparisons:
        raise ValueError(f"FakeOdooGateway does not evaluate the operator {operator!r}")
    return bool(comparisons[operator])


if TYPE_CHECKING:

    def _implements_the_port(fake: FakeOdooGateway) -> OdooGateway:
        return fake  # mypy checks the fake against the port, method by method
