"""Broker URLs: which broker, which queue, and never a password in what gets logged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atraxion.adapters.queue.dramatiq_url import (
    DEFAULT_QUEUE_NAME,
    is_dramatiq_url,
    parse_broker_url,
    redact,
)


@pytest.mark.parametrize(
    ("url", "kind", "connection_url", "queue"),
    [
        ("redis://127.0.0.1:6379/0", "redis", "redis://127.0.0.1:6379/0", DEFAULT_QUEUE_NAME),
        ("rediss://:pw@cache:6380/2?queue=orders", "redis", "rediss://:pw@cache:6380/2", "orders"),
        (
            "amqp://u:p@rabbit:5672/%2F?heartbeat=30&queue=a.b-c_d",
            "rabbitmq",
            "amqp://u:p@rabbit:5672/%2F?heartbeat=30",
            "a.b-c_d",
        ),
        ("AMQPS://rabbit/vhost", "rabbitmq", "amqps://rabbit/vhost", DEFAULT_QUEUE_NAME),
    ],
)
def test_parse(url: str, kind: str, connection_url: str, queue: str) -> None:
    parsed = parse_broker_url(url)
    assert (parsed.kind, parsed.connection_url, parsed.queue_name) == (kind, connection_url, queue)
    assert is_dramatiq_url(url)


def test_an_explicit_queue_name_wins_over_the_url() -> None:
    assert parse_broker_url("redis://h/0?queue=from-url", queue_name="explicit").queue_name == "explicit"


@pytest.mark.parametrize("url", ["memory", "sqlite:///x.db", "http://rabbit", ""])
def test_other_urls_are_not_brokers(url: str) -> None:
    assert not is_dramatiq_url(url)
    with pytest.raises(ValueError, match="not a Dramatiq broker URL"):
        parse_broker_url(url)


@pytest.mark.parametrize("name", ["9starts-with-digit", "has space", "slash/name", "-dash"])
def test_bad_queue_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="bad queue name"):
        parse_broker_url("redis://h/0", queue_name=name)


def test_the_refusal_of_an_unknown_scheme_hides_the_password() -> None:
    with pytest.raises(ValueError) as raised:
        parse_broker_url("kafka://user:s3cret@host")
    assert "s3cret" not in str(raised.value)


@given(
    user=st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=10),
    password=st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=4, max_size=20),
)
def test_redact_hides_any_password(user: str, password: str) -> None:
    url = f"amqp://{user}:{password}@rabbit.internal:5672/%2F"
    shown = redact(url)
    assert shown == f"amqp://{user}:***@rabbit.internal:5672/%2F"
    assert parse_broker_url(url).redacted == shown


def test_redact_leaves_urls_without_password_alone() -> None:
    assert redact("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
