"""``atraxion odoo check``: whether the configured Odoo credentials work, and what they may read.

The same check runs when ``atraxion serve`` and ``atraxion worker`` start, so wrong credentials show
up as one clear log line at start-up rather than as every order failing later.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrs import frozen

from atraxion.domain.odoo_records import OdooIdentity
from atraxion.domain.pulled_models import PULLED_MODELS
from atraxion.ports.odoo_gateway import OdooGateway


@frozen
class ModelAccess:
    entity: str
    model: str
    readable: bool


@frozen
class OdooCheck:
    """Who the credentials are and which pulled models they may read."""

    identity: OdooIdentity
    access: tuple[ModelAccess, ...]

    @property
    def unreadable(self) -> tuple[ModelAccess, ...]:
        return tuple(a for a in self.access if not a.readable)

    @property
    def ok(self) -> bool:
        return not self.unreadable

    def summary(self) -> str:
        """One line: who, where, over what, and what cannot be read."""
        who = self.identity
        line = (
            f"Odoo {who.server_version} at {who.url} over {who.protocol}: user {who.login!r} (uid {who.uid}), "
            f"{len(self.access) - len(self.unreadable)}/{len(self.access)} pulled models readable"
        )
        if self.unreadable:
            line += "; cannot read " + ", ".join(f"{a.model} ({a.entity})" for a in self.unreadable)
        return line


def check_odoo(gateway: OdooGateway, models: Sequence[tuple[str, str]] = PULLED_MODELS) -> OdooCheck:
    """Check the credentials, then read access to each ``(entity, model)``.

    Raises :class:`~atraxion.domain.odoo_orders.PermanentOdooError` for wrong credentials or a
    wrong URL, :class:`~atraxion.domain.odoo_orders.TransientOdooError` when Odoo is unreachable.
    """
    identity = gateway.identity()
    access = tuple(ModelAccess(entity, model, gateway.can_read(model=model)) for entity, model in models)
    return OdooCheck(identity, access)
