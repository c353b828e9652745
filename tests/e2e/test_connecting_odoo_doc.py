"""docs/connecting-odoo.md's walk-through runs as written against ``atraxion odoo-sim --demo``.

The simulator is started as the doc says (on a free port instead of 8069); the doc's shell block
runs in a fresh folder with that URL, and its output must contain the doc's output blocks; the
Python snippet runs as written against the same simulator and database.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "connecting-odoo.md"
BIN = str(Path(sys.executable).parent)


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.S)


@pytest.fixture
def demo_sim() -> Iterator[str]:
    [start] = [b for b in _blocks("sh") if "odoo-sim --demo" in b]
    command = start.strip().replace("--port 8069", "--port 0").split()
    assert command[0] == "atraxion"
    child = subprocess.Popen(
        [str(Path(BIN) / "atraxion"), *command[1:]], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert child.stdout is not None
        banner = child.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", banner)
        assert match, banner
        yield match.group(1)
    finally:
        child.terminate()
        child.wait(timeout=15)
        if child.stdout is not None:
            child.stdout.close()


def test_the_walk_through_runs_as_written(demo_sim: str, tmp_path: Path) -> None:
    [script] = [b for b in _blocks("sh") if "atraxion odoo pull" in b and "export ODOO_URL" in b]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "ATRAXION_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace(":8069", f":{demo_sim}")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    first, second = _blocks("text")[:2]
    output = done.stdout.splitlines()
    assert output[: len(first.splitlines())] == first.splitlines()
    assert output[-len(second.splitlines()) :] == second.splitlines()

    [snippet] = [b for b in _blocks("python") if "pull(" in b]
    env.update(
        ODOO_URL=f"http://127.0.0.1:{demo_sim}",
        ODOO_DB="odoo",
        ODOO_USERNAME="admin",
        ODOO_API_KEY="demo-key",
        ATRAXION_DATABASE_URL="sqlite:///./atraxion-demo.db",
    )
    ran = subprocess.run(
        [sys.executable, "-c", snippet], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-1] == "pulled 36: created 0, updated 0, unchanged 36, deleted 0"
