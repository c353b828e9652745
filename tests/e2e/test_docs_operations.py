"""docs/operations.md runs as written: its tour's shell blocks in one bash session against a real
``atraxion serve`` (the port swapped for a free one), each output compared with the one the page
shows; the sizes command runs too (with fewer rows)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.docs_pages import section_blocks
from tests.e2e.test_serve_smoke import free_port

DOC = Path(__file__).parents[2] / "docs" / "operations.md"
MARK = "::block::"


def blocks(section: str) -> list[tuple[str, str]]:
    """The fenced code blocks of ``section`` (a heading's text), as (language, code)."""
    return [(block.language, block.code) for block in section_blocks(DOC, section)]


def test_the_tour_runs_as_written(tmp_path: Path) -> None:
    found = blocks("## A short tour")
    commands = [code for language, code in found if language == "sh"]
    shown = [code for language, code in found if language != "sh"]
    assert len(commands) == 5 and len(shown) == 4
    port = str(free_port())
    script = "\n".join(f"echo {MARK}\n{code.replace('8000', port)}" for code in commands)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATRAXION_", "ODOO_", "PROMETHEUS_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    tour = subprocess.Popen(
        ["bash", "-euc", script + "\nkill %1\nwait\n"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = tour.communicate(timeout=120)
    finally:
        if tour.poll() is None:
            os.killpg(tour.pid, signal.SIGTERM)
    assert tour.returncode == 0, stderr
    _, setup, history, metrics, log, prune = stdout.split(MARK + "\n")
    assert setup.startswith("created the schema of sqlite:///./operations.db at revision ")

    # The history: same versions and fields as the page shows (times differ).
    page, got = json.loads(shown[0]), json.loads(history)
    drop = [{k: v for k, v in i.items() if k != "at"} for i in page["items"]]
    assert [{k: v for k, v in i.items() if k != "at"} for i in got["items"]] == drop

    # The metrics: exactly the lines shown (they parse as Prometheus text).
    assert metrics.strip() == shown[1].strip()
    assert {f.name for f in text_string_to_metric_families(metrics)} >= {"atraxion_outbox_entries"}

    # The log line: the same fields, the same message but for the time it took.
    page_line, got_line = json.loads(shown[2]), json.loads(log)
    assert page_line.keys() == got_line.keys()
    assert got_line["message"].startswith("GET /api/v1/webshop/products/DESK/history 200 ")
    assert (got_line["consumer"], got_line["entity"]) == ("webshop", "products")

    assert prune.strip() == shown[3].strip()
    service_log = (tmp_path / "service.log").read_text()
    for token_file in ("odoo-token.txt", "shop-token.txt"):
        assert (tmp_path / token_file).read_text().strip() not in service_log


def test_the_sizes_command_runs(tmp_path: Path) -> None:
    (command,) = [code for language, code in blocks("### How much room they take") if language == "sh"]
    assert command.strip() == "python -m benchmarks.sizes --rows 20000"
    args = command.split()[1:]
    args[args.index("20000")] = "300"
    result = subprocess.run(
        [sys.executable, *args, "--backend", "sqlite"],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all(
        re.fullmatch(r"sqlite: .+: [0-9,]+ bytes per row \(300 rows\)", line) for line in lines
    )
