"""``Settings.from_env``: read through Starlette's ``Config`` (the environment over the ``.env`` file),
every bad value a one-line error naming its variable."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from atraxion.config import DEFAULT_SECRET_KEY_FILE, Settings


def test_unset_everything_is_the_defaults() -> None:
    assert Settings.from_env({}, env_file=None) == Settings()


def test_the_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    file = tmp_path / ".env"
    file.write_text(
        "# a comment\nATRAXION_WORKER_THREADS=7\nATRAXION_PULL_OVERLAP = '12.5'\nODOO_DB=\"shop\"\nATRAXION_BROKER_URL=redis://x\n"
    )
    settings = Settings.from_env({"ATRAXION_BROKER_URL": "memory"}, env_file=file)
    assert (settings.worker_threads, settings.pull_overlap, settings.odoo_db) == (7, 12.5, "shop")
    assert settings.broker_url == "memory"


def test_a_missing_env_file_is_no_warning(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Settings.from_env({}, env_file=tmp_path / "absent.env").secret_key_file == DEFAULT_SECRET_KEY_FILE


def test_blank_numbers_are_their_defaults() -> None:
    settings = Settings.from_env({"ATRAXION_PULL_PAGE_SIZE": " ", "ATRAXION_ODOO_TIMEOUT": ""}, env_file=None)
    assert (settings.pull_page_size, settings.odoo_timeout) == (1000, 30.0)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ATRAXION_MAX_BODY_BYTES", "big", "ATRAXION_MAX_BODY_BYTES must be a whole number, got 'big'"),
        ("ATRAXION_MAX_BODY_BYTES", "0", "ATRAXION_MAX_BODY_BYTES must be at least 1, got 0"),
        ("ATRAXION_WORKER_THREADS", "2.5", "ATRAXION_WORKER_THREADS must be a whole number, got '2.5'"),
        ("ATRAXION_OUTBOX_MAX_ATTEMPTS", "0", "ATRAXION_OUTBOX_MAX_ATTEMPTS must be at least 1, got 0"),
        ("ATRAXION_PULL_PAGE_SIZE", "-3", "ATRAXION_PULL_PAGE_SIZE must be at least 1, got -3"),
        ("ATRAXION_HISTORY_VERSIONS", "-1", "ATRAXION_HISTORY_VERSIONS must be 0 or more, got -1"),
        ("ATRAXION_ODOO_TIMEOUT", "soon", "ATRAXION_ODOO_TIMEOUT must be a number of seconds, got 'soon'"),
        ("ATRAXION_BODY_TIMEOUT", "-1", "ATRAXION_BODY_TIMEOUT must be 0 or more seconds, got '-1'"),
        ("ATRAXION_OUTBOX_STALE_AFTER", "inf", "ATRAXION_OUTBOX_STALE_AFTER must be 0 or more seconds, got 'inf'"),
        ("ATRAXION_PULL_OVERLAP", "nan", "ATRAXION_PULL_OVERLAP must be 0 or more seconds, got 'nan'"),
        ("ATRAXION_RETENTION_DAYS", "0", "ATRAXION_RETENTION_DAYS must be more than 0 days, got '0'"),
        ("ATRAXION_RETENTION_DELIVERIES_DAYS", "x", "ATRAXION_RETENTION_DELIVERIES_DAYS must be a number of days"),
        ("ATRAXION_LOG_FORMAT", "yaml", "ATRAXION_LOG_FORMAT must be one of text, json, got 'yaml'"),
        ("ATRAXION_WEBHOOK_RETRY_SCHEDULE", "5,-1", "ATRAXION_WEBHOOK_RETRY_SCHEDULE must list 0 or more seconds"),
        ("ATRAXION_PULL_PRODUCTS_DOMAIN", "[", "ATRAXION_PULL_PRODUCTS_DOMAIN is not JSON"),
    ],
)
def test_a_bad_value_is_one_line_naming_its_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")) as raised:
        Settings.from_env({name: value}, env_file=None)
    assert "\n" not in str(raised.value)


def test_flags_are_off_only_for_the_off_words() -> None:
    for off in ("0", "false", "No", " OFF "):
        assert Settings.from_env({"ATRAXION_API_LOG": off}, env_file=None).api_log_enabled is False
    assert Settings.from_env({"ATRAXION_WEBHOOK_ALLOW_PRIVATE": "yes"}, env_file=None).webhook_allow_private is True
