"""The CLI's answers to a user's mistakes: one line saying what to fix, exit status 2, no traceback,
no password; and ``db upgrade`` saying what it did."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_serve_smoke import free_port

ATRAXION = str(Path(sys.executable).parent / "atraxion")


def run(tmp_path: Path, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATRAXION_", "ODOO_"))}
    if database_url is not None:
        env["ATRAXION_DATABASE_URL"] = database_url
    return subprocess.run(
        [ATRAXION, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_db_upgrade_says_it_created_the_schema_then_that_it_is_up_to_date(tmp_path: Path) -> None:
    first = run(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("created the schema of sqlite:///./atraxion.db at revision ")
    head = first.stdout.split()[-1]
    again = run(tmp_path, "db", "upgrade")
    assert again.stdout == f"sqlite:///./atraxion.db is already up to date (revision {head})\n"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("foo://user:pw1@x/db", "is not a database URL Atraxion can use"),
        ("not a url", "is not a database URL Atraxion can use"),
        ("mysql+nosuchdriver://user:pw1@127.0.0.1/db", "is not a database URL Atraxion can use"),
        ("mysql+mysqldb://user:pw1@127.0.0.1/db", "needs the Python module 'MySQLdb', which is not installed"),
        (f"mysql+pymysql://user:pw1@127.0.0.1:{free_port()}/db", "cannot use the database at"),
        ("sqlite:////nonexistent-folder/sub/atraxion.db", "cannot use the database at"),
    ],
)
@pytest.mark.parametrize("command", [("db", "upgrade"), ("serve", "--port", "0"), ("token", "list")])
def test_a_database_url_that_cannot_be_used_is_one_line_naming_it(
    tmp_path: Path, url: str, expected: str, command: tuple[str, ...]
) -> None:
    done = run(tmp_path, *command, database_url=url)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "ATRAXION_DATABASE_URL" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "pw1" not in done.stderr + done.stdout
    assert done.stderr.count("\n") == 1, done.stderr


def test_an_unknown_log_level_is_refused_naming_the_choices(tmp_path: Path) -> None:
    done = run(tmp_path, "serve", "--log-level", "loud")
    assert done.returncode == 2
    assert "invalid choice: 'loud'" in done.stderr and "'debug'" in done.stderr
    assert "Traceback" not in done.stderr
