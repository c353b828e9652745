"""Every snippet of docs/odoo-simulator.md runs as written (against a fresh simulator)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from atraxion.testing.odoo_sim import OdooSimulator
from atraxion.testing.odoo_sim._cli import build_parser

DOC = Path(__file__).resolve().parents[3] / "docs" / "odoo-simulator.md"
FENCE = re.compile(r"```(?P<language>\w+)\n(?P<code>.*?)```", re.DOTALL)
DEFAULT_URL = "http://127.0.0.1:8069"


def blocks(language: str) -> list[str]:
    return [m["code"] for m in FENCE.finditer(DOC.read_text(encoding="utf-8")) if m["language"] == language]


@pytest.mark.parametrize("code", blocks("python"), ids=lambda code: code.strip().splitlines()[0][:40])
def test_each_python_snippet_runs(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Snippets for a command-line simulator talk to 127.0.0.1:8069; here that is a fresh one.
    with OdooSimulator(db="odoo", login="admin", password="admin") as sim:
        exec(compile(code.replace(DEFAULT_URL, sim.url), str(DOC), "exec"), {"__name__": "snippet"})  # noqa: S102
    if "'name': 'S00001'" in code:
        assert "'name': 'S00001'" in capsys.readouterr().out


def test_each_command_line_is_accepted() -> None:
    lines = [line.split("#", 1)[0] for code in blocks("sh") for line in code.splitlines()]
    commands = [shlex.split(line) for line in lines if line.strip()]
    assert commands and all(command[:2] == ["atraxion", "odoo-sim"] for command in commands)
    for command in commands:
        build_parser().parse_args(command[2:])


def test_the_json_example_is_json() -> None:
    import json

    [example] = blocks("json")
    assert json.loads(example)["_action"].endswith("(#12)")
