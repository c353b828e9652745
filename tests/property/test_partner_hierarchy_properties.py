"""The partner hierarchy does not depend on arrival order, and never holds a cycle.

A forest of partners is generated, then pushed in a random order split into random batches. After
every batch each pushed partner is resolved exactly when its parent was pushed; at the end the
stored links, the flags and every partner's tree equal the forest's own, whatever the order.
Examples share one database per test, so every example works under keys of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atraxion.application import feed
from atraxion.application.ingest import ingest
from atraxion.application.partners import partner_tree
from atraxion.bootstrap import Atraxion
from atraxion.domain.errors import InvalidBatch
from atraxion.domain.partners import PartnerNode, cycle_from
from atraxion.entrypoints.inbound import parse_push

Forest = dict[str, str | None]  # key → parent key
EXAMPLES = {"memory": 100, "sqlite": 40, "mariadb": 5, "postgresql": 5}
CHILD_TYPES = ("billing", "delivery", "contact", "other")
_runs = itertools.count()


@st.composite
def forests(draw: st.DrawFn) -> Forest:
    """Up to 10 partners, each the child of an earlier one or a root, under shuffled names (so
    the names do not give a parents-first order away)."""
    size = draw(st.integers(1, 10))
    parents = [None if i == 0 else draw(st.none() | st.integers(0, i - 1)) for i in range(size)]
    names = draw(st.permutations([f"N{i}" for i in range(size)]))
    return {names[i]: None if p is None else names[p] for i, p in enumerate(parents)}


@st.composite
def arrivals(draw: st.DrawFn, forest: Forest) -> list[list[str]]:
    """The forest's keys in any order, cut into batches anywhere."""
    order = draw(st.permutations(sorted(forest)))
    cuts = draw(st.lists(st.booleans(), min_size=len(order) - 1, max_size=len(order) - 1))
    batches, current = [], [order[0]]
    for key, cut in zip(order[1:], cuts, strict=True):
        if cut:
            batches.append(current)
            current = []
        current.append(key)
    return [*batches, current]


def record(prefix: str, key: str, forest: Forest, child_type: str) -> dict[str, Any]:
    parent = forest[key]
    body: dict[str, Any] = {
        "externalId": prefix + key,
        "type": "main" if parent is None else child_type,
        "data": {"name": key, "parent_id": parent or False},
    }
    if parent is not None:
        body["externalParentId"] = prefix + parent
    return body


def expected_tree(forest: Forest, key: str) -> Any:
    """(key, type is main, [children]) of ``key``'s subtree, children sorted by key."""
    kids = sorted(k for k, p in forest.items() if p == key)
    return (key, forest[key] is None, [expected_tree(forest, k) for k in kids])


def actual_tree(node: PartnerNode, prefix: str) -> Any:
    return (node.external_id.removeprefix(prefix), node.type == "main", [actual_tree(c, prefix) for c in node.children])


def root_of(forest: Forest, key: str) -> str:
    while (parent := forest[key]) is not None:
        key = parent
    return key


def run_examples(atraxion: Atraxion, backend: str, check: Callable[..., None], **strategies: Any) -> None:
    @settings(
        max_examples=EXAMPLES[backend],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        check(atraxion, f"r{next(_runs)}-", data)

    run()


def _any_order_gives_the_same_hierarchy(atraxion: Atraxion, prefix: str, data: st.DataObject) -> None:
    ctx = atraxion.context
    forest = data.draw(forests(), "forest")
    batches = data.draw(arrivals(forest), "batches")
    child_type = data.draw(st.sampled_from(CHILD_TYPES), "child type")
    pushed: set[str] = set()
    for batch in batches:
        records = [record(prefix, key, forest, child_type) for key in batch]
        ingest(ctx, parse_push("partners", {"records": records}))
        pushed.update(batch)
        for key in pushed:
            parent = forest[key]
            view = feed.get_record(ctx, "partners", "webshop", prefix + key)
            assert view.item.record.derived["parentResolved"] is (parent is None or parent in pushed), key
            assert view.item.record.version == 1  # resolving a parent never bumps a version

    keys = [prefix + k for k in forest]
    links = ctx.transaction(lambda uow: uow.partners.parents(keys))
    assert links == {prefix + k: None if p is None else prefix + p for k, p in forest.items()}
    assert all(cycle_from(k, links) is None for k in keys)
    for key in forest:
        tree = partner_tree(ctx, prefix + key)
        assert actual_tree(tree, prefix) == expected_tree(forest, root_of(forest, key))


def test_any_arrival_order_gives_the_same_hierarchy(atraxion: Atraxion, backend: str) -> None:
    run_examples(atraxion, backend, _any_order_gives_the_same_hierarchy)


def descendants(forest: Forest, key: str) -> set[str]:
    found = {key}
    while more := {k for k, p in forest.items() if p in found and k not in found}:
        found |= more
    return found


def _moves_never_create_cycles(atraxion: Atraxion, prefix: str, data: st.DataObject) -> None:
    ctx = atraxion.context
    forest = data.draw(forests(), "forest")
    ingest(ctx, parse_push("partners", {"records": [record(prefix, k, forest, "contact") for k in forest]}))
    moved = data.draw(st.sampled_from(sorted(forest)), "moved")
    target = data.draw(st.sampled_from(sorted(forest)), "new parent")
    move = {"externalId": prefix + moved, "type": "contact", "externalParentId": prefix + target, "data": {}}
    if target in descendants(forest, moved):
        try:
            ingest(ctx, parse_push("partners", {"records": [move]}))
            raise AssertionError(f"moving {moved} under its descendant {target} was accepted")
        except InvalidBatch as rejected:
            assert [e.field for e in rejected.errors] == ["externalParentId"]
    else:
        ingest(ctx, parse_push("partners", {"records": [move]}))
        forest = {**forest, moved: target}
    keys = [prefix + k for k in forest]
    links = ctx.transaction(lambda uow: uow.partners.parents(keys))
    assert links == {prefix + k: None if p is None else prefix + p for k, p in forest.items()}
    assert all(cycle_from(k, links) is None for k in keys)
    tree = partner_tree(ctx, prefix + moved)
    assert actual_tree(tree, prefix)[0] == root_of(forest, moved)


def test_a_move_is_accepted_exactly_when_it_closes_no_cycle(atraxion: Atraxion, backend: str) -> None:
    run_examples(atraxion, backend, _moves_never_create_cycles)
