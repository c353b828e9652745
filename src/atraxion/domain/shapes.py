"""The contract's record shapes, as attrs classes: what Odoo pushes (``…In``) and what a feed item
shows of each entity (``…Out``).

They are the one place the contract is written: the strict converter and the fast path at the
HTTP edge structure pushes into the input classes, the OpenAPI schemas are generated from both,
and each entity's :class:`~atraxion.domain.records.Kind` names its pair (``domain/catalog.py``).
The type hints carry the rules: :data:`Key` is a non-blank string of at most
:data:`MAX_KEY_LENGTH` characters, :data:`Number` a finite number in ``[0, MAX_AMOUNT]``,
:data:`Document` Odoo's JSON object (nested at most :data:`MAX_DEPTH` levels), ``int`` a 64-bit
integer, a ``Literal`` one of its values; an optional field (``… | None = None``) may be left out
or null.
"""

from __future__ import annotations

from typing import Any, Literal, NewType

import attrs
from attrs import frozen

Key = NewType("Key", str)
Number = NewType("Number", float)
Document = NewType("Document", dict)  # type: ignore[type-arg]

MAX_KEY_LENGTH = 255
MAX_DEPTH = 32
MAX_AMOUNT = 10**15
"""The largest price or quantity accepted: far above any real one, far below where Decimal
quantizing or the database's exact types would overflow."""

PartnerType = Literal["main", "billing", "delivery", "contact", "other"]

SOMETIMES = "sometimes"
DESCRIPTION = "description"


def sometimes(description: str | None = None) -> Any:
    """An output field a feed item may leave out (every other output field is always shown, its
    default when the record has no value)."""
    return attrs.field(default=None, metadata={SOMETIMES: True, DESCRIPTION: description})


# --- Input: what Odoo pushes ------------------------------------------------------------------------


@frozen
class PriceIn:
    pricelistExternalId: Key
    price: Number
    productExternalId: Key | None = None
    """Required at the top level (a key field); a product's embedded price inherits the product's."""
    currency: str | None = None
    minQuantity: Number | None = None


@frozen
class PurchaseOrderLineIn:
    productExternalId: Key
    quantity: Number
    priceUnit: Number


@frozen
class PurchaseOrderIn:
    externalId: Key
    name: str
    vendor: str
    state: str
    lines: list[PurchaseOrderLineIn]
    odooId: int | None = None
    data: Document | None = None


@frozen
class ProductIn:
    externalId: Key
    data: Document
    odooId: int | None = None
    prices: list[PriceIn] | None = None
    purchaseOrders: list[PurchaseOrderIn] | None = None


@frozen
class PartnerIn:
    externalId: Key
    data: Document
    odooId: int | None = None
    type: PartnerType | None = None
    externalParentId: Key | None = None


@frozen
class OdooSaleOrderIn:
    externalId: Key
    data: Document
    odooId: int | None = None


@frozen
class StockIn:
    supplierExternalId: Key
    productExternalId: Key
    quantity: Number


# --- Output: a feed item's fields of each entity (beyond key, version, deleted and, for the
# entities tracking fields, isNew, changedFields and data) ---------------------------------------------


@frozen
class DocumentOut:
    """A product or a sale order."""

    externalId: str
    odooId: int | None = None


@frozen
class PartnerOut:
    externalId: str
    odooId: int | None = None
    type: str | None = None
    externalParentId: str | None = None
    parentResolved: bool = True


@frozen
class PurchaseOrderOut:
    externalId: str
    name: str
    vendor: str
    state: str
    lines: list[PurchaseOrderLineIn]
    odooId: int | None = None


@frozen
class StockOut:
    supplierExternalId: str
    productExternalId: str
    quantity: float
    previousQuantity: float | None = None
    isQuantityChanged: bool = sometimes("The last change moved the quantity")


@frozen
class PriceOut:
    pricelistExternalId: str
    productExternalId: str
    price: float
    previousPrice: float | None = None
    currency: str | None = None
    minQuantity: float | None = sometimes()
    priceChanged: bool = sometimes("The last change moved the price")


def shown_defaults(output: type[Any]) -> dict[str, Any]:
    """What a feed item shows for an output field its record has no value for."""
    return {
        f.name: f.default
        for f in attrs.fields(output)
        if f.default is not attrs.NOTHING and not f.metadata.get(SOMETIMES)
    }
