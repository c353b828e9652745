"""The people rules of the admin UI: addresses, domains, roles, lockout (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from atraxion.domain.users import (
    LockoutPolicy,
    Role,
    User,
    check_password,
    may_sign_up,
    normalize_domain,
    normalize_email,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
POLICY = LockoutPolicy()


def _user() -> User:
    return User(1, "ann@example.com", Role.VIEWER, "hash", True, T0)


def test_addresses_and_domains_are_normalized_or_refused() -> None:
    assert normalize_email("  Ann.Lee@Example.COM ") == "ann.lee@example.com"
    assert normalize_domain("@Example.COM.") == "example.com"
    for bad in ("", "ann", "ann@", "@example.com", "ann@example", "a b@example.com", "ann@exa_mple.com", "ann@-x.com"):
        with pytest.raises(ValueError):
            normalize_email(bad)
    for bad in ("localhost", "exa mple.com", "a..b", "-a.com"):
        with pytest.raises(ValueError):
            normalize_domain(bad)


def test_only_the_exact_allowed_domain_may_sign_up() -> None:
    allowed = ["example.com"]
    assert may_sign_up("x@EXAMPLE.com", allowed)
    assert not may_sign_up("x@sub.example.com", allowed)
    assert not may_sign_up("x@example.com.evil.test", allowed)
    assert not may_sign_up("x@notexample.com", allowed)


def test_roles_grant_nested_powers() -> None:
    assert [(r.can_operate, r.can_administer) for r in Role] == [(True, True), (True, False), (False, False)]


def test_passwords_have_10_to_1024_characters() -> None:
    check_password("x" * 10)
    for bad in ("x" * 9, "x" * 1025):
        with pytest.raises(ValueError):
            check_password(bad)


def test_the_tenth_failure_within_15_minutes_locks_for_15_minutes() -> None:
    user = _user()
    for minute in range(9):
        user = user.after_failure(T0 + timedelta(minutes=minute), POLICY)
        assert not user.locked(T0 + timedelta(minutes=minute))
    tenth = T0 + timedelta(minutes=14, seconds=59)
    user = user.after_failure(tenth, POLICY)
    assert user.locked(tenth) and user.locked(tenth + timedelta(minutes=14, seconds=59))
    assert not user.locked(tenth + timedelta(minutes=15))


def test_ten_failures_straddling_a_quarter_hour_still_lock() -> None:
    user = _user()
    for second in range(5):
        user = user.after_failure(T0 + timedelta(seconds=second), POLICY)
    late = T0 + timedelta(minutes=14)
    for second in range(5):
        user = user.after_failure(late + timedelta(seconds=second), POLICY)
    assert user.locked(late + timedelta(seconds=4))
    user = _user()
    for second in range(5):
        user = user.after_failure(T0 + timedelta(seconds=second), POLICY)
    for second in range(5):  # the first five are older than 15 minutes by now: 5 count, not 10
        user = user.after_failure(T0 + timedelta(minutes=15, seconds=10 + second), POLICY)
    assert not user.locked(T0 + timedelta(minutes=15, seconds=14))
    assert len(user.recent_failures) == 5


def test_a_success_forgets_the_failures() -> None:
    user = _user()
    for _ in range(9):
        user = user.after_failure(T0, POLICY)
    user = user.after_success().after_failure(T0, POLICY)
    assert len(user.recent_failures) == 1 and not user.locked(T0)


@given(st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=40))
@example([0] * 10)  # ten at once: locked at the tenth
@example([99] * 20)  # ten within 15 minutes (9 × 99 s), twice
@example([100] * 20)  # never ten within 15 minutes (9 × 100 s is exactly 15): never locked
def test_lockout_locks_exactly_at_10_failures_within_15_minutes(gaps: list[int]) -> None:
    """Whatever the spacing of failures (a sliding window): the account locks at the failure that
    makes 10 within the last 15 minutes (counting since the last lock), never earlier, and then
    for exactly 15 minutes."""
    user, now, times = _user(), T0, []
    for gap in gaps:
        now += timedelta(seconds=gap)
        was_locked = user.locked(now)
        times.append(now)
        user = user.after_failure(now, POLICY)
        in_window = [t for t in times if now - t < POLICY.window]
        if len(in_window) >= POLICY.max_failures:
            event("locked")
            assert user.locked_until == now + POLICY.lock_for
            times, in_window = [], []
        else:
            assert user.locked(now) == was_locked
        assert list(user.recent_failures) == in_window  # what the next failure counts from


@given(st.emails())
def test_every_normalized_address_normalizes_to_itself(address: str) -> None:
    try:
        normalized = normalize_email(address)
    except ValueError:
        return
    assert normalize_email(normalized) == normalized
    assert normalized == normalized.lower()
