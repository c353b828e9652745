"""The shell blocks of docs/operators-guide.md run as written, in order, against a fresh database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from atraxion.application.sessions import log_in
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings

DOC = Path(__file__).parents[2] / "docs" / "operators-guide.md"


def test_the_guides_commands_run_as_written(tmp_path: Path) -> None:
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 3
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATRAXION_", "ODOO_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    outputs = []
    for block in blocks:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert "ops@example.com" in outputs[0] and "admin" in outputs[0]
    assert "disabled user viewer@example.com" in outputs[1]
    assert outputs[2].splitlines() == ["allowed example.com", "example.com", "removed example.com"]
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'atraxion.db'}"))
    try:
        assert (
            log_in(app.context, app.accounts, "ops@example.com", "a long passphrase 1").user.email == "ops@example.com"
        )
    finally:
        app.close()
