"""What pulling reads from Odoo, in domain terms (no protocol's types).

A pull walks one model in ``(write_date, id)`` order. :class:`OdooPosition` is a place in that
order: "after this position" means a later ``write_date``, or the same ``write_date`` and a higher
id, so records sharing one ``write_date`` second are never skipped between two pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from attrs import frozen

from atraxion.domain.types import OdooRow


@frozen(order=True)
class OdooPosition:
    """A place in a model's ``(write_date, id)`` order."""

    write_date: str
    id: int

    def domain(self) -> list[Any]:
        """The Odoo domain of the records strictly after this position."""
        return [
            "|",
            ("write_date", ">", self.write_date),
            "&",
            ("write_date", "=", self.write_date),
            ("id", ">", self.id),
        ]

    def rewound(self, seconds: float) -> OdooPosition:
        """The position ``seconds`` earlier: everything written from then on is after it.

        A pull resumes from its stored position rewound by a safety overlap, because ``write_date``
        is a transaction's *start* (a record committed late can carry an older one) and travels as
        whole seconds.
        """
        then = datetime.strptime(self.write_date, WRITE_DATE_FORMAT) - timedelta(seconds=seconds)
        return OdooPosition(then.strftime(WRITE_DATE_FORMAT), 0)

    @classmethod
    def of(cls, row: OdooRow) -> OdooPosition:
        """The position of a row read by a pull (``write_date`` cut to whole seconds)."""
        return cls(str(row["write_date"])[:19], int(row["id"]))


WRITE_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


@frozen
class OdooIdentity:
    """Who the configured credentials are on which server, as ``atraxion odoo check`` prints it."""

    url: str
    database: str | None
    protocol: str
    """``json2`` or ``xmlrpc``: the protocol the gateway speaks to this server."""
    server_version: str
    uid: int
    login: str
    name: str


@frozen
class PullCursor:
    """How far an entity's pull got: the last position ingested, and when it was stored."""

    entity: str
    position: OdooPosition
    updated_at: datetime
