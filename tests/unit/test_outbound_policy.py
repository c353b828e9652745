"""The outbox's pure rules: backoff, the entry state machine, failures, webshop order references."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from atraxion.domain.outbox import (
    SUCCESSES,
    AttemptOutcome,
    FailureSource,
    FailureStatus,
    InvalidTransition,
    OutboxEntry,
    OutboxStatus,
    RetryPolicy,
    SyncFailure,
)
from atraxion.domain.webshop_orders import OrderLine, WebshopSaleOrder, odoo_ids, reference_errors, to_odoo

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STALE = timedelta(seconds=60)
POLICY = RetryPolicy(max_attempts=3, base_seconds=1.0, cap_seconds=10.0)

policies = st.builds(
    lambda attempts, base, factor: RetryPolicy(attempts, base, base * factor),
    st.integers(1, 20),
    st.floats(0.001, 100.0),
    st.floats(1.0, 1000.0),
)


@given(policies, st.integers(1, 200), st.floats(0.0, 1.0, exclude_max=True))
def test_a_backoff_is_within_half_and_all_of_its_ceiling_and_the_ceiling_within_base_and_cap(
    policy: RetryPolicy, attempt: int, fraction: float
) -> None:
    delay = policy.delay(attempt, fraction).total_seconds()
    ceiling = policy.ceiling(attempt)
    assert policy.base_seconds <= ceiling <= policy.cap_seconds
    assert ceiling / 2 - 1e-6 <= delay <= ceiling + 1e-6


@given(policies, st.integers(1, 200))
def test_the_backoff_ceiling_never_decreases_and_reaches_the_cap(policy: RetryPolicy, attempt: int) -> None:
    assert policy.ceiling(attempt) <= policy.ceiling(attempt + 1)
    assert policy.ceiling(200) == policy.cap_seconds


def test_the_backoff_doubles_from_base_until_the_cap() -> None:
    assert [POLICY.ceiling(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_a_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_seconds=5.0, cap_seconds=1.0)


def entry() -> OutboxEntry:
    return OutboxEntry.new("sale_order", "SO1", {"externalId": "SO1"}, T0)


def test_transient_failures_back_off_then_fail_when_the_budget_is_spent() -> None:
    e = entry()
    for number in (1, 2):
        e = e.claim(T0, STALE, POLICY)
        e = e.fail_transient(T0, number, "Odoo down", POLICY, 0.5)
        assert e.status is OutboxStatus.PENDING
        assert e.next_attempt_at == T0 + timedelta(seconds=POLICY.ceiling(number) * 0.75)  # half fixed, half drawn
        assert not e.is_claimable(T0, STALE)
        e = attrs_due(e)
    e = e.claim(T0, STALE, POLICY)
    e = e.fail_transient(T0, 3, "Odoo down", POLICY, 0.5)
    assert (e.status, e.attempts, e.last_error) == (OutboxStatus.FAILED, 3, "Odoo down")
    assert [a.outcome for a in e.history] == [AttemptOutcome.TRANSIENT_ERROR] * 3


@given(st.floats(0, 0.99), st.floats(0, 120))
def test_after_a_create_of_unknown_outcome_the_retry_waits_at_least_the_settle_time(
    fraction: float, settle: float
) -> None:
    e = entry().claim(T0, STALE, POLICY)
    e = e.fail_transient(T0, 1, "timed out", POLICY, fraction, timedelta(seconds=settle))
    assert e.next_attempt_at is not None
    assert e.next_attempt_at - T0 >= timedelta(seconds=settle)
    assert e.next_attempt_at - T0 >= POLICY.delay(1, fraction)


def attrs_due(e: OutboxEntry) -> OutboxEntry:
    """The entry as it is once its backoff has passed (the clock moved on)."""
    return attrs.evolve(e, next_attempt_at=T0)


def test_a_permanent_failure_fails_at_once() -> None:
    e = entry().claim(T0, STALE, POLICY).fail_permanent(T0, 1, "Fault 2: no such product")
    assert e.status is OutboxStatus.FAILED and e.attempts == 1
    with pytest.raises(InvalidTransition):
        e.claim(T0 + STALE * 2, STALE, POLICY)


def test_a_stale_claim_is_taken_over_and_the_old_holder_can_no_longer_finish() -> None:
    first = entry().claim(T0, STALE, POLICY)
    assert not first.is_claimable(T0 + STALE - timedelta(seconds=1), STALE)
    second = first.claim(T0 + STALE, STALE, POLICY)
    assert second.attempts == 2 and second.history[-1].outcome is AttemptOutcome.ABANDONED
    with pytest.raises(InvalidTransition):
        second.complete(T0 + STALE, 1, 7, AttemptOutcome.CREATED)
    done = second.complete(T0 + STALE, 2, 7, AttemptOutcome.FOUND)
    assert (done.status, done.odoo_id) == (OutboxStatus.COMPLETED, 7)


def test_a_stale_claim_on_the_last_attempt_fails_the_entry_instead_of_looping() -> None:
    e = entry()
    for _ in range(POLICY.max_attempts):
        e = e.claim(e.claimed_at + STALE if e.claimed_at else T0, STALE, POLICY)
    assert e.status is OutboxStatus.PROCESSING and e.attempts == POLICY.max_attempts
    failed = e.claim(e.claimed_at + STALE if e.claimed_at else T0, STALE, POLICY)
    assert failed.status is OutboxStatus.FAILED
    assert "presumed dead" in (failed.last_error or "")


def test_an_operators_retry_grants_a_fresh_budget_and_keeps_the_history() -> None:
    e = entry().claim(T0, STALE, POLICY).fail_permanent(T0, 1, "bad")
    retried = e.retry(T0)
    assert (retried.status, retried.attempts, retried.attempts_left(POLICY)) == (OutboxStatus.PENDING, 1, 3)
    assert retried.history == e.history and retried.was_retried_by_hand
    done = retried.claim(T0, STALE, POLICY).complete(T0, 2, 5, AttemptOutcome.CREATED)
    with pytest.raises(InvalidTransition):
        done.retry(T0)


def test_every_change_bumps_the_revision() -> None:
    e = entry()
    claimed = e.claim(T0, STALE, POLICY)
    assert claimed.revision == e.revision + 1
    assert claimed.complete(T0, 1, 3, AttemptOutcome.CREATED).revision == e.revision + 2


def test_a_failure_opens_updates_and_resolves_once() -> None:
    failed = entry().claim(T0, STALE, POLICY).fail_permanent(T0, 1, "bad partner")
    failure = SyncFailure.open_for(failed, FailureSource.ODOO, T0)
    assert (failure.status, failure.error_message, failure.external_id) == (FailureStatus.OPEN, "bad partner", "SO1")
    assert failure.failed_again("worse").error_message == "worse"
    resolved = failure.resolve(T0 + STALE)
    assert resolved.resolve(T0 + 2 * STALE).resolved_at == T0 + STALE


class EntryMachine(RuleBasedStateMachine):
    """Random interleavings of claims (by workers that may die), outcomes (possibly late, from a
    claim that was taken over), operator retries and the clock: an entry completes at most once,
    and once completed it stays completed."""

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.entry = entry()
        self.claims: list[int] = []
        self.completions = 0

    @rule(seconds=st.floats(0, 120))
    def time_passes(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    @precondition(lambda self: self.entry.is_claimable(self.now, STALE))
    @rule()
    def claim(self) -> None:
        self.entry = self.entry.claim(self.now, STALE, POLICY)
        if self.entry.status is OutboxStatus.PROCESSING:
            self.claims.append(self.entry.attempts)

    @rule(data=st.data(), kind=st.sampled_from(["created", "found", "transient", "permanent"]))
    def a_worker_reports(self, data: st.DataObject, kind: str) -> None:
        if not self.claims:
            return
        attempt = data.draw(st.sampled_from(self.claims))
        held = self.entry.holds(attempt)
        try:
            if kind in ("created", "found"):
                self.entry = self.entry.complete(self.now, attempt, 42, AttemptOutcome(kind))
                self.completions += 1
            elif kind == "transient":
                self.entry = self.entry.fail_transient(self.now, attempt, "x", POLICY, data.draw(st.floats(0, 0.99)))
            else:
                self.entry = self.entry.fail_permanent(self.now, attempt, "x")
        except InvalidTransition:
            assert not held
        else:
            assert held

    @rule()
    def an_operator_retries(self) -> None:
        before = self.entry.status
        try:
            self.entry = self.entry.retry(self.now)
        except InvalidTransition:
            assert before in (OutboxStatus.PROCESSING, OutboxStatus.COMPLETED)

    @invariant()
    def completes_at_most_once(self) -> None:
        assert self.completions <= 1
        assert sum(1 for a in self.entry.history if a.outcome in SUCCESSES) == self.completions
        if self.completions:
            assert self.entry.status is OutboxStatus.COMPLETED


TestEntryStateMachine = EntryMachine.TestCase


ORDER = WebshopSaleOrder(
    "SO1",
    "P1",
    [OrderLine("A", Decimal("2")), OrderLine("B", Decimal("1.5"), Decimal("9.99"))],
    invoice_partner_external_id="P2",
)


def test_reference_errors_name_every_unknown_or_unmapped_partner_and_product() -> None:
    errors = reference_errors(ORDER, partners={"P1": 10, "P2": None}, products={"B": 7})
    assert [(e.field, e.message) for e in errors] == [
        ("invoicePartnerExternalId", "partner 'P2' has no odooId yet: Odoo must push it with one"),
        ("lines[0].productExternalId", "unknown product 'A': Odoo has not pushed it"),
    ]


def test_a_resolved_order_maps_to_odoo_ids() -> None:
    odoo = to_odoo(ORDER, {"P1": 10, "P2": 11}, {"A": 6, "B": 7})
    assert (odoo.client_order_ref, odoo.partner_id, odoo.partner_invoice_id, odoo.partner_shipping_id) == (
        "SO1",
        10,
        11,
        None,
    )
    assert [(line.product_id, line.quantity, line.price_unit) for line in odoo.lines] == [
        (6, Decimal("2"), None),
        (7, Decimal("1.5"), Decimal("9.99")),
    ]


def test_odoo_ids_accept_only_positive_integers() -> None:
    assert odoo_ids({"a": {"odooId": 3}, "b": {}, "c": {"odooId": True}, "d": {"odooId": "4"}}) == {
        "a": 3,
        "b": None,
        "c": None,
        "d": None,
    }
