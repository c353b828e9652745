"""Odoo search domains: parsing the prefix notation and evaluating it against in-memory records.

A domain is a list of leaves ``(field, operator, value)`` and the prefix operators ``'&'``, ``'|'``
(binary) and ``'!'`` (unary); consecutive terms are implicitly and-ed. Dotted paths follow
relations, matching when any related record matches (as Odoo's subqueries do). Negative operators
(``!=``, ``not in``, ``not like``, ``not ilike``) are the exact complement of their positive
forms, so records with an empty value match them, as ``OR field IS NULL`` does in Odoo's SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Protocol

from attrs import frozen

from atraxion.testing.odoo_sim._schema import FieldSpec

Predicate = Callable[[int], bool]

OPERATORS = frozenset(
    {"=", "!=", "<>", ">", ">=", "<", "<=", "in", "not in", "like", "not like", "ilike", "not ilike",
     "=like", "=ilike", "child_of", "parent_of"}
)  # fmt: skip
_NEGATIONS = {"!=": "=", "<>": "=", "not in": "in", "not like": "like", "not ilike": "ilike"}
_TRUE_LEAF = (1, "=", 1)
_FALSE_LEAF = (0, "=", 1)


class RecordSource(Protocol):
    """What evaluation needs from the store (one lock is held by the caller throughout)."""

    def field(self, model: str, name: str) -> FieldSpec: ...

    def value(self, model: str, record_id: int, name: str) -> Any:
        """Internal value: None when empty, an id for many2one, a list of ids for x2many."""

    def display_name(self, model: str, record_id: int) -> str: ...

    def hierarchy(self, model: str, ids: Iterable[int], *, down: bool) -> set[int]:
        """``ids`` with all their descendants (``down``) or ancestors, through ``parent_id``."""


@frozen
class Leaf:
    path: str
    operator: str
    value: Any


@frozen
class And:
    children: tuple[Node, ...]


@frozen
class Or:
    children: tuple[Node, ...]


@frozen
class Not:
    child: Node


@frozen
class Const:
    value: bool


Node = Leaf | And | Or | Not | Const


def parse(domain: Sequence[Any]) -> Node:
    """The tree of a domain; ValueError (a Fault 1 over RPC, as in Odoo) when it is malformed."""
    if not isinstance(domain, (list, tuple)):
        raise ValueError(f"Invalid domain {domain!r}")
    items = list(domain)
    position = 0

    def term() -> Node:
        nonlocal position
        if position >= len(items):
            raise ValueError(f"Domain {domain!r} is syntactically not correct.")
        token = items[position]
        position += 1
        if token == "&":
            return And((term(), term()))
        if token == "|":
            return Or((term(), term()))
        if token == "!":
            return Not(term())
        return _leaf(token)

    terms: list[Node] = []
    while position < len(items):
        terms.append(term())
    return terms[0] if len(terms) == 1 else And(tuple(terms))


def _leaf(token: object) -> Node:
    if not isinstance(token, (list, tuple)) or len(token) != 3:
        raise ValueError(f"Invalid leaf {token!r}")
    path, operator, value = token
    if tuple(token) == _TRUE_LEAF:
        return Const(True)
    if tuple(token) == _FALSE_LEAF:
        return Const(False)
    if not isinstance(path, str) or not isinstance(operator, str) or operator.lower() not in OPERATORS:
        raise ValueError(f"Invalid leaf {tuple(token)!r}")
    return Leaf(path, operator.lower(), value)


def mentions(node: Node, field: str) -> bool:
    """Whether a leaf of ``node`` is on ``field`` (Odoo then skips its implicit ``active`` filter)."""
    if isinstance(node, Leaf):
        return node.path.split(".")[0] == field
    if isinstance(node, (And, Or)):
        return any(mentions(child, field) for child in node.children)
    if isinstance(node, Not):
        return mentions(node.child, field)
    return False


def compile_node(node: Node, model: str, source: RecordSource) -> Predicate:
    """A predicate on record ids of ``model``; unknown fields raise ValueError right away."""
    if isinstance(node, Const):
        constant = node.value
        return lambda _id: constant
    if isinstance(node, Not):
        inner = compile_node(node.child, model, source)
        return lambda record_id: not inner(record_id)
    if isinstance(node, And):
        parts = [compile_node(child, model, source) for child in node.children]
        return lambda record_id: all(part(record_id) for part in parts)
    if isinstance(node, Or):
        parts = [compile_node(child, model, source) for child in node.children]
        return lambda record_id: any(part(record_id) for part in parts)
    return _compile_leaf(node, model, source)


def _compile_leaf(leaf: Leaf, model: str, source: RecordSource) -> Predicate:
    if leaf.operator in _NEGATIONS:
        positive = _compile_leaf(Leaf(leaf.path, _NEGATIONS[leaf.operator], leaf.value), model, source)
        return lambda record_id: not positive(record_id)
    head, _, rest = leaf.path.partition(".")
    spec = _field(source, model, head, leaf)
    if rest:
        if spec.relation is None:
            raise ValueError(f"Invalid path {leaf.path!r} in leaf {_show(leaf)}: {model}.{head} is no relation")
        inner = _compile_leaf(Leaf(rest, leaf.operator, leaf.value), spec.relation, source)
        return lambda record_id: any(inner(i) for i in _related_ids(source, model, record_id, head))
    if leaf.operator in ("child_of", "parent_of"):
        return _compile_hierarchy(leaf, model, spec, source)
    if spec.relation is not None:
        return _compile_relational(leaf, model, spec, source)
    if spec.type in ("date", "datetime"):
        leaf = Leaf(leaf.path, leaf.operator, moment_text(leaf.value, spec.type))
    test = _scalar_test(leaf)
    name = spec.name
    if name == "id":
        return test
    return lambda record_id: test(source.value(model, record_id, name))


def _compile_hierarchy(leaf: Leaf, model: str, spec: FieldSpec, source: RecordSource) -> Predicate:
    target = model if spec.name == "id" else spec.relation
    if target is None:
        raise ValueError(f"Invalid leaf {_show(leaf)}: {leaf.operator} needs a relation")
    roots = [leaf.value] if isinstance(leaf.value, int) else leaf.value or []
    if not isinstance(roots, (list, tuple)) or not all(isinstance(r, int) for r in roots):
        raise ValueError(f"Invalid leaf {_show(leaf)}: {leaf.operator} takes ids")
    allowed = source.hierarchy(target, roots, down=leaf.operator == "child_of")
    name = spec.name
    if name == "id":
        return lambda record_id: record_id in allowed
    return lambda record_id: any(i in allowed for i in _related_ids(source, model, record_id, name))


def _compile_relational(leaf: Leaf, model: str, spec: FieldSpec, source: RecordSource) -> Predicate:
    name, relation = spec.name, spec.relation
    assert relation is not None
    by_name = isinstance(leaf.value, str) or (
        isinstance(leaf.value, (list, tuple)) and any(isinstance(v, str) for v in leaf.value)
    )
    test = _scalar_test(leaf)
    empty = _matches_empty(leaf)

    def predicate(record_id: int) -> bool:
        related = _related_ids(source, model, record_id, name)
        if not related:
            return empty
        keys = [source.display_name(relation, i) for i in related] if by_name else related
        return any(test(key) for key in keys)

    return predicate


def _related_ids(source: RecordSource, model: str, record_id: int, name: str) -> list[int]:
    value = source.value(model, record_id, name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _matches_empty(leaf: Leaf) -> bool:
    if leaf.operator == "=":
        return leaf.value is False or leaf.value is None
    if leaf.operator == "in":
        return any(v is False or v is None for v in _as_list(leaf.value))
    return False


def _scalar_test(leaf: Leaf) -> Callable[[Any], bool]:
    operator, wanted = leaf.operator, leaf.value
    if operator == "=":
        if wanted is False or wanted is None:
            return lambda value: value is None or value is False or value == ""
        return lambda value: value is not None and value == wanted
    if operator == "in":
        options = _as_list(wanted)
        with_empty = any(v is False or v is None for v in options)
        present: Collection[Any] = [v for v in options if v is not False and v is not None]
        try:
            present = frozenset(present)  # a long `in` list costs one hash per record, not a scan
        except TypeError:
            pass
        return lambda value: (
            (with_empty and (value is None or value is False)) or (value is not None and value in present)
        )
    if operator in ("<", "<=", ">", ">="):
        compare = _COMPARISONS[operator]
        return lambda value: value is not None and value is not False and compare(value, wanted)
    if operator in ("like", "ilike", "=like", "=ilike"):
        if operator in ("like", "ilike"):
            # Odoo wraps the value in % and escapes nothing else for like/ilike.
            match = like_matcher(f"%{_escape_like(str(wanted))}%", operator == "ilike")
        else:
            match = like_matcher(str(wanted), operator == "=ilike")
        return lambda value: value is not None and value is not False and match(str(value))
    raise ValueError(f"Invalid operator {operator!r} in leaf {_show(leaf)}")


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


def moment_text(value: Any, kind: str) -> Any:
    """Dates and datetimes compare as their stored text; a client may send either form."""
    if isinstance(value, (list, tuple)):
        return [moment_text(item, kind) for item in value]
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if kind == "datetime" else "%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return value


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_matcher(pattern: str, ignore_case: bool) -> Callable[[str], bool]:
    """SQL LIKE (``%`` any run, ``_`` any one character, backslash escapes), matched without
    backtracking: the pattern splits at ``%`` into fixed-length pieces; the first must start the
    text, the last end it, the others are found leftmost in order (which is exact for such
    pieces). So ``"%" * 7 + "Q"`` costs one pass, not minutes; a value costs O(len × pattern)."""
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"A LIKE pattern is at most {MAX_PATTERN} characters, not {len(pattern)}")
    pieces: list[list[str]] = [[]]
    escaped = False
    for char in pattern:
        if escaped:
            pieces[-1].append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            pieces.append([])
        elif char == "_":
            pieces[-1].append(".")
        else:
            pieces[-1].append(re.escape(char))
    if escaped:
        pieces[-1].append(re.escape("\\"))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    compiled = [re.compile("".join(piece), flags) for piece in pieces]
    sizes = [len(piece) for piece in pieces]
    if len(compiled) == 1:
        only = compiled[0]
        return lambda text: only.fullmatch(text) is not None
    first, middle, last = compiled[0], list(zip(compiled[1:-1], sizes[1:-1], strict=True)), compiled[-1]
    needed = sum(sizes)

    def matches(text: str) -> bool:
        if len(text) < needed or first.match(text) is None:
            return False
        position, tail = sizes[0], len(text) - sizes[-1]
        if last.fullmatch(text, tail) is None:
            return False
        for piece, size in middle:
            if not size:
                continue
            found = piece.search(text, position, tail)
            if found is None:
                return False
            position = found.end()
        return True

    return matches


MAX_PATTERN = 1000
"""The longest LIKE pattern a domain may hold (Odoo has no limit; this keeps a call bounded)."""


def _field(source: RecordSource, model: str, name: str, leaf: Leaf) -> FieldSpec:
    try:
        return source.field(model, name)
    except KeyError:
        raise ValueError(f"Invalid field {model}.{name} in leaf {_show(leaf)}") from None


def _show(leaf: Leaf) -> str:
    return repr((leaf.path, leaf.operator, leaf.value))


__all__ = [
    "And",
    "Const",
    "Leaf",
    "Node",
    "Not",
    "Or",
    "RecordSource",
    "compile_node",
    "mentions",
    "moment_text",
    "parse",
]
