"""The code blocks of README.md and docs/*.md, as the docs tests see them.

A ``sh`` or ``python`` block is run by ``test_docs_pages.py`` in the page's own session (a fresh
folder, the page's blocks in order, one shell, ``:8000`` and ``:8069`` swapped for free ports), unless
an HTML comment right above it says otherwise:

- ``<!-- doc-test: run by tests/…py -->``: a dedicated test runs it (that file names the page);
- ``<!-- doc-test: not run: <reason> -->``: it cannot run here (a real Odoo, your own server, a
  benchmark of minutes); the reason is listed by the docs test.

A page that says ``<!-- doc-test: serve -->`` gets ``atraxion serve`` on the embedded default
started in its folder before its blocks run, as "with `make run` serving in another terminal" does.
Below a command, ``# → …`` lines show its output: every ``"name": value`` in them must appear in
what the command printed.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNNABLE = frozenset({"sh", "python"})

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
_DIRECTIVE = re.compile(r"<!--\s*doc-test:\s*((?:(?!-->).)*?)\s*-->\s*\Z", re.S)  # the last comment only
# "name": value, where value is a string, a number, true/false/null or a flat list of those (not "[...]")
_FRAGMENT = re.compile(r'"[\w.]+":\s*(?:"[^"]*"|-?\d+(?:\.\d+)?|true|false|null|\[(?![^\]]*\.\.\.)[^\[\]…]*\])')


@attrs.frozen
class Block:
    page: Path
    line: int
    language: str
    code: str
    directive: str | None

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    def expected_fragments(self) -> list[str]:
        """The ``"name": value`` pairs the block's ``# →`` lines say its output contains."""
        shown = [line.split("→", 1)[1] for line in self.code.splitlines() if line.lstrip().startswith("# →")]
        return [fragment for line in shown for fragment in _FRAGMENT.findall(line)]


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n")
        directive = _DIRECTIVE.search(before[-400:])
        if directive and directive.group(1) == "serve":  # the page's, not the block's
            directive = None
        found.append(
            Block(
                page,
                text.count("\n", 0, match.start()) + 1,
                match.group(1),
                match.group(2),
                directive.group(1) if directive else None,
            )
        )
    return found


def section_blocks(page: Path, heading: str) -> list[Block]:
    """The blocks under ``heading`` (a heading's whole text, e.g. ``"## A short tour"``), up to the
    next heading of its level or above."""
    level = heading.split(" ", 1)[0]
    text = page.read_text()
    start = text.index(heading)
    ends = [text.find(f"\n{'#' * n} ", start + 1) for n in range(1, len(level) + 1)]
    end = min([e for e in ends if e != -1], default=len(text))
    first, last = text.count("\n", 0, start) + 1, text.count("\n", 0, end) + 1
    return [block for block in blocks(page) if first <= block.line <= last]


def serves(page: Path) -> bool:
    return "<!-- doc-test: serve -->" in page.read_text()


def squeezed(text: str) -> str:
    """Text without white space, so that ``{"a": 1}`` and ``{"a":1}`` compare equal."""
    return re.sub(r"\s+", "", text)
