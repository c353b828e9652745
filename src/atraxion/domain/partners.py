"""The partner hierarchy: main company > billing / delivery addresses > contacts.

Partners link to their parent by ``externalParentId`` and may arrive in any order. The rules here
are pure and work on *links*: a mapping from a partner's key to its parent's key (``None`` for a
partner without a parent). A key that is absent from the links is not stored (yet).

* A child whose parent is not stored is kept, with ``parentResolved`` false; it becomes true when
  the parent arrives. Resolution is derived data: it never counts as a change for consumers.
* A ``main`` partner has no parent, and no push may close a cycle (a partner its own ancestor).
* The tree of a partner is the hierarchy of its top-most stored ancestor, children sorted by key.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from attrs import frozen

from atraxion.domain.errors import FieldError

PARTNER_TYPES = ("main", "billing", "delivery", "contact", "other")
PARENT_FIELD = "externalParentId"
RESOLVED_FIELD = "parentResolved"

_FROM_ODOO = {"invoice": "billing", "delivery": "delivery", "other": "other"}

Links = Mapping[str, str | None]


def derive_partner_type(data: Mapping[str, Any], *, has_parent: bool) -> str:
    """Our type from Odoo's ``res.partner.type`` when the push does not say: ``invoice`` → billing,
    ``delivery`` → delivery, ``other`` → other, a contact with a parent → contact, else main."""
    odoo_type = data.get("type")
    if isinstance(odoo_type, str) and odoo_type in _FROM_ODOO:
        return _FROM_ODOO[odoo_type]
    return "contact" if has_parent else "main"


@frozen
class PartnerLink:
    """What the hierarchy rules need of one pushed partner."""

    key: str
    type: str | None
    parent: str | None

    @classmethod
    def of(cls, key: str, envelope: Mapping[str, Any]) -> PartnerLink:
        parent = envelope.get(PARENT_FIELD)
        return cls(key, envelope.get("type"), parent if isinstance(parent, str) else None)


def missing_ancestors(links: Links, absent: Collection[str] = ()) -> set[str]:
    """Parents named in ``links`` whose own link is not known yet (and not known to be ``absent``,
    i.e. not stored): the next level to look up when following every chain upwards, one level
    (one query) at a time."""
    return {p for p in links.values() if p is not None and p not in links and p not in absent}


def cycle_from(start: str, links: Links) -> list[str] | None:
    """The cycle reached by following parents from ``start`` (``[a, b, a]``), or None.

    A chain ends at a partner without a parent or at a parent that is not stored.
    """
    path: list[str] = []
    seen: dict[str, int] = {}
    node: str | None = start
    while node is not None and node in links:
        if node in seen:
            return [*path[seen[node] :], node]
        seen[node] = len(path)
        path.append(node)
        node = links[node]
    return None


def hierarchy_errors(pushed: Sequence[PartnerLink], links: Links) -> list[FieldError]:
    """Every rule the pushed partners break, given ``links`` (stored links with the push applied,
    covering every ancestor of the pushed partners).

    Errors name the partner's key; the ingest use case turns it into the batch index.
    """
    errors: list[FieldError] = []
    reported: set[str] = set()
    for link in sorted(pushed, key=lambda p: p.key):
        if link.type == "main" and link.parent is not None:
            message = f"partner {link.key!r} is of type 'main' and cannot have a parent"
            errors.append(FieldError(None, PARENT_FIELD, message, link.key))
            continue
        if link.key in reported:
            continue
        cycle = cycle_from(link.key, links)
        if cycle is not None and link.key in cycle:
            reported.update(cycle)
            errors.append(
                FieldError(
                    None,
                    PARENT_FIELD,
                    f"partner {link.key!r} cannot have parent {link.parent!r}: "
                    f"that closes the cycle {' -> '.join(cycle)}",
                    link.key,
                )
            )
    return errors


def resolution(pushed: Iterable[PartnerLink], stored: Collection[str]) -> dict[str, bool]:
    """``parentResolved`` of each pushed partner: true without a parent or when it is stored."""
    return {link.key: link.parent is None or link.parent in stored for link in pushed}


def top_of(key: str, links: Links) -> str:
    """The top-most stored ancestor of ``key`` (``key`` itself without a stored parent)."""
    seen = {key}
    node = key
    while (parent := links.get(node)) is not None and parent in links and parent not in seen:
        seen.add(parent)
        node = parent
    return node


@frozen
class PartnerNode:
    """One partner of a hierarchy with its children, sorted by key."""

    external_id: str
    type: str | None
    data: Mapping[str, Any]
    children: tuple[PartnerNode, ...] = ()

    def keys(self) -> list[str]:
        """Every key of this subtree, depth first (without recursion: chains may be deep)."""
        found, stack = [], [self]
        while stack:
            node = stack.pop()
            found.append(node.external_id)
            stack.extend(reversed(node.children))
        return found


def build_tree(
    root: str, children: Mapping[str, Collection[str]], partners: Mapping[str, tuple[str | None, Mapping[str, Any]]]
) -> PartnerNode:
    """The subtree under ``root``; ``children`` maps a key to its children's keys and ``partners``
    a key to its ``(type, data)``. A key met twice is not expanded again (no cycle can loop).

    Built level by level and then bottom-up, without recursion: a chain of partners may be far
    deeper than Python's recursion limit."""
    order, seen = [root], {root}
    kids_of: dict[str, list[str]] = {}
    for key in order:  # grows while it is walked: breadth first
        kids = sorted(k for k in children.get(key, ()) if k not in seen and k in partners)
        seen.update(kids)
        kids_of[key] = kids
        order.extend(kids)
    built: dict[str, PartnerNode] = {}
    for key in reversed(order):  # children before their parents
        kind, data = partners[key]
        built[key] = PartnerNode(key, kind, data, tuple(built.pop(k) for k in kids_of[key]))
    return built[root]
