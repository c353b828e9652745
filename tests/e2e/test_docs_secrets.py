"""docs/deploying.md, "Secrets": the command that makes an ATRAXION_SECRET_KEY runs as written and
makes a key Atraxion accepts; a rotated setting (``NEW,OLD``) opens what the old key sealed; a key
that is not one is refused with one line naming the variable, never repeating its value."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from atraxion.adapters.secret_box import PREFIX, UnreadableSecret, secret_box
from atraxion.config import Settings
from tests.e2e.docs_pages import ROOT, blocks
from tests.e2e.test_serve_smoke import cli

PAGE = ROOT / "docs" / "deploying.md"
VENV = ROOT / ".venv"


def make_key() -> str:
    (block,) = [b for b in blocks(PAGE) if b.directive == "run by tests/e2e/test_docs_secrets.py"]
    env = {**os.environ, "PATH": f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", block.code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_documented_command_makes_a_key_that_seals_and_rotates(tmp_path: Path) -> None:
    old, new = make_key(), make_key()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}=", old) and old != new
    settings = Settings.from_env({"ATRAXION_SECRET_KEY": old}, env_file=None)
    sealed = secret_box(settings.secret_key, settings.secret_key_file).seal("whsec_abc")
    assert sealed.startswith(PREFIX) and "whsec_abc" not in sealed
    rotated = secret_box(f"{new},{old}", "unused")
    assert rotated.open(sealed) == "whsec_abc"
    assert secret_box(new, "unused").open(rotated.seal("whsec_abc")) == "whsec_abc"
    with pytest.raises(UnreadableSecret):
        secret_box(new, "unused").open(sealed)
    assert not (tmp_path / "atraxion.key").exists() and not Path("unused").exists()


def test_without_a_key_one_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "atraxion.key"
    first = secret_box(None, str(path))
    assert path.stat().st_mode & 0o777 == 0o600
    assert secret_box(None, str(path)).open(first.seal("whsec_abc")) == "whsec_abc"


def test_a_value_that_is_no_key_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    env = {**os.environ, "ATRAXION_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"}
    env["ATRAXION_SECRET_KEY"] = "correct-horse-battery-staple"
    done = cli(env, "token", "list")
    assert done.returncode != 0
    assert "ATRAXION_SECRET_KEY" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert "correct-horse" not in done.stderr + done.stdout
