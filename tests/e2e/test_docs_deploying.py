"""docs/deploying.md's PostgreSQL setup runs as written: its SQL makes a user and a database, and its
``atraxion db upgrade`` command migrates that database as that user. Only the names change (a user
and database of their own, so that runs sharing the server never meet) and the host (the test
server instead of ``db.internal``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from atraxion.adapters.sqlalchemy import create_engine_from_url
from tests.conftest import POSTGRES_URL, service_unavailable

pytestmark = pytest.mark.postgresql

PAGE = Path(__file__).resolve().parents[2] / "docs" / "deploying.md"
DOC_URL = "postgresql+psycopg://atraxion:secret@db.internal/atraxion"


def block(language: str) -> str:
    """The first ``language`` code block of the page's PostgreSQL section."""
    section = PAGE.read_text().split("### PostgreSQL", 1)[1].split("\n### ", 1)[0]
    found = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert found, f"no {language} block in the PostgreSQL section of {PAGE.name}"
    return found.group(1)


def test_the_postgresql_setup_of_the_deploying_page_runs_as_written() -> None:
    sql, command = block("sql"), block("sh").strip()
    assert DOC_URL in command and command.endswith(" atraxion db upgrade")
    name = f"atraxion_doc_{uuid.uuid4().hex[:8]}"
    server = make_url(POSTGRES_URL)
    try:
        admin = create_engine_from_url(server.render_as_string(hide_password=False))
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001
        service_unavailable("PostgreSQL", f"{type(error).__name__}: {error}")
    url = f"postgresql+psycopg://{name}:secret@{server.host or '127.0.0.1'}:{server.port or 5432}/{name}"
    binary = Path(sys.executable).with_name("atraxion")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATRAXION_", "ODOO_"))}
    try:
        with admin.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in filter(str.strip, sql.split(";")):
                conn.execute(text(re.sub(r"\batraxion\b", name, statement)))
        run = command.replace(DOC_URL, url).removesuffix(" atraxion db upgrade") + f" {binary} db upgrade"
        done = subprocess.run(run, shell=True, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        migrated = create_engine_from_url(url)
        try:
            with migrated.connect() as conn:
                owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'products'")).scalar()
                version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        finally:
            migrated.dispose()
        assert owner == name and version
    finally:
        with admin.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"DROP ROLE IF EXISTS {name}"))
        admin.dispose()
