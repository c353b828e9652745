"""Periodic jobs (the outbox and webhook sweepers) run on one replica at a time: the replica that
holds the job's lease; another takes over when the holder stops, or when its lease expires."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from atraxion.application.leases import lease_of, periodic_lease_ttl, run_if_leading
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.entrypoints.runtime import DELIVERY_SWEEPER, OUTBOX_SWEEPER, Runtime
from atraxion.testing import FakeClock


def test_only_the_holder_of_the_lease_runs_the_job_until_it_expires(tmp_path: Path) -> None:
    clock = FakeClock()
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}"), clock=clock)
    try:
        runs: list[str] = []

        def job(name: str) -> Callable[[], str]:
            def run() -> str:
                runs.append(name)
                return name

            return run

        assert run_if_leading(app.context, "job", "replica-a", 1.0, job("a")) is not None
        assert run_if_leading(app.context, "job", "replica-b", 1.0, job("b")) is None
        clock.advance(seconds=1.9)  # a renews within its lease: b still waits
        run_if_leading(app.context, "job", "replica-a", 1.0, job("a"))
        clock.advance(seconds=2.9)
        assert run_if_leading(app.context, "job", "replica-b", 1.0, job("b")) is None
        clock.advance(seconds=0.2)  # a fell silent for longer than its lease: b takes over
        run_if_leading(app.context, "job", "replica-b", 1.0, job("b"))
        assert runs == ["a", "a", "b"]
    finally:
        app.close()


@given(st.floats(min_value=0.001, max_value=86_400))
def test_a_periodic_lease_outlives_three_intervals_and_two_seconds(interval: float) -> None:
    ttl = periodic_lease_ttl(interval).total_seconds()
    assert ttl >= 3 * interval - 1e-6 and ttl >= 2


def test_two_replicas_on_one_database_sweep_one_at_a_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = bootstrap(Settings(database_url=url)), bootstrap(Settings(database_url=url))
    try:
        runtimes = [Runtime(app) for app in (first, second)]
        for runtime in runtimes:
            runtime.sweep()
            runtime.sweep_deliveries()
        for lease in (OUTBOX_SWEEPER, DELIVERY_SWEEPER):
            held = lease_of(first.context, lease)
            assert held is not None and held.holder == first.holder
        runtimes[0].start_workers()  # without Odoo: only the webhook sweeper starts
        runtimes[0].stop_workers()  # a graceful stop gives the lease up at once
        runtimes[1].sweep_deliveries()
        held = lease_of(second.context, DELIVERY_SWEEPER)
        assert held is not None and held.holder == second.holder
    finally:
        first.close()
        second.close()
