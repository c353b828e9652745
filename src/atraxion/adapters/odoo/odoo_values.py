"""What both Odoo gateways send and check, whatever the protocol: order values, the pulling
arguments, and the shape checks of answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from atraxion.domain.bounds import is_odoo_id
from atraxion.domain.odoo_orders import OdooOrderLine, OdooSaleOrder, PermanentOdooError
from atraxion.domain.odoo_records import OdooPosition
from atraxion.domain.types import OdooDomain, OdooRow

ALL_RECORDS = {"active_test": False}
"""The context of every read: archived records included."""

PULL_ORDER = "write_date asc, id asc"
"""Pass it explicitly: a model's default ``_order`` differs (``product.product``: default_code, name, id)."""


def check_url(url: str, timeout: float) -> None:
    """Raise ValueError unless ``url`` is ``http(s)://host[:port][/path]`` without credentials."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"Odoo URL must be http(s)://host[:port], got {url!r}")
    if parts.username or parts.password:
        raise ValueError("Odoo URL must not carry credentials; set them apart (ODOO_API_KEY)")
    if timeout <= 0:
        raise ValueError("timeout must be positive")


def after_domain(after: OdooPosition | None, domain: OdooDomain) -> list[Any]:
    """``domain`` and-ed with "strictly after ``after``"."""
    where = [*(after.domain() if after is not None else []), *domain]
    return ["&", *where] if after is not None and domain else where


def with_cursor_fields(fields: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(["write_date", *fields]))


def as_rows(value: Any, what: str) -> list[OdooRow]:
    if not isinstance(value, list) or not all(isinstance(r, dict) and is_odoo_id(r.get("id")) for r in value):
        raise PermanentOdooError(f"{what} answered {type(value).__name__}, not a list of records")
    return value


def as_ids(value: Any, what: str) -> list[int]:
    if not isinstance(value, list) or not all(is_odoo_id(i) for i in value):
        raise PermanentOdooError(f"{what} answered {type(value).__name__}, not a list of ids")
    return value


def as_count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PermanentOdooError(f"{what} answered {type(value).__name__}, not an integer")
    return value


def order_values(order: OdooSaleOrder) -> dict[str, Any]:
    """The ``sale.order`` values of one ``create``: the order and its lines."""
    values: dict[str, Any] = {
        "client_order_ref": order.client_order_ref,
        "partner_id": order.partner_id,
        "order_line": [(0, 0, _line_values(line)) for line in order.lines],
    }
    if order.partner_invoice_id is not None:
        values["partner_invoice_id"] = order.partner_invoice_id
    if order.partner_shipping_id is not None:
        values["partner_shipping_id"] = order.partner_shipping_id
    if order.note is not None:
        values["note"] = order.note
    return values


def _line_values(line: OdooOrderLine) -> dict[str, Any]:
    # Neither XML-RPC nor JSON has a decimal type: Odoo's float fields receive doubles either way.
    values: dict[str, Any] = {"product_id": line.product_id, "product_uom_qty": float(line.quantity)}
    if line.price_unit is not None:
        values["price_unit"] = float(line.price_unit)
    return values


def shorten(text: str, limit: int = 500) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return shorten(lines[-1] if lines else text)


def describe(error: BaseException) -> str:
    """``"<exception class>: <message>"`` of a network error, the class alone when it says nothing."""
    detail = str(error)
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


def redirected(answer: str, location: str | None) -> PermanentOdooError:
    """The error of an ``answer`` (``"<call>: HTTP 3xx"``) that redirects: no gateway follows one."""
    target = location or "an unnamed address"
    return PermanentOdooError(f"{answer}: Odoo redirects to {target}; set ODOO_URL to that address")
