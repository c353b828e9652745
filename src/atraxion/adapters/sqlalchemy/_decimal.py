"""An exact decimal column: SQLite's NUMERIC goes through float, so Decimals are stored as text.

The text is ``str(Decimal)``, read back as the same Decimal on SQLite and MariaDB alike.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Dialect, String, TypeDecorator

DECIMAL_TEXT_LENGTH = 255


class ExactDecimal(TypeDecorator[Decimal]):
    impl = String(DECIMAL_TEXT_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)
