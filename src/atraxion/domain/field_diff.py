"""A field-by-field diff for people: each changed leaf with its value before and after."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

from atraxion.domain import diff


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
"""The value of a side that does not have the field."""


@frozen
class FieldChange:
    field: str
    """The dotted path, as ``changedFields`` names it."""
    before: Any
    after: Any


def field_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], volatile: frozenset[str] = frozenset()
) -> list[FieldChange]:
    """What differs between ``old`` and ``new`` (the same rule as ``changedFields``: numbers by
    value, volatile fields ignored), by path; a side without the field shows :data:`ABSENT`."""
    paths = diff.diff_paths(old, new, volatile)
    before, after = diff.flatten(old, volatile), diff.flatten(new, volatile)
    return [FieldChange(".".join(path), before.get(path, ABSENT), after.get(path, ABSENT)) for path in sorted(paths)]
