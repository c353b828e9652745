"""The Odoo simulator is a development tool: wiring and serving Atraxion never loads it (the
import-linter contract in pyproject.toml forbids the import; this checks a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_service_loads_no_simulator_module() -> None:
    code = (
        "import sys, atraxion.bootstrap, atraxion.entrypoints.http, atraxion.entrypoints.cli, "
        "atraxion.entrypoints.serve, atraxion.entrypoints.worker\n"
        "print(sorted(m for m in sys.modules if 'odoo_sim' in m))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert loaded.stdout.strip() == "[]"


def test_the_simulator_command_still_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "atraxion.entrypoints.cli", "odoo-sim", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0 and "Serve an in-memory Odoo" in done.stdout
