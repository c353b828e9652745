"""docs/consumers.md runs as written: every ``sh`` block, in order, in one bash session against
``atraxion serve`` (started as the page says, on a free port instead of 8000), from a directory
where ``.venv/bin/atraxion`` is this environment's. Each block's output is checked against what the
page says it shows."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from atraxion.domain.catalog import ALL_KINDS
from tests.e2e.docs_pages import blocks
from tests.e2e.test_serve_smoke import free_port, serving

DOC = Path(__file__).parents[2] / "docs" / "consumers.md"
ENTITIES = {kind.name for kind in ALL_KINDS}


def sh_blocks() -> list[str]:
    return [block.code for block in blocks(DOC) if block.language == "sh"]


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_the_consumers_page_runs_as_written(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATRAXION_", "ODOO_"))}
    with serving(tmp_path, env, port, executable=".venv/bin/atraxion"):
        script = "\n".join(f'echo "@@ block {n}"\n{code}' for n, code in enumerate(sh_blocks()))
        ran = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script.replace("8000", str(port))],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )
    assert ran.returncode == 0, ran.stdout
    push, backlog, summary, acked, refeed, removed, failures, ready = re.split(r"@@ block \d+\n", ran.stdout)[1:]

    assert [r["status"] for r in _json_lines(push)[0]["results"]] == ["created", "created"]  # type: ignore[union-attr]

    listed, shown = _json_lines(backlog)
    items = listed["items"]
    assert isinstance(items, list)
    assert [c["name"] for c in items] == ["mobile-app", "ops", "webshop"]
    for consumer in items:
        assert set(consumer["pending"]) == ENTITIES and consumer["pending"]["products"] == 2
        assert consumer["oldestPendingAt"]["partners"] is None
    assert shown == items[2]
    table = [line.split() for line in backlog.splitlines() if not line.startswith("{")]
    assert table[0] == ["CONSUMER", "PENDING", "OLDEST", "PENDING"]
    assert [row[:2] for row in table[1:4]] == [["mobile-app", "2"], ["ops", "2"], ["webshop", "2"]]
    assert table[4] == ["consumer", "'webshop'"] and ["products", "2"] == table[6][:2]

    (own,) = _json_lines(summary)
    assert own["pending"] == 2 and own["oldestPendingAt"] == items[2]["oldestPendingAt"]["products"]

    ack, empty = _json_lines(acked)
    assert ack == {"acked": ["DESK", "LAMP"], "stale": [], "unknown": []}
    assert empty == {"pending": 0, "oldestPendingAt": None}

    answer, page = _json_lines(refeed)
    assert answer == {"consumer": "webshop", "pending": {"products": 2}}
    assert [(i["key"], i["isNew"], i["changedFields"]) for i in page["items"]] == [  # type: ignore[union-attr]
        ("DESK", True, ["list_price", "name"]),
        ("LAMP", True, ["list_price", "name"]),
    ]
    assert refeed.splitlines()[-1] == "re-fed consumer 'webshop': pending products 2"

    assert removed.splitlines() == ["204", "401", "atraxion: no consumer 'mobile-app'", "exit status 1"]

    assert _json_lines(failures) == [
        {"matched": 0, "retried": 0, "skipped": 0},
        {"matched": 0, "resolved": 0, "skipped": 0},
    ]
    assert _json_lines(ready) == [{"status": "ready", "checks": {"database": "ok"}}]
