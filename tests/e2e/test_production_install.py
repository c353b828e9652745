"""docs/deploying.md's production install runs as written: a fresh virtual environment, ``pip install
.`` from a copy of the repository (its tracked files), and the installed ``atraxion`` answers — with
every migration packaged, so ``db upgrade`` creates the whole schema."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.docs_pages import ROOT, blocks

DOC = ROOT / "docs" / "deploying.md"


@pytest.mark.slow
def test_the_production_install_runs_as_written(tmp_path: Path) -> None:
    [install] = [b for b in blocks(DOC) if "pip install" in b.code and b.language == "sh"]
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    checkout = tmp_path / "checkout"
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, checkout / name)
    prefix = tmp_path / "opt-atraxion"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATRAXION_", "ODOO_", "VIRTUAL_ENV"))}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", install.code.replace("/opt/atraxion", str(prefix))],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for fragment in install.expected_fragments() or ["usage: atraxion"]:
        assert fragment in done.stdout
    assert done.stdout.startswith("usage: atraxion")
    data = tmp_path / "data"
    data.mkdir()
    upgraded = subprocess.run(
        [str(prefix / "bin" / "atraxion"), "db", "upgrade"],
        cwd=data,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("created the schema of sqlite:///./atraxion.db at revision ")
