"""The "Adding an entity" recipe of docs/architecture.md is true: its two blocks, applied to a copy of
the package, add an entity that is pushed, polled, deleted and documented, touching 2 files."""

from __future__ import annotations

import filecmp
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from tests.e2e.docs_pages import ROOT, section_blocks

PAGE = ROOT / "docs" / "architecture.md"
PACKAGE = ROOT / "src" / "atraxion"
VERSIONS = PACKAGE / "adapters" / "sqlalchemy" / "migrations" / "versions"

SCRIPT = """
import json, sys
import atraxion
from atraxion.entrypoints.embedded import Embedded
from atraxion.entrypoints.http import openapi
from atraxion.domain.errors import InvalidBatch

assert atraxion.__file__.startswith(sys.argv[1]), atraxion.__file__
out = {}
with Embedded.open(f"sqlite:///{sys.argv[2]}/shop.db") as sync:
    sync.add_consumer("webshop")
    out["push"] = sync.push("invoices", [{"externalId": "INV-1", "odooId": 7, "data": {"total": 12.5}}])["summary"]
    out["items"] = sync.changes("invoices")["items"]
    out["delete"] = sync.delete("invoices", ["INV-1"])["summary"]
    try:
        sync.push("invoices", [{"externalId": " ", "data": {}}])
    except InvalidBatch as error:
        out["invalid"] = [e.field for e in error.errors]
doc = openapi.build()
out["paths"] = sorted(p for p in doc["paths"] if "invoices" in p)
out["record"] = doc["paths"]["/api/v1/odoo/invoices"]["post"]["requestBody"]["content"]["application/json"]
print(json.dumps(out))
"""


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(VERSIONS.parent))
    (head,) = ScriptDirectory.from_config(config).get_heads()
    return head


def _apply(copy: Path) -> None:
    declaration, migration = [block.code for block in section_blocks(PAGE, "## Adding an entity")]
    catalog = copy / "domain" / "catalog.py"
    text = catalog.read_text()
    text = text.replace("\nALL_KINDS", f"\n{declaration}\n\nALL_KINDS", 1)
    text, added = re.subn(r"(ALL_KINDS: tuple\[Kind, \.\.\.\] = \([^)]*)\)", r"\1, INVOICES)", text)
    assert added == 1
    catalog.write_text(text)
    migration = re.sub(r'down_revision = "\w+"', f'down_revision = "{_head()}"', migration)
    migration = re.sub(r'^revision = "\w+"', 'revision = "adding_an_entity"', migration, flags=re.M)
    (copy / "adapters" / "sqlalchemy" / "migrations" / "versions" / "9999_invoices.py").write_text(migration)


def _differing(left: Path, right: Path) -> list[str]:
    found = []
    compared = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found += [str(right / name) for name in compared.diff_files + compared.right_only + compared.left_only]
    for name in compared.common_dirs:
        found += _differing(left / name, right / name)
    return found


def test_the_recipe_adds_an_entity_touching_two_files(tmp_path: Path) -> None:
    copy = tmp_path / "src" / "atraxion"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    _apply(copy)
    assert len(_differing(PACKAGE, copy)) == 2  # the catalog, and the new migration

    env = {"PYTHONPATH": str(tmp_path / "src"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(copy), str(tmp_path)], env=env, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["push"]["created"] == 1 and out["delete"]["deleted"] == 1
    (item,) = out["items"]
    assert item["key"] == "INV-1" and item["odooId"] == 7 and item["changedFields"] == ["total"]
    assert out["invalid"] == ["externalId"]
    assert "/api/v1/odoo/invoices" in out["paths"] and "/api/v1/webshop/invoices/{externalId}" in out["paths"]
    live = out["record"]["schema"]["properties"]["records"]["items"]["oneOf"][0]
    assert set(live["properties"]) == {"externalId", "data", "odooId", "deleted"}
