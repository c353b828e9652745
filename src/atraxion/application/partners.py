"""The partner hierarchy: linking partners as they arrive, in any order, and reading a tree."""

from __future__ import annotations

from collections.abc import Sequence

from atraxion.application.context import Context
from atraxion.domain.errors import InvalidBatch, NotFound
from atraxion.domain.partners import (
    PartnerLink,
    PartnerNode,
    build_tree,
    hierarchy_errors,
    missing_ancestors,
    resolution,
    top_of,
)
from atraxion.domain.records import StoredRecord
from atraxion.ports.unit_of_work import IngestUnitOfWork

ENTITY = "partners"


def link_partners(ctx: Context[IngestUnitOfWork], uow: IngestUnitOfWork, changed: Sequence[StoredRecord]) -> None:
    """After-ingest hook of ``partners``: check the pushed links, then record ``parentResolved``
    of the pushed partners and of the stored children that were waiting for them.

    Raises InvalidBatch (the whole push is rolled back) when a ``main`` partner names a parent or a
    link closes a cycle. Resolution is derived: waiting children flip without a version bump and
    without becoming pending again (see docs/partners.md). A deleted partner is not stored as far
    as the hierarchy goes: its children flip to unresolved (and back when it is re-created).
    """
    gone = [r.key for r in changed if r.deleted]
    if gone:
        orphans = uow.partners.children(gone)
        uow.partners.set_resolved(dict.fromkeys(orphans, False))
    pushed = [PartnerLink.of(r.key, r.envelope) for r in changed if not r.deleted]
    if not pushed:
        return
    links: dict[str, str | None] = {p.key: p.parent for p in pushed}
    # Locked reads: two concurrent pushes that could close a cycle or resolve each other serialize.
    absent = _add_ancestors(uow, links, lock=True)
    errors = hierarchy_errors(pushed, links)
    if errors:
        raise InvalidBatch(errors)
    resolved = resolution(pushed, links.keys() - absent)
    waiting = uow.partners.unresolved_children([p.key for p in pushed], lock=True)
    uow.partners.set_resolved({**dict.fromkeys(waiting, True), **resolved})


def partner_tree(ctx: Context[IngestUnitOfWork], external_id: str) -> PartnerNode:
    """The whole hierarchy ``external_id`` belongs to, from its top-most stored ancestor down.

    Raises NotFound for an unknown or deleted partner; deleted partners are in no tree.
    """

    def work(uow: IngestUnitOfWork) -> PartnerNode:
        links = uow.partners.parents([external_id])
        if external_id not in links:
            raise NotFound(f"no partners record {external_id!r}")
        _add_ancestors(uow, links, lock=False)
        root = top_of(external_id, links)
        children: dict[str, list[str]] = {}
        seen, level = {root}, [root]
        while level:  # one query per level of the tree
            found = uow.partners.children(level)
            level = sorted(k for k in found if k not in seen)
            seen.update(level)
            for child in level:
                children.setdefault(found[child], []).append(child)
        records = uow.records.load(ENTITY, sorted(seen))
        partners = {k: (r.envelope.get("type"), r.data) for k, r in records.items()}
        return build_tree(root, children, partners)

    return ctx.transaction(work)


def _add_ancestors(uow: IngestUnitOfWork, links: dict[str, str | None], *, lock: bool) -> set[str]:
    """Extend ``links`` with every stored ancestor, one query per level; returns the parents
    named that are not stored."""
    absent: set[str] = set()
    while frontier := missing_ancestors(links, absent):
        found = uow.partners.parents(sorted(frontier), lock=lock)
        links.update(found)
        absent.update(frontier - found.keys())
    return absent
