"""Atraxion: keeps an Odoo ERP and its webshops in sync.

The public API, importable from here::

    from atraxion import Embedded, Settings, bootstrap

* :class:`Embedded` — the HTTP contract's data operations as method calls, in your process
  (docs/embedding.md).
* :class:`Settings` — the configuration (``Settings.from_env()`` reads the service's environment).
* :func:`bootstrap` — wires an :class:`Atraxion` application on the settings' database.
* The errors the operations raise: :class:`DomainError` and its kinds :class:`InvalidBatch`
  (listing each :class:`FieldError`), :class:`NotFound`, :class:`UnknownEntity`, :class:`Conflict`,
  :class:`LimitExceeded` and :class:`OdooNotConfigured`.

The names are loaded when first used, so ``import atraxion.domain`` stays light. Test helpers
live in :mod:`atraxion.testing`; the Odoo simulator (``atraxion odoo-sim``) is a development tool
that none of this loads.

The package is a hexagon: ``atraxion.domain`` holds the rules, ``atraxion.ports`` the interfaces
the rules need, ``atraxion.application`` the use cases, ``atraxion.adapters`` the implementations
(SQLAlchemy, memory, Odoo XML-RPC, queues) and ``atraxion.entrypoints`` the HTTP service and CLI.
``atraxion.bootstrap.bootstrap`` wires them together.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from atraxion.bootstrap import Atraxion, bootstrap
    from atraxion.config import Settings
    from atraxion.domain.errors import (
        Conflict,
        DomainError,
        FieldError,
        InvalidBatch,
        LimitExceeded,
        NotFound,
        OdooNotConfigured,
        UnknownEntity,
    )
    from atraxion.entrypoints.embedded import Embedded

_EXPORTS = {
    "Atraxion": "atraxion.bootstrap",
    "Conflict": "atraxion.domain.errors",
    "DomainError": "atraxion.domain.errors",
    "Embedded": "atraxion.entrypoints.embedded",
    "FieldError": "atraxion.domain.errors",
    "InvalidBatch": "atraxion.domain.errors",
    "LimitExceeded": "atraxion.domain.errors",
    "NotFound": "atraxion.domain.errors",
    "OdooNotConfigured": "atraxion.domain.errors",
    "Settings": "atraxion.config",
    "UnknownEntity": "atraxion.domain.errors",
    "bootstrap": "atraxion.bootstrap",
}

__all__ = [
    "Atraxion",
    "Conflict",
    "DomainError",
    "Embedded",
    "FieldError",
    "InvalidBatch",
    "LimitExceeded",
    "NotFound",
    "OdooNotConfigured",
    "Settings",
    "UnknownEntity",
    "__version__",
    "bootstrap",
]


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


class _Package(ModuleType):
    """This package's module type: ``atraxion.bootstrap`` stays the function. Importing the
    ``atraxion.bootstrap`` module records it as an attribute of its package, which would hide the
    function of the same name; the module stays where every import finds it, in ``sys.modules``."""

    @property
    def bootstrap(self) -> Any:
        return import_module("atraxion.bootstrap").bootstrap

    @bootstrap.setter
    def bootstrap(self, submodule: ModuleType) -> None:
        pass


sys.modules[__name__].__class__ = _Package
