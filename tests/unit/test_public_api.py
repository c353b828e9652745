"""``import atraxion`` is the public API: the embedding class, the settings, the wiring and the errors,
each the very object its module defines; loading them all loads no Odoo simulator module, and
importing the package alone (or the domain) loads none of the service (a fresh interpreter checks)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import atraxion
from atraxion.bootstrap import Atraxion
from atraxion.config import Settings
from atraxion.domain import errors
from atraxion.entrypoints.embedded import Embedded

PUBLIC = {
    "Embedded": Embedded,
    "Settings": Settings,
    "Atraxion": Atraxion,
    "DomainError": errors.DomainError,
    "FieldError": errors.FieldError,
    "InvalidBatch": errors.InvalidBatch,
    "NotFound": errors.NotFound,
    "UnknownEntity": errors.UnknownEntity,
    "Conflict": errors.Conflict,
    "LimitExceeded": errors.LimitExceeded,
    "OdooNotConfigured": errors.OdooNotConfigured,
}


def _fresh(code: str) -> dict[str, object]:
    """Run ``code`` in a new interpreter; it prints one JSON object, returned."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def test_the_package_exports_the_public_api() -> None:
    assert sorted(atraxion.__all__) == sorted([*PUBLIC, "bootstrap", "__version__"])
    for name, value in PUBLIC.items():
        assert getattr(atraxion, name) is value, name
    assert atraxion.bootstrap is sys.modules["atraxion.bootstrap"].bootstrap  # the function, not its module
    assert callable(atraxion.bootstrap) and atraxion.bootstrap.__doc__
    assert set(atraxion.__all__) <= set(dir(atraxion))
    assert atraxion.__doc__ and all(name in atraxion.__doc__ for name in [*PUBLIC, "bootstrap"] if name != "Atraxion")


def test_the_documented_classes_and_methods_say_what_they_do() -> None:
    for cls in (Embedded, Settings):
        assert cls.__doc__ and len(cls.__doc__.split()) > 20, cls
    for name in [n for n in dir(Embedded) if not n.startswith("_")] + ["__init__"]:
        assert getattr(Embedded, name).__doc__, f"Embedded.{name} has no docstring"


def test_importing_the_package_loads_the_api_without_the_simulator() -> None:
    names = json.dumps([*PUBLIC, "bootstrap"])
    loaded = _fresh(
        "import json, sys\n"
        "import atraxion\n"
        "light = 'sqlalchemy' not in sys.modules and 'atraxion.bootstrap' not in sys.modules\n"
        "import atraxion.domain.records\n"
        "domain_light = 'sqlalchemy' not in sys.modules\n"
        "from atraxion import *\n"
        f"kinds = {{n: type(getattr(atraxion, n)).__name__ for n in json.loads({names!r})}}\n"
        "import atraxion.bootstrap\n"  # the module, imported: the package's name stays the function
        "from atraxion import bootstrap\n"
        "print(json.dumps({'light': light, 'domain_light': domain_light, 'kinds': kinds,\n"
        "    'bootstrap': type(bootstrap).__name__, 'simulator': sorted(m for m in sys.modules if 'odoo_sim' in m)}))"
    )
    assert loaded["light"] is True  # nothing of the service until a name is used
    assert loaded["domain_light"] is True
    assert loaded["bootstrap"] == "function"
    assert loaded["kinds"] == {**{name: "type" for name in PUBLIC}, "bootstrap": "function"}
    assert loaded["simulator"] == []


def test_every_method_of_every_port_has_a_docstring() -> None:
    """A port is what a user's own adapter implements: each method says what it must do. (The units
    of work, bundles of repositories, are documented in their own module, left out here.)"""
    ports = Path(atraxion.__file__).parent / "ports"
    missing = [
        f"{path.name}: {cls.name}.{method.name}"
        for path in sorted(ports.glob("*.py"))
        if path.stem != "unit_of_work"
        for cls in ast.parse(path.read_text()).body
        if isinstance(cls, ast.ClassDef)
        for method in cls.body
        if isinstance(method, ast.FunctionDef) and not method.name.startswith("__") and not ast.get_docstring(method)
    ]
    assert missing == []
