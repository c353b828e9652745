"""Leases on every backend: one holder at a time, even with 8 threads racing for it in the same
instant; renewal by the holder only; takeover after expiry; release hands it over at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from atraxion.application.leases import acquire_lease, lease_of, release_lease
from atraxion.bootstrap import Atraxion, new_holder
from atraxion.testing import FakeClock

THREADS = 8
TTL = timedelta(seconds=30)


def race(app: Atraxion, name: str, holders: list[str]) -> list[str]:
    """Every holder tries to take ``name`` at once (released together by a barrier); the winners."""
    barrier = threading.Barrier(len(holders))
    won: list[str] = []
    errors: list[BaseException] = []
    guard = threading.Lock()

    def contend(holder: str) -> None:
        try:
            barrier.wait(timeout=30)
            if acquire_lease(app.context, name, holder, TTL):
                with guard:
                    won.append(holder)
        except BaseException as error:  # noqa: BLE001 - reported below, with the thread's error
            with guard:
                errors.append(error)

    threads = [threading.Thread(target=contend, args=(h,)) for h in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return won


@pytest.mark.parametrize("round_", range(5))
def test_eight_threads_racing_for_a_new_lease_leave_exactly_one_holder(atraxion: Atraxion, round_: int) -> None:
    holders = [f"replica-{round_}-{n}" for n in range(THREADS)]
    won = race(atraxion, "odoo-pull", holders)
    assert len(won) == 1
    lease = lease_of(atraxion.context, "odoo-pull")
    assert lease is not None and lease.holder == won[0]


def test_eight_threads_racing_for_an_expired_lease_leave_exactly_one_holder(
    atraxion: Atraxion, clock: FakeClock
) -> None:
    assert acquire_lease(atraxion.context, "odoo-pull", "dead-replica", TTL)
    for round_ in range(4):
        clock.advance(seconds=TTL.total_seconds())  # exactly at expiry: free
        won = race(atraxion, "odoo-pull", [f"r{round_}-{n}" for n in range(THREADS)])
        assert len(won) == 1, won
        lease = lease_of(atraxion.context, "odoo-pull")
        assert lease is not None and lease.holder == won[0]
        assert lease.expires_at == clock.now() + TTL


def test_a_held_lease_is_refused_to_others_and_renewed_by_its_holder(atraxion: Atraxion, clock: FakeClock) -> None:
    ctx = atraxion.context
    assert acquire_lease(ctx, "sweeper", "a", TTL)
    assert not acquire_lease(ctx, "sweeper", "b", TTL)
    clock.advance(seconds=20)
    assert acquire_lease(ctx, "sweeper", "a", TTL)  # renewal: now valid until 20 + 30 s
    clock.advance(seconds=25)  # 45 s after the first take: expired without the renewal
    assert not acquire_lease(ctx, "sweeper", "b", TTL)
    lease = lease_of(ctx, "sweeper")
    assert lease is not None and lease.holder == "a" and lease.held_by("a", clock.now())


def test_expiry_lets_another_take_over_and_the_old_holder_cannot_renew(atraxion: Atraxion, clock: FakeClock) -> None:
    ctx = atraxion.context
    assert acquire_lease(ctx, "odoo-pull", "a", TTL)
    clock.advance(seconds=29.5)
    assert not acquire_lease(ctx, "odoo-pull", "b", TTL)
    clock.advance(seconds=0.5)
    assert acquire_lease(ctx, "odoo-pull", "b", TTL)
    assert not acquire_lease(ctx, "odoo-pull", "a", TTL)  # a woke up late: b holds it now
    assert not release_lease(ctx, "odoo-pull", "a")


def test_release_hands_the_lease_over_at_once(atraxion: Atraxion) -> None:
    ctx = atraxion.context
    assert acquire_lease(ctx, "prune", "a", TTL)
    assert not release_lease(ctx, "prune", "b")
    assert release_lease(ctx, "prune", "a")
    assert acquire_lease(ctx, "prune", "b", TTL)


def test_leases_are_independent_by_name(atraxion: Atraxion) -> None:
    ctx = atraxion.context
    assert acquire_lease(ctx, "odoo-pull", "a", TTL)
    assert acquire_lease(ctx, "sweeper", "b", TTL)
    assert lease_of(ctx, "never-taken") is None


def test_holder_ids_are_unique_per_instance() -> None:
    assert new_holder() != new_holder()


def test_bad_names_and_times_to_live_are_refused(atraxion: Atraxion) -> None:
    with pytest.raises(ValueError):
        acquire_lease(atraxion.context, "", "a", TTL)
    with pytest.raises(ValueError):
        acquire_lease(atraxion.context, "x" * 65, "a", TTL)
    with pytest.raises(ValueError):
        acquire_lease(atraxion.context, "ok", "a", timedelta(0))
