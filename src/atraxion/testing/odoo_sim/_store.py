"""The simulator's database: records in memory, one lock, and an undo journal per call.

Each RPC call runs in :meth:`Store.transaction`: either all its changes stay or none do, as in
one PostgreSQL transaction. Sequences (order names, ids) are not rolled back, as in PostgreSQL.
As in Odoo, ``create_date``/``write_date`` are the transaction's start time (whole seconds, UTC):
every record a call creates or writes gets the same one, whatever the order of its commit.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import math
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from attrs import frozen

from atraxion.testing.odoo_sim import _business as business
from atraxion.testing.odoo_sim import _ordering as ordering
from atraxion.testing.odoo_sim._domains import And, Leaf, Node, Or, compile_node, mentions, moment_text, parse
from atraxion.testing.odoo_sim._errors import (
    QueryCanceled,
    UserError,
    ValidationError,
    missing_record,
    not_null_violation,
)
from atraxion.testing.odoo_sim._schema import LOG_ACCESS_COLUMNS, FieldSpec, ModelSpec, build_models
from atraxion.testing.odoo_sim._values import DATETIME_FORMAT, convert, present, to_read

logger = logging.getLogger(__name__)

Record = dict[str, Any]
# An undo entry: ("insert", model, id) | ("assign", model, id, field, old) | ("remove", model, id, record)
# | ("change", model, id, action, row): a change for the commit listener, nothing to undo.
_Undo = tuple[Any, ...]
_KEYSET = [("write_date", False), ("id", False)]
_BY_ID = [("id", False)]
SEARCH_BUDGET = 4.0
"""Seconds a call may spend scanning records before it is canceled (PostgreSQL's statement
timeout), so that every call answers or faults within 5 s."""


@frozen
class Change:
    """A committed create, write, archive, unarchive or unlink of one record, for a listener.

    ``row`` is the record as ``read(watched fields, load=None)`` gave it: after the change, or
    for an unlink just before it."""

    model: str
    id: int
    action: str
    row: Mapping[str, Any]


class Store:
    """All records of all simulated models. Use only inside :meth:`transaction` (it holds the lock)."""

    def __init__(self, version: int = 17) -> None:
        self.version = version
        self.models = build_models(version)
        self.lock = threading.RLock()
        self.uid = 1
        self._records: dict[str, dict[int, Record]] = {name: {} for name in self.models}
        self._next_id: dict[str, int] = defaultdict(lambda: 1)
        self._sequences: dict[str, int] = defaultdict(int)
        # (model, many2one field) -> target id -> ids of records pointing at it
        self._refs: dict[tuple[str, str], dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        self._many2ones = {
            name: [f.name for f in spec.fields.values() if f.type == "many2one" and f.stored]
            for name, spec in self.models.items()
        }
        # model -> the stored many2one fields of other models that point at it, for unlink
        self._incoming: dict[str, list[tuple[str, FieldSpec]]] = defaultdict(list)
        for other in self.models.values():
            for field in other.fields.values():
                if field.type == "many2one" and field.stored and field.relation is not None:
                    self._incoming[field.relation].append((other.name, field))
        # model -> its (write_date, id) pairs in order; dropped on any change, rebuilt when a search needs it
        self._keysets: dict[str, list[tuple[str, int]]] = {}
        self._journal: list[_Undo] | None = None
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.now = self._stamp()
        self.budget = SEARCH_BUDGET
        self._deadline = math.inf
        # Changes of these models are handed to ``on_commit`` once their transaction commits.
        # model -> the fields a listener reads of each change (the row carries ``id`` and those)
        self.watched: Mapping[str, Sequence[str]] = {}
        self.on_commit: Callable[[list[Change]], None] | None = None
        self._notify = True
        with self.transaction(uid=1, notify=False):
            business.install_base_data(self)

    def _stamp(self) -> str:
        return self.clock().strftime(DATETIME_FORMAT)

    @contextmanager
    def transaction(self, uid: int, *, notify: bool = True) -> Iterator[Store]:
        """Lock the store for one call as ``uid``; undo every change if the call raises.

        With ``notify=False`` (seeding) the transaction's changes reach no listener."""
        with self.lock:
            outer, outer_uid, outer_notify = self._journal, self.uid, self._notify
            journal: list[_Undo] = []
            if outer is None:
                self.now = self._stamp()  # Odoo's cr.now(): one instant for the whole transaction
                self._deadline = time.monotonic() + self.budget
            self._journal, self.uid, self._notify = journal, uid, notify and outer_notify
            try:
                yield self
            except BaseException:
                self._undo(journal)
                raise
            else:
                if outer is not None:
                    outer.extend(journal)  # a nested transaction's changes belong to the outer one
                else:
                    self._committed(journal)
            finally:
                self._journal, self.uid, self._notify = outer, outer_uid, outer_notify

    def _committed(self, journal: list[_Undo]) -> None:
        listener = self.on_commit
        if listener is None:
            return
        changes: dict[tuple[str, int, str], Change] = {}
        for entry in journal:
            if entry[0] != "change":
                continue
            _kind, model, record_id, action, row = entry
            if row is None:  # created or written: the state as committed
                if not self.exists(model, record_id):
                    continue
                row = self.read(model, [record_id], self.watched[model], load=None)[0]
            changes[(model, record_id, action)] = Change(model, record_id, action, row)
        if changes:
            try:
                listener(list(changes.values()))
            except Exception:  # a listener never undoes a commit
                logger.exception("the commit listener failed")

    # -- schema ---------------------------------------------------------------------------------

    def spec(self, model: str) -> ModelSpec:
        try:
            return self.models[model]
        except KeyError:
            raise UserError(f"Object {model} doesn't exist") from None

    def field(self, model: str, name: str) -> FieldSpec:
        return self.spec(model).fields[name]

    def start_ids_at(self, model: str, next_id: int) -> None:
        """Make the next record of ``model`` get ``next_id`` (Odoo's admin user is uid 2)."""
        self._next_id[model] = max(self._next_id[model], next_id)

    def next_sequence(self, code: str) -> int:
        self._sequences[code] += 1
        return self._sequences[code]

    # -- reading --------------------------------------------------------------------------------

    def exists(self, model: str, record_id: int) -> bool:
        return record_id in self._records[model]

    def ids(self, model: str) -> list[int]:
        return list(self._records[model])

    def value(self, model: str, record_id: int, name: str) -> Any:
        """The internal value: None when empty, an id for a many2one, a list of ids for a one2many."""
        spec = self.models[model].fields[name]
        if name == "id":
            return record_id
        if spec.delegate is not None:
            via = self.value(model, record_id, spec.delegate)
            if via is None:
                return None
            target = self.models[model].fields[spec.delegate].relation
            assert target is not None
            return self.value(target, via, name)
        if spec.type == "one2many":
            assert spec.relation is not None and spec.inverse_name is not None
            children = self._refs[(spec.relation, spec.inverse_name)].get(record_id, set())
            return self.sort(spec.relation, list(children), None)
        if spec.computed:
            return business.compute(self, model, record_id, name)
        return self._records[model][record_id].get(name)

    def referrers(self, model: str, field: str, target: int) -> set[int]:
        """Ids of the ``model`` records whose many2one ``field`` points at ``target``."""
        return set(self._refs[(model, field)].get(target, ()))

    def display_name(self, model: str, record_id: int) -> str:
        return business.display_name(self, model, record_id)

    def hierarchy(self, model: str, ids: Iterable[int], *, down: bool) -> set[int]:
        parent = self.spec(model).parent_name
        if parent not in self.spec(model).fields:
            return {i for i in ids if self.exists(model, i)}
        found: set[int] = set()
        pending = [i for i in ids if self.exists(model, i)]
        while pending:
            current = pending.pop()
            if current in found:
                continue
            found.add(current)
            if down:
                pending.extend(self._refs[(model, parent)].get(current, ()))
            elif (above := self._records[model][current].get(parent)) is not None:
                pending.append(above)
        return found

    def count(self, model: str, domain: Sequence[Any], *, limit: int | None = None, active_test: bool = True) -> int:
        """How many records match (``search_count``): no sorting, stops at ``limit``."""
        matches = self._bounded(compile_node(self._domain(model, domain, active_test), model, self))
        found = 0
        for record_id in self._records[model]:
            if matches(record_id):
                found += 1
                if found == limit:
                    break
        return found

    def _domain(self, model: str, domain: Sequence[Any], active_test: bool) -> Node:
        node = parse(domain)
        if active_test and self.spec(model).has_active and not mentions(node, "active"):
            # Odoo hides archived records unless the domain speaks of `active`.
            node = And((node, Leaf("active", "=", True)))
        return node

    def search(
        self,
        model: str,
        domain: Sequence[Any],
        *,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        active_test: bool = True,
    ) -> list[int]:
        spec = self.spec(model)
        node = self._domain(model, domain, active_test)
        matches = compile_node(node, model, self)
        terms = [(name, descending) for name, descending, _nulls in ordering.parse(self, model, order or spec.order)]
        if limit and terms == _KEYSET:
            keys = self._keysets.get(model)
            if keys is None:
                keys = sorted((record.get("write_date") or "", i) for i, record in self._records[model].items())
                self._keysets[model] = keys
            start = bisect.bisect_left(keys, _lower_bound(node))
            walk = (keys[index][1] for index in range(start, len(keys)))  # lazy: a page reads only its part
            return _page(walk, self._bounded(matches), offset, limit)
        if limit and terms == _BY_ID:
            ids = sorted(self._records[model])  # nearly sorted already: linear, and no key calls
            start = bisect.bisect_left(ids, _lowest_id(node))
            return _page((ids[index] for index in range(start, len(ids))), self._bounded(matches), offset, limit)
        bounded = self._bounded(matches)
        found = self.sort(model, [i for i in self._records[model] if bounded(i)], order)
        end = offset + limit if limit else None
        return found[offset:end]

    def _bounded(self, matches: Callable[[int], bool]) -> Callable[[int], bool]:
        """``matches``, canceling the call once it has run past its budget (checked every 256 tests)."""
        deadline, tested = self._deadline, 0

        def bounded(record_id: int) -> bool:
            nonlocal tested
            tested += 1
            if not tested & 255 and time.monotonic() > deadline:
                raise QueryCanceled()
            return matches(record_id)

        return bounded

    def sort(self, model: str, ids: list[int], order: str | None) -> list[int]:
        return ordering.sort(self, model, ids, order or self.spec(model).order)

    def read(
        self, model: str, ids: Iterable[int], names: Sequence[str] | None, load: str | None = "_classic_read"
    ) -> list[dict[str, Any]]:
        """Rows of the records that exist, in the order asked; missing ids are dropped silently.

        With ``load="_classic_read"`` (the default) a many2one reads as ``[id, display_name]``;
        with any other ``load`` (``None``) as the bare id, as in Odoo."""
        spec = self.spec(model)
        wanted = list(names) if names else list(spec.fields)
        for name in wanted:
            if name not in spec.fields:
                raise ValueError(f"Invalid field {name!r} on model {model!r}")
        fields = [(spec.fields[name], spec.fields[name].stored) for name in wanted]
        records = self._records[model]
        rows = []
        for record_id in ids:
            record = records.get(record_id)
            if record is None:
                continue
            row: dict[str, Any] = {"id": record_id}
            for field, stored in fields:
                if stored:  # the common case, read straight from the record
                    row[field.name] = present(self, field, record.get(field.name), load)
                else:
                    row[field.name] = to_read(self, model, record_id, field, load)
            rows.append(row)
        return rows

    # -- writing --------------------------------------------------------------------------------

    def create(self, model: str, values: dict[str, Any], *, variant: bool = True) -> int:
        """Create one record; ``variant=False`` creates a product.template without its variant."""
        spec = self.spec(model)
        if not isinstance(values, dict):
            raise ValueError(f"{model}.create() expects a dict of values, got {type(values).__name__}")
        for name in values:
            if name not in spec.fields:
                raise ValueError(f"Invalid field {name!r} on model {model!r}")
        values = business.prepare(self, model, dict(values))
        record: Record = {}
        for field in spec.fields.values():
            if not field.stored or field.name in LOG_ACCESS_COLUMNS:
                continue
            if field.name in values:
                record[field.name] = convert(self, model, field, values[field.name])
            else:
                record[field.name] = field.default
        others = {
            name: value
            for name, value in values.items()
            if not spec.fields[name].stored and spec.fields[name].type != "one2many" and name not in LOG_ACCESS_COLUMNS
        }
        business.complete(self, model, record, others)
        record.update(create_uid=self.uid, create_date=self.now, write_uid=self.uid, write_date=self.now)
        self._check_required(spec, record)
        record_id = self._next_id[model]
        self._next_id[model] = record_id + 1
        self._insert(model, record_id, record)
        for name, commands in values.items():
            if spec.fields[name].type == "one2many":
                self._apply_commands(model, record_id, spec.fields[name], commands)
        business.after_create(self, model, record_id, others, variant=variant)
        business.check(self, model, record_id)
        self._change(model, record_id, "create")
        return record_id

    def write(self, model: str, ids: Sequence[int], values: dict[str, Any]) -> None:
        spec = self.spec(model)
        if not isinstance(values, dict):
            raise ValueError(f"{model}.write() expects a dict of values, got {type(values).__name__}")
        missing = [i for i in ids if not self.exists(model, i)]
        if missing:
            raise missing_record(model, missing, self.uid)
        for name in values:
            if name not in spec.fields:
                raise ValueError(f"Invalid field {name!r} on model {model!r}")
        values = business.prepare(self, model, dict(values))
        for record_id in ids:
            was_active = self._records[model][record_id].get("active")
            for name, raw in values.items():
                field = spec.fields[name]
                if name in LOG_ACCESS_COLUMNS or (field.readonly and not field.stored):
                    continue
                if field.type == "one2many":
                    self._apply_commands(model, record_id, field, raw)
                elif field.delegate is not None:
                    via = self.value(model, record_id, field.delegate)
                    target = spec.fields[field.delegate].relation
                    if via is not None and target is not None:
                        self.write(target, [via], {name: raw})
                elif field.inverse:
                    business.inverse(self, model, record_id, name, raw)
                elif not field.computed:
                    self._assign(model, record_id, name, convert(self, model, field, raw))
            self.touch(model, record_id)
            self._check_required(spec, self._records[model][record_id])
            business.after_write(self, model, record_id, values)
            business.check(self, model, record_id)
            is_active = self._records[model][record_id].get("active")
            action = "write" if was_active == is_active else ("unarchive" if is_active else "archive")
            self._change(model, record_id, action)

    def assign(self, model: str, record_id: int, name: str, value: Any) -> None:
        """Set one stored field, as a compute's inverse does: no write_date, no rules."""
        self._assign(model, record_id, name, convert(self, model, self.field(model, name), value))

    def touch(self, model: str, record_id: int, write_date: str | None = None) -> None:
        """Mark a record written now (or at ``write_date``) by the current user."""
        self._assign(model, record_id, "write_uid", self.uid)
        self._assign(model, record_id, "write_date", write_date or self.now)

    def unlink(self, model: str, ids: Sequence[int]) -> None:
        existing = [i for i in dict.fromkeys(ids) if self.exists(model, i)]
        pending = business.before_unlink(self, model, existing)
        for record_id in existing:
            if not self.exists(model, record_id):
                continue  # gone with another record of this call (a template with its variant)
            if self._notify and model in self.watched:
                row = self.read(model, [record_id], self.watched[model], load=None)[0]
                self._log(("change", model, record_id, "unlink", row))
            self._release_references(model, record_id)
            if self.exists(model, record_id):
                self._remove(model, record_id)
        business.after_unlink(self, model, pending)

    def insert_many(self, model: str, rows: Iterable[dict[str, Any]]) -> list[int]:
        """Insert rows of internal values (ids for many2one) as they are: no conversion, rules or
        checks. For seeding large data sets fast; call it inside a transaction."""
        spec = self.spec(model)
        defaults = {f.name: f.default for f in spec.fields.values() if f.stored}
        stamp = {"create_uid": self.uid, "create_date": self.now, "write_uid": self.uid, "write_date": self.now}
        records, journal = self._records[model], self._journal
        refs = [(name, self._refs[(model, name)]) for name in self._many2ones[model]]
        new_ids = []
        for row in rows:
            if not row.keys() <= defaults.keys():
                raise ValueError(f"Invalid fields {sorted(row.keys() - defaults.keys())} for {model}.insert_many()")
            record = {**defaults, **row, **stamp}
            record_id = self._next_id[model]
            self._next_id[model] = record_id + 1
            records[record_id] = record
            for name, index in refs:
                if (target := record[name]) is not None:
                    index[target].add(record_id)
            if journal is not None:
                journal.append(("insert", model, record_id))
            new_ids.append(record_id)
        self._keysets.pop(model, None)
        return new_ids

    def _change(self, model: str, record_id: int, action: str) -> None:
        if self._notify and model in self.watched:
            self._log(("change", model, record_id, action, None))

    def _release_references(self, model: str, record_id: int) -> None:
        for other, field in self._incoming[model]:
            for referrer in list(self._refs[(other, field.name)].get(record_id, ())):
                if not self.exists(other, referrer):
                    continue
                if field.ondelete == "cascade":
                    self.unlink(other, [referrer])
                elif field.ondelete == "restrict":
                    raise ValidationError(
                        "The operation cannot be completed: another model requires the record being "
                        "deleted. If possible, archive it instead.\n\n"
                        f"Model: {self.models[other].description} ({other})\n"
                        f"Constraint: {other.replace('.', '_')}_{field.name}_fkey\n"
                    )
                else:
                    self._assign(other, referrer, field.name, None)

    def _check_required(self, spec: ModelSpec, record: Record) -> None:
        for field in spec.fields.values():
            if field.required and field.stored and record.get(field.name) in (None, ""):
                raise not_null_violation(spec.name, spec.description, field.name, field.string)

    def _apply_commands(self, model: str, record_id: int, field: FieldSpec, commands: Any) -> None:
        """Odoo's x2many commands, for one2many fields: (0, 0, vals) … (6, 0, ids)."""
        comodel, inverse = field.relation, field.inverse_name
        assert comodel is not None and inverse is not None
        if not isinstance(commands, (list, tuple)):
            raise ValueError(f"Wrong value for {model}.{field.name}: {commands!r}")
        if commands and all(isinstance(c, int) and not isinstance(c, bool) for c in commands):
            commands = [(6, 0, list(commands))]
        for command in commands:
            if not isinstance(command, (list, tuple)) or not command:
                raise ValueError(f"Wrong value for {model}.{field.name}: {command!r}")
            code, target, payload = (*command, 0, 0)[:3]
            if code == 0:
                self.create(comodel, {**(payload or {}), inverse: record_id})
            elif code == 1:
                self.write(comodel, [target], payload or {})
            elif code == 2:
                self.unlink(comodel, [target])
            elif code == 3:
                self._detach(comodel, inverse, target)
            elif code == 4:
                self.write(comodel, [target], {inverse: record_id})
            elif code in (5, 6):
                keep = set(payload or []) if code == 6 else set()
                for child in self.value(model, record_id, field.name):
                    if child not in keep:
                        self._detach(comodel, inverse, child)
                for child in keep:
                    self.write(comodel, [child], {inverse: record_id})
            else:
                raise ValueError(f"Wrong value for {model}.{field.name}: {command!r}")

    def _detach(self, comodel: str, inverse: str, child: int) -> None:
        # An inverse that cannot be empty (a line's order) takes the record with it, as in Odoo.
        if self.field(comodel, inverse).required:
            self.unlink(comodel, [child])
        elif self.exists(comodel, child):
            self._assign(comodel, child, inverse, None)

    # -- journaled primitives ---------------------------------------------------------------------

    def _insert(self, model: str, record_id: int, record: Record) -> None:
        self._records[model][record_id] = record
        self._index(model, record_id, record, add=True)
        self._log(("insert", model, record_id))

    def _assign(self, model: str, record_id: int, name: str, value: Any) -> None:
        record = self._records[model][record_id]
        old = record.get(name)
        if old == value:
            return
        self._reindex(model, record_id, name, old, value)
        record[name] = value
        self._log(("assign", model, record_id, name, old))

    def _remove(self, model: str, record_id: int) -> None:
        record = self._records[model].pop(record_id)
        self._index(model, record_id, record, add=False)
        self._log(("remove", model, record_id, record))

    def _log(self, entry: _Undo) -> None:
        kind = entry[0]
        if kind in ("insert", "remove") or (kind == "assign" and entry[3] == "write_date"):
            self._keysets.pop(entry[1], None)
        if self._journal is not None:
            self._journal.append(entry)

    def _undo(self, journal: list[_Undo]) -> None:
        for entry in reversed(journal):
            kind, model, record_id = entry[:3]
            self._keysets.pop(model, None)  # cheaper to rebuild than to patch
            if kind == "insert":
                record = self._records[model].pop(record_id)
                self._index(model, record_id, record, add=False)
            elif kind == "assign":
                name, old = entry[3], entry[4]
                record = self._records[model][record_id]
                self._reindex(model, record_id, name, record.get(name), old)
                record[name] = old
            elif kind == "remove":
                self._records[model][record_id] = entry[3]
                self._index(model, record_id, entry[3], add=True)

    def _index(self, model: str, record_id: int, record: Record, *, add: bool) -> None:
        for name in self._many2ones[model]:
            value = record.get(name)
            if value is not None:
                refs = self._refs[(model, name)][value]
                if add:
                    refs.add(record_id)
                else:
                    refs.discard(record_id)

    def _reindex(self, model: str, record_id: int, name: str, old: Any, new: Any) -> None:
        if name not in self._many2ones[model]:
            return
        refs = self._refs[(model, name)]
        if old is not None:
            refs[old].discard(record_id)
        if new is not None:
            refs[new].add(record_id)


def _page(ids: Iterable[int], matches: Callable[[int], bool], offset: int, limit: int) -> list[int]:
    """The first ``limit`` matching ``ids`` after ``offset`` ones: a page costs the page, not the model."""
    found: list[int] = []
    for record_id in ids:
        if matches(record_id):
            if offset:
                offset -= 1
                continue
            found.append(record_id)
            if len(found) == limit:
                break
    return found


def _lowest_id(node: Node) -> int:
    """The least id a record matching ``node`` can have, from its ``id >``/``id >=`` conjuncts."""
    lowest = 0
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, And):
            pending.extend(current.children)
        elif isinstance(current, Leaf) and current.path == "id" and isinstance(current.value, int):
            if current.operator == ">":
                lowest = max(lowest, current.value + 1)
            elif current.operator in (">=", "="):
                lowest = max(lowest, current.value)
    return lowest


def _lower_bound(node: Node) -> tuple[str, int]:
    """The least ``(write_date, id)`` a record matching ``node`` can have, from its conjuncts:
    ``write_date > X``, ``write_date >= X`` and Odoo's keyset form
    ``| (write_date > X) & (write_date = X) (id > N)``. Other conjuncts only narrow further."""
    bound = ("", 0)
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, And):
            pending.extend(current.children)
        elif isinstance(current, Leaf) and current.path == "write_date":
            value = moment_text(current.value, "datetime")
            if isinstance(value, str) and current.operator == ">":
                bound = max(bound, (value, sys.maxsize))
            elif isinstance(value, str) and current.operator in (">=", "="):
                bound = max(bound, (value, 0))
        elif isinstance(current, Or) and len(current.children) == 2:
            after = _keyset_position(*current.children)
            if after is not None:
                bound = max(bound, after)
    return bound


def _keyset_position(first: Node, second: Node) -> tuple[str, int] | None:
    if not (isinstance(first, Leaf) and first.path == "write_date" and first.operator == ">"):
        return None
    if not (isinstance(second, And) and len(second.children) == 2):
        return None
    leaves = {(c.path, c.operator): c.value for c in second.children if isinstance(c, Leaf)}
    stamp, after = moment_text(first.value, "datetime"), leaves.get(("id", ">"))
    if leaves.get(("write_date", "=")) is None or moment_text(leaves[("write_date", "=")], "datetime") != stamp:
        return None
    if not isinstance(stamp, str) or not isinstance(after, int) or isinstance(after, bool):
        return None
    return (stamp, after + 1)
