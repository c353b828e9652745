"""docs/deploying.md's database setups run as written: for PostgreSQL and for MySQL/MariaDB, the SQL
makes a user and a database, and the ``atraxion db upgrade`` command migrates that database as that
user. Only the names change (a user and a database of their own, so that runs sharing a server never
meet) and the host (the test server instead of ``db.internal``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from attrs import frozen
from sqlalchemy import text
from sqlalchemy.engine import make_url

from atraxion.adapters.sqlalchemy import create_engine_from_url
from tests.conftest import SERVERS, service_unavailable

PAGE = Path(__file__).resolve().parents[2] / "docs" / "deploying.md"


@frozen
class Setup:
    section: str  # the page's heading
    backend: str
    doc_url: str  # the URL as the page writes it
    cleanup: tuple[str, ...]  # statements undoing the SQL, {name} for the name


SETUPS = [
    pytest.param(
        Setup(
            "PostgreSQL",
            "postgresql",
            "postgresql+psycopg://atraxion:secret@db.internal/atraxion",
            ("DROP DATABASE IF EXISTS {name} WITH (FORCE)", "DROP ROLE IF EXISTS {name}"),
        ),
        marks=pytest.mark.postgresql,
        id="postgresql",
    ),
    pytest.param(
        Setup(
            "MySQL / MariaDB",
            "mariadb",
            "mysql+pymysql://atraxion:secret@db.internal/atraxion",
            ("DROP DATABASE IF EXISTS {name}", "DROP USER IF EXISTS '{name}'@'%'"),
        ),
        marks=pytest.mark.mariadb,
        id="mariadb",
    ),
]


def block(section: str, language: str) -> str:
    """The first ``language`` code block of the page's ``section``."""
    part = PAGE.read_text().split(f"### {section}\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    found = re.search(rf"```{language}\n(.*?)```", part, re.S)
    assert found, f"no {language} block in the {section} section of {PAGE.name}"
    return found.group(1)


@pytest.mark.parametrize("setup", SETUPS)
def test_the_database_setup_of_the_deploying_page_runs_as_written(setup: Setup) -> None:
    sql, command = block(setup.section, "sql"), block(setup.section, "sh").strip()
    assert setup.doc_url in command and command.endswith(" atraxion db upgrade")
    name = f"atraxion_doc_{uuid.uuid4().hex[:8]}"
    server = make_url(SERVERS[setup.backend].url)
    try:
        admin = create_engine_from_url(server.render_as_string(hide_password=False))
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001
        service_unavailable(SERVERS[setup.backend].title, f"{type(error).__name__}: {error}")
    scheme = setup.doc_url.split("://", 1)[0]
    url = f"{scheme}://{name}:secret@{server.host or '127.0.0.1'}{f':{server.port}' if server.port else ''}/{name}"
    binary = Path(sys.executable).with_name("atraxion")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATRAXION_", "ODOO_"))}
    try:
        with admin.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in filter(str.strip, sql.split(";")):
                conn.execute(text(re.sub(r"\batraxion\b", name, statement)))
        run = command.replace(setup.doc_url, url).removesuffix(" atraxion db upgrade") + f" {binary} db upgrade"
        done = subprocess.run(run, shell=True, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        migrated = create_engine_from_url(url)
        try:
            with migrated.connect() as conn:
                version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                products = conn.execute(text("SELECT count(*) FROM products")).scalar()
        finally:
            migrated.dispose()
        assert version and products == 0
    finally:
        with admin.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in setup.cleanup:
                conn.execute(text(statement.format(name=name)))
        admin.dispose()
