"""How an entity is read from Odoo: the generic part of every entity's Odoo mapping.

Each pullable entity's :class:`~atraxion.domain.records.Kind` carries one :class:`OdooMapping`
(declared in :mod:`atraxion.domain.odoo_entities`): the Odoo model walked in ``(write_date, id)``
order, the fields read by default, the field naming the ``externalId``, the related records a page
needs (:class:`Lookup`) and the pure function turning a page of Odoo rows into the same
:class:`~atraxion.domain.records.Incoming` records a push produces.

What users configure (fields, the externalId field, an extra domain) is a :class:`PullOverride`;
:func:`resolve_rules` merges it with the mapping's defaults into one :class:`PullRule` per entity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from attrs import field, frozen

from atraxion.domain.records import Incoming
from atraxion.domain.types import OdooDomain, OdooRow

MAX_EXTERNAL_ID = 255
"""The longest key a record may have; a longer Odoo value falls back to ``<model>:<id>``."""

Related = Mapping[str, Mapping[int, OdooRow]]
"""What the lookups of one page read: by lookup name, the related rows by Odoo id."""


def fallback_id(model: str, odoo_id: int) -> str:
    """The externalId of a record without a usable externalId field: ``product.product:42``."""
    return f"{model}:{odoo_id}"


def external_id(row: OdooRow, field_name: str | None, model: str) -> str:
    """The externalId of ``row``: its ``field_name`` when that is a non-blank string of at most
    :data:`MAX_EXTERNAL_ID` characters, else ``<model>:<id>``. Never empty."""
    value = row.get(field_name) if field_name else None
    if isinstance(value, str) and value.strip() and len(value) <= MAX_EXTERNAL_ID:
        return value
    return fallback_id(model, row["id"])


def many2one(value: Any) -> int | None:
    """A many2one as read with ``load=None`` (a bare id, or ``False``); ``[id, name]`` is accepted too."""
    if isinstance(value, (list, tuple)) and value:
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def many2many(value: Any) -> list[int]:
    """An x2many as read (a list of ids), ``False`` or anything else as no ids."""
    if not isinstance(value, (list, tuple)):
        return []
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool) and v > 0]


@frozen
class ExternalIds:
    """The externalId rule of every entity: which field of which model names a record.

    ``fields`` maps an entity to its externalId field (None: always ``<model>:<id>``) and
    ``models`` to the model that field belongs to (a price's is the pricelist's, stock's the
    warehouse's).
    """

    fields: Mapping[str, str | None]
    models: Mapping[str, str]

    def field(self, entity: str) -> str | None:
        return self.fields.get(entity)

    def of(self, entity: str, row: OdooRow) -> str:
        """The externalId of ``row``, a record of ``entity``'s identifying model."""
        return external_id(row, self.fields.get(entity), self.models[entity])

    def ref(self, entity: str, odoo_id: int, rows: Mapping[int, OdooRow]) -> str:
        """The externalId of the record ``odoo_id`` among ``rows`` (a lookup's result), or its
        fallback when it was not read (deleted, or not readable)."""
        row = rows.get(odoo_id)
        return self.of(entity, row) if row is not None else fallback_id(self.models[entity], odoo_id)


IdsOf = Callable[[Sequence[OdooRow], Related], Iterable[int]]
DomainOf = Callable[[Sequence[OdooRow], Related], "OdooDomain | None"]


@frozen
class Lookup:
    """Related records one page needs, read set-based: one call for the whole page.

    Either ``ids`` (read those records) or ``domain`` (every record matching it; None = nothing to
    read) is given; both see the page's rows and the lookups declared before this one.
    ``identified_by`` names the entity whose externalId field is read too (a price's product is
    named by the products' rule). ``cached``: the rows may be reused for the rest of the run
    (reference data such as pricelists or warehouses, never quantities).
    """

    name: str
    model: str
    fields: tuple[str, ...] = ()
    ids: IdsOf | None = None
    domain: DomainOf | None = None
    identified_by: str | None = None
    cached: bool = False

    def __attrs_post_init__(self) -> None:
        if (self.ids is None) == (self.domain is None):
            raise ValueError(f"lookup {self.name!r} needs exactly one of ids and domain")


ToRecords = Callable[[Sequence[OdooRow], Related, ExternalIds], list[Incoming]]


@frozen
class OdooMapping:
    """How one entity is read from Odoo (see the module docstring).

    ``fields`` are the default fields read into ``data`` (configurable); ``required`` are read
    whatever the configuration says, because ``to_records`` needs them. ``external_id`` is the
    default externalId field of ``external_id_model`` (None: ``<model>:<id>``). ``domain`` is always
    applied; a configured domain is added to it. ``carries_data``: the records keep the Odoo row as
    ``data`` (prices and stock have no ``data`` in the contract).
    """

    model: str
    to_records: ToRecords
    fields: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    external_id: str | None = None
    external_id_model: str = ""
    domain: tuple[Any, ...] = ()
    lookups: tuple[Lookup, ...] = ()
    carries_data: bool = True

    @property
    def id_model(self) -> str:
        return self.external_id_model or self.model


@frozen
class PullOverride:
    """One entity's configuration (``ATRAXION_PULL_<ENTITY>_*``); None keeps the default.

    ``external_id`` "" means: no field, always ``<model>:<id>``.
    """

    fields: tuple[str, ...] | None = None
    external_id: str | None = None
    domain: tuple[Any, ...] | None = None


@frozen
class PullRule:
    """What is read for one entity: the mapping's defaults with the configuration applied."""

    fields: tuple[str, ...]
    external_id: str | None
    domain: tuple[Any, ...] = field(factory=tuple)


def resolve_rule(mapping: OdooMapping, override: PullOverride | None = None) -> PullRule:
    override = override or PullOverride()
    external = mapping.external_id if override.external_id is None else (override.external_id or None)
    return PullRule(
        mapping.fields if override.fields is None else override.fields,
        external,
        override.domain if override.domain is not None else (),
    )


def external_ids(mappings: Mapping[str, OdooMapping], rules: Mapping[str, PullRule]) -> ExternalIds:
    return ExternalIds(
        {name: rules[name].external_id if name in rules else m.external_id for name, m in mappings.items()},
        {name: m.id_model for name, m in mappings.items()},
    )


def read_fields(mapping: OdooMapping, rule: PullRule) -> list[str]:
    """The fields to read of the walked model: configured, required, and the externalId field
    when the walked model is the identifying one."""
    own_id = [rule.external_id] if rule.external_id and mapping.id_model == mapping.model else []
    return list(dict.fromkeys([*rule.fields, *mapping.required, *own_id]))


def combined_domain(mapping: OdooMapping, rule: PullRule) -> list[Any]:
    """The mapping's domain and the configured one, both applying (Odoo ANDs consecutive terms)."""
    return [*mapping.domain, *rule.domain]


def validate_domain(value: Any) -> tuple[Any, ...]:
    """A configured domain, checked for shape: a list of ``[field, operator, value]`` triples and
    the prefix operators ``&``, ``|``, ``!``. Raises ValueError naming the problem."""
    if not isinstance(value, list):
        raise ValueError("must be a JSON list of [field, operator, value] terms")
    terms: list[Any] = []
    for term in value:
        if term in ("&", "|", "!"):
            terms.append(term)
        elif isinstance(term, list) and len(term) == 3 and isinstance(term[0], str) and isinstance(term[1], str):
            terms.append(tuple(term))
        else:
            raise ValueError(f"has a term that is neither [field, operator, value] nor &, |, !: {term!r}")
    return tuple(terms)


def unique_by_key(records: Sequence[Incoming]) -> list[Incoming]:
    """One record per key, the last one winning (rows come in ``(write_date, id)`` order, so the
    most recently written Odoo record keeps a key two records share), in first-seen order."""
    last: dict[str, Incoming] = {}
    for record in records:
        last.pop(record.key, None)
        last[record.key] = record
    return list(last.values())
