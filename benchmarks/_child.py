"""Running :mod:`benchmarks._rss_push` in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def push_in_child(url: str, entity: str, body: bytes, token: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="atraxion_bench_body_") as folder:
        path = Path(folder) / "body.json"
        path.write_bytes(body)
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks._rss_push", url, entity, str(path)],
            env={**os.environ, "ATRAXION_BENCH_TOKEN": token},
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent.parent,
        )
    if done.returncode != 0:
        raise RuntimeError(f"the RSS child failed ({done.returncode}): {done.stderr[-2000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer
