"""Normalization and field-level diffs of the JSON documents Odoo sends.

A document is flattened into *paths* (tuples of keys) that lead to *leaves*: every value that is
not a non-empty JSON object. Lists are leaves and are compared as a whole. Two documents differ at
a path when the normalized leaves differ there, or when the path exists in only one of them.

Normalization is what makes "no false change" hold: numbers compare by value (``10 == 10.0``),
booleans stay distinct from numbers (``True != 1``), and fields named in the volatile set (Odoo's
``write_date``, ``__last_update``) are left out of comparisons wherever they appear. The raw
document is never rewritten: it is stored and served exactly as sent.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

Path = tuple[str, ...]

DEFAULT_VOLATILE_FIELDS: frozenset[str] = frozenset({"write_date", "__last_update"})


def normalize(value: Any, volatile: frozenset[str] = frozenset()) -> Any:
    """Return the canonical form of a JSON value: equal documents get equal canonical forms.

    Exact JSON types (what ``json.loads`` produces) are handled inline, a leaf at a time with no
    call; anything else (a mapping, a tuple, a subclass, a ``Decimal``) by :func:`_other`.
    """
    kind = type(value)
    if kind is dict:
        return _canonical_dict(value, volatile)
    if kind is float:
        return int(value) if value.is_integer() else value  # False for NaN and infinities
    if kind is list or kind is tuple:
        return _canonical_list(value, volatile)
    if kind in _PLAIN:
        return value
    return _other(value, volatile)


def _other(value: Any, volatile: frozenset[str]) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else value
    if isinstance(value, Mapping):
        return {str(k): normalize(v, volatile) for k, v in value.items() if k not in volatile}
    if isinstance(value, (list, tuple)):
        return [normalize(v, volatile) for v in value]
    # Decimal and other numbers: compare by value through their exact float-free form.
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


_PLAIN = frozenset({str, int, bool, type(None)})


def _canonical_dict(node: dict[Any, Any], volatile: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in volatile:
            continue
        kind = type(value)
        if kind in _PLAIN:
            pass
        elif kind is float:
            value = int(value) if value.is_integer() else value
        elif kind is dict:
            value = _canonical_dict(value, volatile)
        else:
            value = normalize(value, volatile)
        out[key if type(key) is str else str(key)] = value
    return out


def _canonical_list(node: list[Any] | tuple[Any, ...], volatile: frozenset[str]) -> list[Any]:
    return [v if type(v) in _PLAIN else normalize(v, volatile) for v in node]


_SORTED = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False)
"""Compact JSON with sorted keys, non-ASCII kept; one encoder reused (``json.dumps`` builds one on
every call). No circular-reference check: JSON documents are trees (a cycle hits the recursion limit)."""


def _sorted_json(value: Any) -> str:
    return _SORTED.encode(value)


def canonical_json(value: Any, volatile: frozenset[str] = frozenset()) -> str:
    """Serialize the normalized value with sorted keys: the input of content hashes."""
    return _sorted_json(normalize(value, volatile))


def content_hash(value: Any, volatile: frozenset[str] = frozenset()) -> str:
    """A short, stable fingerprint of the normalized value (volatile fields left out)."""
    return hashlib.blake2b(canonical_json(value, volatile).encode(), digest_size=16).hexdigest()


def flatten(document: Mapping[str, Any], volatile: frozenset[str] = frozenset()) -> dict[Path, Any]:
    """Map every leaf path of ``document`` to its normalized value."""
    leaves: dict[Path, Any] = {}
    _flatten_into(leaves, (), document, volatile)
    return leaves


def _flatten_into(leaves: dict[Path, Any], prefix: Path, node: Mapping[str, Any], volatile: frozenset[str]) -> None:
    for key, value in node.items():
        if key in volatile:
            continue
        path = (*prefix, key if type(key) is str else str(key))
        kind = type(value)
        if kind in _PLAIN:
            leaves[path] = value
        elif (kind is dict or isinstance(value, Mapping)) and any(k not in volatile for k in value):
            _flatten_into(leaves, path, value, volatile)
        else:
            leaves[path] = normalize(value, volatile)


def diff_paths(
    old: Mapping[str, Any], new: Mapping[str, Any], volatile: frozenset[str] = frozenset()
) -> frozenset[Path]:
    """The leaf paths whose normalized values differ between ``old`` and ``new``."""
    old, new = _differing_parts(old, new)
    old_leaves = flatten(old, volatile)
    new_leaves = flatten(new, volatile)
    changed = {p for p, v in new_leaves.items() if p not in old_leaves or not same_leaf(old_leaves[p], v)}
    changed.update(p for p in old_leaves if p not in new_leaves)
    return frozenset(changed)


_MISSING = object()


def _differing_parts(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """``old`` and ``new`` without the top-level fields both hold identically (same JSON, same types).

    Such a field has the same leaves on both sides, so it cannot hold a changed path: leaving it
    out saves flattening and normalizing what is mostly an unchanged document.
    """
    if type(old) is not dict or type(new) is not dict:
        return old, new
    old_rest: dict[str, Any] = {}
    for key, value in old.items():
        if type(key) is not str:
            return old, new
        other = new.get(key, _MISSING)
        kind = type(value)
        if kind is type(other) and kind in _IDENTICAL_SCALARS:  # most fields: no call
            if value != other:
                old_rest[key] = value
        elif not _identical(value, other):
            old_rest[key] = value
    new_rest: dict[str, Any] = {}
    for key, value in new.items():
        if type(key) is not str:
            return old, new
        if key in old_rest or key not in old:
            new_rest[key] = value
    return old_rest, new_rest


def _identical(a: Any, b: Any) -> bool:
    """Equal as JSON with the very same types (so ``True`` is not ``1``, and ``1`` not ``1.0``)."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is dict:
        return len(a) == len(b) and all(type(k) is str and k in b and _identical(v, b[k]) for k, v in a.items())
    if kind is list:
        if len(a) != len(b):
            return False
        types = list(map(type, a))
        if _CONTAINERS.isdisjoint(types) and types == list(map(type, b)):  # a list of scalars: compare in C
            return bool(a == b) and _IDENTICAL_SCALARS.issuperset(types)
        return all(map(_identical, a, b))
    return kind in _IDENTICAL_SCALARS and a == b  # NaN is not identical to itself: the slow path decides


_IDENTICAL_SCALARS = frozenset({str, int, float, bool, type(None)})
_CONTAINERS = frozenset({list, dict})


def same_leaf(a: Any, b: Any) -> bool:
    """Equality of normalized leaves as JSON sees it (``True`` is not ``1``, ``[True]`` not ``[1]``)."""
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return _sorted_json(a) == _sorted_json(b)
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def dotted(paths: Iterable[Path]) -> list[str]:
    """Render paths as the sorted dotted names the HTTP API reports (``dimensions.width``)."""
    return sorted(".".join(p) for p in paths)


def all_paths(document: Mapping[str, Any]) -> frozenset[Path]:
    """Every leaf path of a document, volatile fields included (what a new record reports)."""
    return frozenset(flatten(document))


def apply_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], paths: Iterable[Path], volatile: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Rebuild a document from ``old`` with the values at ``paths`` taken from ``new``.

    This is the consumer's point of view: it holds ``old`` and is told which paths changed. The
    result equals ``new`` (after normalization, volatile fields aside) when ``paths`` is the diff.
    """
    leaves = flatten(old, volatile)
    new_leaves = flatten(new, volatile)
    paths = list(paths)
    for path in paths:  # first drop every old leaf on or under a changed path, then set the new ones
        for existing in [p for p in leaves if p[: len(path)] == path or path[: len(p)] == p]:
            del leaves[existing]
    leaves.update((path, new_leaves[path]) for path in paths if path in new_leaves)
    return unflatten(leaves)


def unflatten(leaves: Mapping[Path, Any]) -> dict[str, Any]:
    """Inverse of :func:`flatten` for normalized documents."""
    root: dict[str, Any] = {}
    for path, value in leaves.items():
        node = root
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[path[-1]] = value
    return root
