"""The model methods callable over RPC, with Odoo's names, parameters and return shapes.

Dispatch follows ``odoo.api.call_kw``: ``context`` is taken out of the keyword arguments; a
"multi" method (``read``, ``write``, ``unlink``, actions) takes the record ids as its first
positional argument; the rest binds like a Python call, so a wrong argument is a TypeError
(Fault 1), as in Odoo.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from attrs import frozen

from atraxion.adapters.odoo.sim import business
from atraxion.adapters.odoo.sim.errors import AccessError
from atraxion.adapters.odoo.sim.store import Store

# Methods that change data: the ones the "commit, then drop the answer" fault applies to.
MUTATING = frozenset({"create", "write", "unlink", "action_confirm", "action_cancel"})


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
    return len(_search(env, domain, limit=limit))


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
        return env.store.create(env.model, dict(vals_list))
    if not isinstance(vals_list, (list, tuple)):
        raise ValueError(f"{env.model}.create() expects a dict or a list of dicts")
    return [env.store.create(env.model, values) for values in vals_list]


def _write(env: Env, ids: list[int], vals: dict[str, Any]) -> bool:
    env.store.write(env.model, ids, vals)
    return True


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


def _fields_get(
    env: Env, allfields: Sequence[str] | None = None, attributes: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    result = {}
    for spec in env.store.spec(env.model).fields.values():
        if allfields and spec.name not in allfields:
            continue
        info: dict[str, Any] = {
            "type": spec.type,
            "string": spec.string,
            "required": spec.required,
            "readonly": spec.computed,
            "store": not spec.computed,
        }
        if spec.relation:
            info["relation"] = spec.relation
        if spec.inverse_name:
            info["relation_field"] = spec.inverse_name
        if spec.selection:
            info["selection"] = [list(option) for option in spec.selection]
        result[spec.name] = {k: v for k, v in info.items() if not attributes or k in attributes}
    return result


def _context_get(env: Env) -> dict[str, Any]:
    return {"lang": "en_US", "tz": False, "uid": env.uid}


def _action_confirm(env: Env, ids: list[int]) -> bool:
    return business.action_confirm(env.store, ids)


def _action_cancel(env: Env, ids: list[int]) -> bool:
    return business.action_cancel(env.store, ids)


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
    "fields_get": _Method(_fields_get),
    "context_get": _Method(_context_get, models=frozenset({"res.users"})),
    "action_confirm": _Method(_action_confirm, multi=True, models=frozenset({"sale.order"})),
    "action_cancel": _Method(_action_cancel, multi=True, models=frozenset({"sale.order"})),
}
