"""Every command and snippet of README.md and docs/ runs as written (see ``docs_pages.py`` for how a
page's blocks are run, and how a block says that another test runs it or why it cannot run here)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.e2e.docs_pages import PAGES, ROOT, RUNNABLE, Block, blocks, serves, squeezed
from tests.e2e.test_serve_smoke import free_port, serving

VENV = Path(sys.executable).parent.parent
ALL_BLOCKS = [block for page in PAGES for block in blocks(page) if block.language in RUNNABLE]
RUN_HERE = [page for page in PAGES if any(b.directive is None for b in blocks(page) if b.language in RUNNABLE)]
MARK = "@@doc-block@@"


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda block: block.name)
def test_every_block_is_run_or_says_why_not(block: Block) -> None:
    if block.directive is None:
        assert block.page in RUN_HERE
    elif block.directive.startswith("run by "):
        runner = ROOT / block.directive.removeprefix("run by ")
        assert runner.is_file(), block.directive
        assert block.page.name in runner.read_text(), f"{runner} does not name {block.page.name}"
    else:
        assert block.directive.startswith("not run: ") and len(block.directive) > len("not run: ") + 10


def _session(page: Path, tmp_path: Path, ports: dict[str, str]) -> str:
    """One bash script: the page's blocks in order, each after a marker line; Python blocks from files."""
    lines = []
    for index, block in enumerate(blocks(page)):
        if block.language not in RUNNABLE or block.directive is not None:
            continue
        code = block.code
        for old, new in ports.items():
            code = code.replace(old, new)
        lines.append(f"echo {MARK}{index}")
        if block.language == "python":
            (tmp_path / f"block_{index}.py").write_text(code)
            lines.append(f"python block_{index}.py")
        else:
            lines.append(code)
    return "\n".join(lines)


@pytest.mark.parametrize("page", RUN_HERE, ids=lambda page: page.name)
def test_the_page_runs_as_written(page: Path, tmp_path: Path) -> None:
    (tmp_path / ".venv").symlink_to(VENV)  # where `make run` installs the `atraxion` command
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "samples").symlink_to(ROOT / "tests" / "samples")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATRAXION_", "ODOO_"))}
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"  # the pages assume an activated .venv
    port, odoo_port = free_port(), free_port()
    ports = {
        ":8000": f":{port}",
        ":8069": f":{odoo_port}",
        "--port 8000": f"--port {port}",
        "--port 8069": f"--port {odoo_port}",
    }
    with ExitStack() as stack:
        if serves(page):
            stack.enter_context(serving(tmp_path, env, port))
        # Output goes to files, not pipes: what a block leaves running in the background would keep
        # a pipe open after the session ends.
        with (tmp_path / "session.out").open("w") as out_file, (tmp_path / "session.err").open("w") as err_file:
            session = subprocess.Popen(
                ["bash", "-euo", "pipefail", "-c", _session(page, tmp_path, ports)],
                cwd=tmp_path,
                env=env,
                stdout=out_file,
                stderr=err_file,
                text=True,
                start_new_session=True,  # whatever a block starts in the background is stopped with it
            )
            try:
                session.wait(timeout=240)
            finally:
                try:
                    os.killpg(session.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                session.wait(timeout=30)
    out, err = (tmp_path / "session.out").read_text(), (tmp_path / "session.err").read_text()
    assert session.returncode == 0, f"{page.name} failed:\n{out[-3000:]}\n{err[-3000:]}"
    outputs = {int(part.split("\n", 1)[0]): part.partition("\n")[2] for part in out.split(MARK)[1:]}
    for index, block in enumerate(blocks(page)):
        for fragment in block.expected_fragments():
            shown = squeezed(outputs.get(index, ""))
            assert squeezed(fragment) in shown, f"{block.name}: {fragment} not in\n{outputs.get(index)}"
