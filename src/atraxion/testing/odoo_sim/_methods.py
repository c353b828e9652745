"""The model methods callable over RPC, with Odoo's names, parameters and return shapes.

Dispatch follows ``odoo.api.call_kw``: ``context`` is taken out of the keyword arguments; a
"multi" method (``read``, ``write``, ``unlink``, actions) takes the record ids as its first
positional argument; the rest binds like a Python call, so a wrong argument is a TypeError
(Fault 1), as in Odoo.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from attrs import frozen

from atraxion.testing.odoo_sim import _business as business
from atraxion.testing.odoo_sim._errors import AccessError, UserError
from atraxion.testing.odoo_sim._store import Store

# Methods that change data: the ones the "commit, then drop the answer" fault applies to.
MUTATING = frozenset(
    {"create", "write", "unlink", "action_confirm", "action_cancel", "button_confirm", "button_cancel",
     "action_apply_inventory"}
)  # fmt: skip
# stock.quant outside inventory mode refuses RPC edits; in it, only these fields (odoo/addons/stock).
_QUANT_INVENTORY_FIELDS = frozenset(
    {"product_id", "location_id", "inventory_quantity", "inventory_quantity_auto_apply", "inventory_quantity_set",
     "company_id"}
)  # fmt: skip


@frozen
class Env:
    """One call's environment: the store (locked), the model, the user and the context."""

    store: Store
    model: str
    uid: int
    context: Mapping[str, Any]

    @property
    def active_test(self) -> bool:
        return bool(self.context.get("active_test", True))


