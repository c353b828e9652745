"""A webshop order as Odoo must receive it, and the errors talking to Odoo can end in.

These are Odoo's terms (ids, ``client_order_ref``) but no protocol's: the same objects feed the
XML-RPC gateway today and a JSON-2 gateway tomorrow.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from attrs import field, frozen

from atraxion.domain.bounds import is_odoo_id


class OdooError(Exception):
    """Talking to Odoo failed. Messages never carry credentials."""


class TransientOdooError(OdooError):
    """Worth retrying: network trouble, timeouts, 5xx/429, lock and serialization conflicts.

    The outcome of a write that ends this way is unknown: Odoo may have committed it. Callers
    look the record up (for orders, by ``client_order_ref``) before writing again.
    """


class PermanentOdooError(OdooError):
    """Retrying will not help: access denied, validation or user errors, missing records."""


class OdooCredentialsRefused(PermanentOdooError):
    """Odoo refused the credentials (a wrong ``ODOO_API_KEY``, user or database): a configuration
    problem, not a fault of the record being sent. Nothing sent can succeed until it is fixed, so
    work waits for the fix instead of failing record by record."""


def _positive_id(_instance: object, attribute: object, value: int) -> None:
    # bool is an int: True would silently become record 1.
    if not is_odoo_id(value):
        raise ValueError(f"{getattr(attribute, 'name', 'id')} must be a positive Odoo id, got {value!r}")


def _optional_positive_id(instance: object, attribute: object, value: int | None) -> None:
    if value is not None:
        _positive_id(instance, attribute, value)


def _finite(name: str, value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"{name} must be a finite Decimal, got {value!r}")


@frozen
class OdooOrderLine:
    """One ``sale.order.line``: ``price_unit`` None lets Odoo take the product's list price."""

    product_id: int = field(validator=_positive_id)
    quantity: Decimal
    price_unit: Decimal | None = None

    def __attrs_post_init__(self) -> None:
        _finite("quantity", self.quantity)
        if self.quantity <= 0:
            raise ValueError(f"quantity must be positive, got {self.quantity}")
        if self.price_unit is not None:
            _finite("price_unit", self.price_unit)


def _lines(value: Iterable[OdooOrderLine]) -> tuple[OdooOrderLine, ...]:
    return tuple(value)


@frozen
class OdooSaleOrder:
    """A ``sale.order`` to create; ``client_order_ref`` is the webshop's id and the dedup key.

    Invoice and shipping partners left None default in Odoo to the ordering partner.
    """

    client_order_ref: str
    partner_id: int = field(validator=_positive_id)
    lines: tuple[OdooOrderLine, ...] = field(converter=_lines)
    partner_invoice_id: int | None = field(default=None, validator=_optional_positive_id)
    partner_shipping_id: int | None = field(default=None, validator=_optional_positive_id)
    note: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.client_order_ref.strip():
            raise ValueError("client_order_ref must not be blank")
        if not self.lines:
            raise ValueError("an order needs at least one line")
