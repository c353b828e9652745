"""Money amounts: Decimal, compared at the precision of their currency."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units that are not 2. Everything else compares at 2 decimals.
_MINOR_UNITS: dict[str, int] = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
}
DEFAULT_PRECISION = 2


def precision(currency: str | None) -> int:
    return _MINOR_UNITS.get((currency or "").upper(), DEFAULT_PRECISION)


def to_decimal(amount: int | float | Decimal | str) -> Decimal:
    """An exact Decimal of a JSON number (floats through their shortest repr, never binary noise)."""
    return amount if isinstance(amount, Decimal) else Decimal(str(amount))


def quantize(amount: int | float | Decimal | str, currency: str | None) -> Decimal:
    """``amount`` rounded half-up at the currency's precision: the value prices are compared by."""
    return to_decimal(amount).quantize(Decimal(1).scaleb(-precision(currency)), rounding=ROUND_HALF_UP)