def call(store: Store, uid: int, model: str, method: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
    """Run ``model.method(*args, **kwargs)`` as ``uid`` in one transaction of ``store``."""
    if method.startswith("_"):
        raise AccessError(f"Private methods (such as '{model}.{method}') cannot be called remotely.")
    with store.transaction(uid):
        store.spec(model)  # UserError "Object x doesn't exist"
        entry = _METHODS.get(method)
        if entry is None or (entry.models is not None and model not in entry.models):
            raise AttributeError(f"The method '{method}' does not exist on the model '{model}'")
        options = dict(kwargs)
        context = options.pop("context", None) or {}
        env = Env(store, model, uid, context if isinstance(context, Mapping) else {})
        if entry.multi:
            ids, rest = args[0], tuple(args[1:])  # IndexError without ids, as in Odoo
            return entry.function(env, _ids(ids), *rest, **options)
        return entry.function(env, *args, **options)


def bind_named(model: str, method: str, ids: Any, named: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """JSON-2's binding (Odoo 19's json2 controller) as ``args, kwargs`` for :func:`call`: ``ids``
    (None: not given) build the recordset of a "multi" method, every other argument binds by name.

    Raises LookupError when ``model`` has no such method, TypeError when the arguments don't bind
    (``ids`` for an ``@api.model`` method such as ``create``, a missing or unknown argument).
    """
    entry = _METHODS.get(method)
    if entry is None or (entry.models is not None and model not in entry.models):
        raise LookupError(f"The method '{method}' does not exist on the model '{model}'")
    if ids is not None and not entry.multi:
        raise TypeError(f"cannot call {model}.{method} with ids")
    args = [_ids(ids)] if entry.multi else []
    kwargs = {k: v for k, v in named.items() if k != "context"}
    inspect.signature(entry.function).bind(None, *args, **kwargs)  # TypeError when it does not bind
    return args, dict(named)


def _ids(value: Any) -> list[int]:
    if value is False or value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValueError(f"Invalid record id {item!r}")
    return list(items)


def _search(
    env: Env, domain: Sequence[Any], offset: int = 0, limit: int | None = None, order: str | None = None
) -> list[int]:
    return env.store.search(
        env.model,
        domain or [],
        offset=offset or 0,
        limit=limit or None,
        order=order or None,
        active_test=env.active_test,
    )


def _search_count(env: Env, domain: Sequence[Any], limit: int | None = None) -> int:
    return env.store.count(env.model, domain or [], limit=limit or None, active_test=env.active_test)


def _search_read(
    env: Env,
    domain: Sequence[Any] | None = None,
    fields: Sequence[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
    load: str | None = "_classic_read",
) -> list[dict[str, Any]]:
    ids = _search(env, domain or [], offset, limit, order)
    return env.store.read(env.model, ids, fields or None, load)


def _read(env: Env, ids: list[int], fields: Sequence[str] | None = None, load: str | None = "_classic_read") -> Any:
    return env.store.read(env.model, ids, fields or None, load)


def _create(env: Env, vals_list: Any) -> int | list[int]:
    # One dict gives an id, a list of dicts a list of ids (@api.model_create_multi).
    if isinstance(vals_list, Mapping):
        _check_quant_edit(env, "creation", vals_list)
        return env.store.create(env.model, dict(vals_list))
    if not isinstance(vals_list, (list, tuple)):
        raise ValueError(f"{env.model}.create() expects a dict or a list of dicts")
    for values in vals_list:
        _check_quant_edit(env, "creation", values)
    return [env.store.create(env.model, values) for values in vals_list]


def _write(env: Env, ids: list[int], vals: dict[str, Any]) -> bool:
    _check_quant_edit(env, "editing", vals)
    env.store.write(env.model, ids, vals)
    return True


def _check_quant_edit(env: Env, what: str, values: Any) -> None:
    """Odoo lets RPC clients touch quants only in inventory mode, and only their counted quantity."""
    if env.model != "stock.quant" or not isinstance(values, Mapping):
        return
    if not env.context.get("inventory_mode") or not set(values) <= _QUANT_INVENTORY_FIELDS:
        raise UserError(f"Quant's {what} is restricted, you can't do this operation.")


def _unlink(env: Env, ids: list[int]) -> bool:
    env.store.unlink(env.model, ids)
    return True


def _name_search(
    env: Env,
    name: str = "",
    args: Sequence[Any] | None = None,
    operator: str = "ilike",
    limit: int = 100,
    domain: Sequence[Any] | None = None,
) -> list[list[Any]]:
    # ``args`` up to Odoo 17, ``domain`` from 18.
    extra = list(domain or args or [])
    wanted = [*extra, ("display_name", operator, name)] if name else extra
    ids = _search(env, wanted, limit=limit)
    return [[i, env.store.display_name(env.model, i)] for i in ids]


def _exists(env: Env, ids: list[int]) -> list[int]:
    """The ids among ``ids`` whose records still exist (a recordset travels as its ids)."""
    return [i for i in dict.fromkeys(ids) if env.store.exists(env.model, i)]


def _default_get(env: Env, fields_list: Sequence[str]) -> dict[str, Any]:
    """The defaults a new record would get for these fields (empty ones left out, as Odoo does)."""
    spec = env.store.spec(env.model)
    defaults: dict[str, Any] = {}
    for name in fields_list:
        field = spec.fields.get(name)
        if field is not None and field.delegate is not None and not field.readonly:
            target = spec.fields[field.delegate].relation  # an inherited field has its parent's default
            field = env.store.field(target, name) if target is not None else None
        if field is None or field.default is None or not field.stored:
            continue
        defaults[name] = field.default
    for name, value in env.context.items():
        if isinstance(name, str) and name.startswith("default_") and name[8:] in fields_list:
            defaults[name[8:]] = value
    return defaults


def _fields_get(
    env: Env, allfields: Sequence[str] | None = None, attributes: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    result = {}
    model = env.store.spec(env.model)
    for spec in model.fields.values():
        if allfields and spec.name not in allfields:
            continue
        stored = spec.stored or spec.type == "one2many" or spec.name == "id"
        info: dict[str, Any] = {
            "name": spec.name,
            "type": spec.type,
            "string": spec.string,
            "help": "",
            "required": spec.required,
            "readonly": spec.readonly or (spec.computed and not spec.inverse) or spec.name == "id",
            "store": stored and spec.delegate is None,
            "sortable": stored or spec.delegate is not None,
            "searchable": True,
            "manual": False,
            "company_dependent": spec.name == "standard_price",
            "depends": [],
        }
        if spec.relation:
            info["relation"] = spec.relation
            info["domain"] = []
            info["context"] = {}
        if spec.inverse_name:
            info["relation_field"] = spec.inverse_name
        if spec.selection:
            info["selection"] = [list(option) for option in spec.selection]
        if spec.size:
            info["size"] = spec.size
        if spec.delegate is not None:
            info["related"] = f"{spec.delegate}.{spec.name}"
        result[spec.name] = {k: v for k, v in info.items() if not attributes or k in attributes}
    return result


def _context_get(env: Env) -> dict[str, Any]:
    return {"lang": "en_US", "tz": False, "uid": env.uid}


def _action_confirm(env: Env, ids: list[int]) -> bool:
    return business.action_confirm(env.store, ids)


def _action_cancel(env: Env, ids: list[int]) -> bool:
    return business.action_cancel(env.store, ids)


def _button_confirm(env: Env, ids: list[int]) -> bool:
    return business.button_confirm(env.store, ids)


def _button_cancel(env: Env, ids: list[int]) -> bool:
    return business.button_cancel(env.store, ids)


def _action_apply_inventory(env: Env, ids: list[int]) -> bool:
    return business.action_apply_inventory(env.store, ids)


@frozen
class _Method:
    function: Callable[..., Any]
    multi: bool = False
    models: frozenset[str] | None = None


_METHODS: dict[str, _Method] = {
    "search": _Method(_search),
    "search_count": _Method(_search_count),
    "search_read": _Method(_search_read),
    "read": _Method(_read, multi=True),
    "create": _Method(_create),
    "write": _Method(_write, multi=True),
    "unlink": _Method(_unlink, multi=True),
    "name_search": _Method(_name_search),
    "exists": _Method(_exists, multi=True),
    "default_get": _Method(_default_get),
    "fields_get": _Method(_fields_get),
    "context_get": _Method(_context_get, models=frozenset({"res.users"})),
    "action_confirm": _Method(_action_confirm, multi=True, models=frozenset({"sale.order"})),
    "action_cancel": _Method(_action_cancel, multi=True, models=frozenset({"sale.order"})),
    "button_confirm": _Method(_button_confirm, multi=True, models=frozenset({"purchase.order"})),
    "button_cancel": _Method(_button_cancel, multi=True, models=frozenset({"purchase.order"})),
    "action_apply_inventory": _Method(_action_apply_inventory, multi=True, models=frozenset({"stock.quant"})),
}
