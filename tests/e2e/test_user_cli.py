"""``atraxion user …`` and ``atraxion domain …`` as a person types them."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from atraxion.application.sessions import log_in
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.entrypoints.cli import main


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ATRAXION_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def _run(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_user_create_reads_the_password_from_stdin_and_the_user_can_sign_in(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        ["user", "create", "Ann@Example.com", "--role", "admin"], monkeypatch, capsys, "s3cret pass word\nignored\n"
    )
    assert code == 0 and out.strip() == "created user ann@example.com (admin)"
    app = bootstrap(Settings(database_url=database))
    try:
        assert log_in(app.context, app.accounts, "ann@example.com", "s3cret pass word").user.verified
    finally:
        app.close()
    code, out, _ = _run(["user", "list"], monkeypatch, capsys)
    assert "ann@example.com" in out and "admin" in out and "active" in out
    code, _, err = _run(
        ["user", "create", "ann@example.com", "--role", "viewer"], monkeypatch, capsys, "another password\n"
    )
    assert code == 1 and err.strip() == "atraxion: a user ann@example.com already exists"
    code, _, err = _run(["user", "create", "bob@example.com", "--role", "viewer"], monkeypatch, capsys, "short\n")
    assert code == 1 and "10 to 1024 characters" in err
    code, out, _ = _run(["user", "disable", "ann@example.com"], monkeypatch, capsys)
    assert code == 0 and "disabled" in _run(["user", "list"], monkeypatch, capsys)[1]


def test_domain_add_list_remove(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["domain", "add", "Example.com"], monkeypatch, capsys)[1].strip() == "allowed example.com"
    assert _run(["domain", "add", "example.com"], monkeypatch, capsys)[1].strip() == "example.com was already allowed"
    assert _run(["domain", "list"], monkeypatch, capsys)[1] == "example.com\n"
    code, _, err = _run(["domain", "add", "not a domain"], monkeypatch, capsys)
    assert code == 1 and err.count("\n") == 1
    assert _run(["domain", "remove", "example.com"], monkeypatch, capsys)[:2] == (0, "removed example.com\n")
    assert _run(["domain", "remove", "example.com"], monkeypatch, capsys)[0] == 1
