"""The webhook tour of docs/connecting-odoo.md (section 8.3) runs as written: its shell blocks in
bash, its Python block in Python, only the two ports swapped for free ones."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.docs_pages import section_blocks
from tests.e2e.test_serve_smoke import call, free_port

DOC = Path(__file__).parents[2] / "docs" / "connecting-odoo.md"


def blocks(section: str) -> list[tuple[str, str]]:
    """The fenced code blocks of ``section`` (a heading's text), as (language, code)."""
    return [(block.language, block.code) for block in section_blocks(DOC, section)]


def test_the_webhook_tour_runs_as_written(tmp_path: Path) -> None:
    (_, setup), (_, change), (_, look) = blocks("### 8.3 Try it with the simulator")
    odoo_port, port = free_port(), free_port()

    def ports(code: str) -> str:
        return code.replace("8069", str(odoo_port)).replace("8000", str(port))

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATRAXION_", "ODOO_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    tour = subprocess.Popen(
        ["bash", "-euc", ports(setup)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # serve and the simulator, stopped together at the end
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if call("GET", f"http://127.0.0.1:{port}/health")[0] == 200:
                    break
            except OSError:
                pass
            assert tour.poll() is None and time.monotonic() < deadline, "the tour did not start"
            time.sleep(0.2)
        subprocess.run([sys.executable, "-c", ports(change)], cwd=tmp_path, env=env, check=True, timeout=60)
        deadline = time.monotonic() + 30
        while True:
            shown = subprocess.run(
                ["bash", "-euc", ports(look)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30
            )
            items = json.loads(shown.stdout)["items"] if shown.returncode == 0 and shown.stdout else []
            if items and items[0]["data"].get("list_price") == 320.0 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert [i["key"] for i in items] == ["DESK"], shown.stdout
        assert items[0]["data"]["list_price"] == 320.0
    finally:
        os.killpg(tour.pid, signal.SIGTERM)
        output, _ = tour.communicate(timeout=30)
    token = (tmp_path / "shop-token.txt").read_text().strip()
    assert token and token not in output
