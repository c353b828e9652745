"""``atraxion user …`` and ``atraxion domain …`` as a person types them."""

from __future__ import annotations

import io
import logging
import os
import pty
import select
import signal
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from atraxion.application.sessions import log_in
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.entrypoints.cli import main


@pytest.fixture(autouse=True)
def root_logging() -> Iterator[None]:
    """The CLI configures logging onto the captured stderr of its test: undo it afterwards, or later
    log lines (another test's server thread) go to a closed stream."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


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
    assert code == 1 and err.strip().splitlines()[-1] == "atraxion: a user ann@example.com already exists"
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
    assert (
        code == 1
        and err.strip().splitlines()[-1] == "atraxion: 'not a domain' is not a domain name such as example.com"
    )
    assert _run(["domain", "remove", "example.com"], monkeypatch, capsys)[:2] == (0, "removed example.com\n")
    assert _run(["domain", "remove", "example.com"], monkeypatch, capsys)[0] == 1


def _on_a_terminal(argv: list[str], answers: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the command with a pseudo-terminal as its controlling terminal, typing ``answers`` at
    each prompt; its exit code and everything it showed."""
    with warnings.catch_warnings():  # Python 3.12+ warns of fork() in a process with threads; the child only execs
        warnings.simplefilter("ignore", DeprecationWarning)
        pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its stdin, stdout and /dev/tty
        os.execve(argv[0], argv, env)
    shown, pending = b"", list(answers)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if pending and shown.rstrip().endswith(b":"):
                time.sleep(0.3)  # let getpass turn echo off first (typing ahead of a prompt races it)
                os.write(fd, pending.pop(0).encode() + b"\n")
                shown += b"\n"
    finished, status = os.waitpid(pid, os.WNOHANG)
    if finished == 0:  # still running at the deadline: stop it, then report
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_user_create_on_a_terminal_asks_twice_without_echo(database: str) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ATRAXION_")}, "ATRAXION_DATABASE_URL": database}
    atraxion = str(Path(sys.executable).parent / "atraxion")
    code, shown = _on_a_terminal(
        [atraxion, "user", "create", "tty@example.com", "--role", "operator"],
        ["typed twice 123", "typed twice 123"],
        env,
    )
    assert code == 0, shown
    assert "Password:" in shown and "Repeat it:" in shown and "typed twice" not in shown
    assert "created user tty@example.com (operator)" in shown
    code, shown = _on_a_terminal(
        [atraxion, "user", "create", "two@example.com", "--role", "viewer"], ["first one 12345", "second one 1234"], env
    )
    assert code == 1 and "the two passwords differ" in shown
