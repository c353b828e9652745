"""A stale ack still counts as processed: a consumer that applied version 2 of a record, whose ack
arrived after Odoo reverted the record to what it acknowledged before, gets the record again with
the reverted fields, on every backend (see docs/concepts.md, "A stale ack still counts as processed")."""

from __future__ import annotations

import attrs

from atraxion.application import feed, tokens
from atraxion.application.ingest import Batch, ingest
from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.domain.feed import AckOutcome
from atraxion.domain.records import Incoming

SHOP = "webshop"


def _push(atraxion: Atraxion, **data: object) -> int:
    (plan,) = ingest(atraxion.context, [Batch("products", [Incoming("P1", {"externalId": "P1"}, data)])])
    (result,) = plan.results
    assert result.version is not None
    return result.version


def _pending(atraxion: Atraxion) -> list[tuple[str, int, bool, list[str]]]:
    page = feed.changes(atraxion.context, "products", SHOP, None, 10)
    return [(i.record.key, i.record.version, i.is_new, i.changed_fields) for i in page.items]


def _ack(atraxion: Atraxion, version: int) -> AckOutcome:
    return feed.acknowledge(atraxion.context, "products", SHOP, [("P1", version)]).outcomes["P1"]


def _registered(atraxion: Atraxion) -> Atraxion:
    tokens.create_token(atraxion.context, SHOP, frozenset({Scope.WEBSHOP_READ, Scope.WEBSHOP_ACK}), SHOP)
    return atraxion


def test_a_revert_between_poll_and_ack_is_delivered(atraxion: Atraxion) -> None:
    _registered(atraxion)
    v1 = _push(atraxion, name="Desk", price=10, color="oak")
    assert _ack(atraxion, v1) is AckOutcome.ACKED
    v2 = _push(atraxion, name="Desk", price=12, color="oak")
    assert _pending(atraxion) == [("P1", v2, False, ["price"])]  # the shop polls and applies price 12…
    v3 = _push(atraxion, name="Desk", price=10, color="oak")  # …and Odoo reverts it meanwhile
    assert _pending(atraxion) == []  # by content alone, nothing the shop acknowledged differs
    assert _ack(atraxion, v2) is AckOutcome.STALE  # the shop's ack of what it applied
    assert _pending(atraxion) == [("P1", v3, False, ["price"])]  # so it gets price 10 back

    v4 = _push(atraxion, name="Table", price=10, color="oak")  # still unsure until a current ack
    assert _pending(atraxion) == [("P1", v4, False, ["name", "price"])]
    assert _ack(atraxion, v4) is AckOutcome.ACKED
    assert _pending(atraxion) == []
    v5 = _push(atraxion, name="Desk", price=10, color="oak")
    assert _pending(atraxion) == [("P1", v5, False, ["name"])]  # measured from the exact ack again


def test_stale_acks_that_say_nothing_new_change_nothing(atraxion: Atraxion) -> None:
    _registered(atraxion)
    v1 = _push(atraxion, name="Desk", price=10)
    v2 = _push(atraxion, name="Desk", price=12)
    assert _ack(atraxion, v2) is AckOutcome.ACKED
    v3 = _push(atraxion, name="Desk", price=14)
    for version in (v1, v2, v3 + 1):  # older than the acknowledged one, the acked one, not yet existing
        assert _ack(atraxion, version) is AckOutcome.STALE
        assert _pending(atraxion) == [("P1", v3, False, ["price"])]
    v4 = _push(atraxion, name="Desk", price=12)  # reverted to the acknowledged content: not pending
    assert _pending(atraxion) == []
    assert _ack(atraxion, v4 - 1) is AckOutcome.STALE  # v3, newer than the ack: the shop applied 14
    assert _pending(atraxion) == [("P1", v4, False, ["price"])]


def test_without_history_every_field_is_unsure(atraxion: Atraxion) -> None:
    app = _registered(attrs.evolve(atraxion, context=attrs.evolve(atraxion.context, history_versions=0)))
    v1 = _push(app, name="Desk", price=10, color="oak")
    assert _ack(app, v1) is AckOutcome.ACKED
    v2 = _push(app, name="Desk", price=12, color="oak")
    v3 = _push(app, name="Desk", price=10, color="oak")
    assert _ack(app, v2) is AckOutcome.STALE
    assert _pending(app) == [("P1", v3, False, ["color", "name", "price"])]
