"""Bounds that every layer enforces alike, written once."""

from typing import TypeGuard

MAX_ID = 2**63 - 1
"""The largest id or version: the databases' BIGINT. A larger one cannot exist and must not reach SQL."""

MAX_LIMIT = 1000
"""The largest page any list or feed answers (``limit``)."""


def is_odoo_id(value: object) -> TypeGuard[int]:
    """An Odoo record id: a whole number from 1 to :data:`MAX_ID` (``True`` is a bool, not record 1)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID
