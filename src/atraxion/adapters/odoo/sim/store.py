"""The simulator's database: records in memory, one lock, and an undo journal per call.

Each RPC call runs in :meth:`Store.transaction`: either all its changes stay or none do, as in
one PostgreSQL transaction. Sequences (order names, ids) are not rolled back, as in PostgreSQL.
As in Odoo, ``create_date``/``write_date`` are the transaction's start time (whole seconds, UTC):
every record a call creates or writes gets the same one, whatever the order of its commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from atraxion.adapters.odoo.sim import business, ordering
from atraxion.adapters.odoo.sim.domains import And, Leaf, compile_node, mentions, parse
from atraxion.adapters.odoo.sim.errors import UserError, ValidationError, missing_record, not_null_violation
from atraxion.adapters.odoo.sim.schema import LOG_ACCESS_COLUMNS, MODELS, FieldSpec, ModelSpec
from atraxion.adapters.odoo.sim.values import DATETIME_FORMAT, convert, to_read

logger = logging.getLogger(__name__)

Record = dict[str, Any]
# An undo entry: ("insert", model, id) | ("assign", model, id, field, old) | ("remove", model, id, record)
_Undo = tuple[Any, ...]


class Store:
    """All records of all simulated models. Use only inside :meth:`transaction` (it holds the lock)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.uid = 0
        self._records: dict[str, dict[int, Record]] = {name: {} for name in MODELS}
        self._next_id: dict[str, int] = defaultdict(lambda: 1)
        self._sequences: dict[str, int] = defaultdict(int)
        # (model, many2one field) -> target id -> ids of records pointing at it
        self._refs: dict[tuple[str, str], dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        self._journal: list[_Undo] | None = None
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.now = self._stamp()

    def _stamp(self) -> str:
        return self.clock().strftime(DATETIME_FORMAT)

    @contextmanager
    def transaction(self, uid: int) -> Iterator[Store]:
        """Lock the store for one call as ``uid``; undo every change if the call raises."""
        with self.lock:
            outer, outer_uid = self._journal, self.uid
            journal: list[_Undo] = []
            if outer is None:
                self.now = self._stamp()  # Odoo's cr.now(): one instant for the whole transaction
            self._journal, self.uid = journal, uid
            try:
                yield self
            except BaseException:
                self._undo(journal)
                raise
            else:
                if outer is not None:
                    outer.extend(journal)  # a nested transaction's changes belong to the outer one
            finally:
                self._journal, self.uid = outer, outer_uid

    # -- schema ---------------------------------------------------------------------------------

    def spec(self, model: str) -> ModelSpec:
        try:
            return MODELS[model]
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
        spec = self.field(model, name)
        if name == "id":
            return record_id
        if spec.type == "one2many":
            assert spec.relation is not None and spec.inverse_name is not None
            children = self._refs[(spec.relation, spec.inverse_name)].get(record_id, set())
            return self.sort(spec.relation, list(children), None)
        if spec.computed:
            return business.compute(self, model, record_id, name)
        return self._records[model][record_id].get(name)

    def display_name(self, model: str, record_id: int) -> str:
        return business.display_name(self, model, record_id)

    def hierarchy(self, model: str, ids: Iterable[int], *, down: bool) -> set[int]:
        if "parent_id" not in self.spec(model).fields:
            return {i for i in ids if self.exists(model, i)}
        found: set[int] = set()
        pending = [i for i in ids if self.exists(model, i)]
        while pending:
            current = pending.pop()
            if current in found:
                continue
            found.add(current)
            if down:
                pending.extend(self._refs[(model, "parent_id")].get(current, ()))
            elif (parent := self._records[model][current].get("parent_id")) is not None:
                pending.append(parent)
        return found

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
        node = parse(domain)
        if active_test and spec.has_active and not mentions(node, "active"):
            # Odoo hides archived records unless the domain speaks of `active`.
            node = And((node, Leaf("active", "=", True)))
        matches = compile_node(node, model, self)
        found = self.sort(model, [i for i in self._records[model] if matches(i)], order)
        end = offset + limit if limit else None
        return found[offset:end]

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
        rows = []
        for record_id in ids:
            if not self.exists(model, record_id):
                continue
            row: dict[str, Any] = {"id": record_id}
            for name in wanted:
                row[name] = to_read(self, model, record_id, spec.fields[name], load)
            rows.append(row)
        return rows

    # -- writing --------------------------------------------------------------------------------

    def create(self, model: str, values: dict[str, Any]) -> int:
        spec = self.spec(model)
        if not isinstance(values, dict):
            raise ValueError(f"{model}.create() expects a dict of values, got {type(values).__name__}")
        for name in values:
            if name not in spec.fields:
                raise ValueError(f"Invalid field {name!r} on model {model!r}")
        record: Record = {}
        for field in spec.fields.values():
            if field.computed or field.type == "one2many" or field.name in LOG_ACCESS_COLUMNS:
                continue
            if field.name in values:
                record[field.name] = convert(self, model, field, values[field.name])
            else:
                record[field.name] = field.default
        business.complete(self, model, record)
        record.update(create_uid=self.uid, create_date=self.now, write_uid=self.uid, write_date=self.now)
        self._check_required(spec, record)
        record_id = self._next_id[model]
        self._next_id[model] = record_id + 1
        self._insert(model, record_id, record)
        for name, commands in values.items():
            x2many = spec.fields.get(name)
            if x2many is not None and x2many.type == "one2many":
                self._apply_commands(model, record_id, x2many, commands)
        business.check(self, model, record_id)
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
        for record_id in ids:
            for name, raw in values.items():
                field = spec.fields[name]
                if field.type == "one2many":
                    self._apply_commands(model, record_id, field, raw)
                elif not field.computed and name not in LOG_ACCESS_COLUMNS:
                    self._assign(model, record_id, name, convert(self, model, field, raw))
            self.touch(model, record_id)
            self._check_required(spec, self._records[model][record_id])
            business.check(self, model, record_id)

    def touch(self, model: str, record_id: int, write_date: str | None = None) -> None:
        """Mark a record written now (or at ``write_date``) by the current user."""
        self._assign(model, record_id, "write_uid", self.uid)
        self._assign(model, record_id, "write_date", write_date or self.now)

    def unlink(self, model: str, ids: Sequence[int]) -> None:
        existing = [i for i in dict.fromkeys(ids) if self.exists(model, i)]
        business.before_unlink(self, model, existing)
        for record_id in existing:
            self._release_references(model, record_id)
            self._remove(model, record_id)

    def _release_references(self, model: str, record_id: int) -> None:
        for other in MODELS.values():
            for field in other.fields.values():
                if field.type != "many2one" or field.computed or field.relation != model:
                    continue
                for referrer in list(self._refs[(other.name, field.name)].get(record_id, ())):
                    if field.ondelete == "cascade":
                        self.unlink(other.name, [referrer])
                    elif field.ondelete == "restrict":
                        raise ValidationError(
                            "The operation cannot be completed: another model requires the record being "
                            "deleted. If possible, archive it instead.\n\n"
                            f"Model: {other.description} ({other.name})\n"
                            f"Constraint: {other.name.replace('.', '_')}_{field.name}_fkey\n"
                        )
                    else:
                        self._assign(other.name, referrer, field.name, None)

    def _check_required(self, spec: ModelSpec, record: Record) -> None:
        for field in spec.fields.values():
            if field.required and not field.computed and record.get(field.name) in (None, ""):
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
        if self._journal is not None:
            self._journal.append(entry)

    def _undo(self, journal: list[_Undo]) -> None:
        for entry in reversed(journal):
            kind, model, record_id = entry[:3]
            if kind == "insert":
                record = self._records[model].pop(record_id)
                self._index(model, record_id, record, add=False)
            elif kind == "assign":
                name, old = entry[3], entry[4]
                record = self._records[model][record_id]
                self._reindex(model, record_id, name, record.get(name), old)
                record[name] = old
            else:
                self._records[model][record_id] = entry[3]
                self._index(model, record_id, entry[3], add=True)

    def _index(self, model: str, record_id: int, record: Record, *, add: bool) -> None:
        for name, value in record.items():
            if value is not None and MODELS[model].fields[name].type == "many2one":
                self._reindex(model, record_id, name, *((None, value) if add else (value, None)))

    def _reindex(self, model: str, record_id: int, name: str, old: Any, new: Any) -> None:
        if MODELS[model].fields[name].type != "many2one":
            return
        refs = self._refs[(model, name)]
        if old is not None:
            refs[old].discard(record_id)
        if new is not None:
            refs[new].add(record_id)
