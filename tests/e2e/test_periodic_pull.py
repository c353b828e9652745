"""The periodic pull with two application instances sharing one database (two replicas): it runs
once per interval in all, by whichever holds the lease, and the other takes over when it stops.
Real simulator over XML-RPC, real SQLite file and MariaDB."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from atraxion.application.feed import changes, register_consumer
from atraxion.application.leases import lease_of
from atraxion.application.scheduled_pull import LEASE
from atraxion.bootstrap import Atraxion
from atraxion.entrypoints.runtime import Runtime
from atraxion.testing.odoo_sim import OdooSimulator
from tests.e2e.reverse_sync_support import Apps, wait_for

INTERVAL = 0.4


@pytest.fixture
def sim() -> Iterator[OdooSimulator]:
    with OdooSimulator(seed=9) as simulator:
        yield simulator


@pytest.fixture
def replicas(backend: str, sim: OdooSimulator, request: pytest.FixtureRequest) -> Iterator[list[Atraxion]]:
    if backend == "memory":
        pytest.skip("replicas share a database; the memory store lives in one process")
    apps = Apps(backend, sim, request)
    url = apps.database_url()
    first = apps.make(pull_interval=INTERVAL, webhook_settle=0.0, odoo_timeout=10.0)
    apps.database_url = lambda: url  # type: ignore[method-assign]  # the second shares it, untouched
    second = apps.make(pull_interval=INTERVAL, webhook_settle=0.0, odoo_timeout=10.0)
    register_consumer(first.context, "shop")
    yield [first, second]
    apps.close()


class Ticks:
    """The runs of the periodic pull, as the use case logs them (at DEBUG): which replica (lease
    holder), when it began (seconds since the epoch, by the clock port) and for how long."""

    def __init__(self, caplog: pytest.LogCaptureFixture, replicas: list[Atraxion]) -> None:
        caplog.set_level(logging.DEBUG, logger="atraxion.application.scheduled_pull")
        self.caplog = caplog
        self.replicas = {app.holder: number for number, app in enumerate(replicas)}

    def pulls(self, since: float = 0.0) -> list[tuple[int, float, float]]:
        found = []
        for record in list(self.caplog.records):
            if record.name == "atraxion.application.scheduled_pull" and record.msg.startswith("periodic pull by"):
                holder, began, took, _ = record.args  # type: ignore[misc]
                if began >= since:
                    found.append((self.replicas[holder], began, began + took))
        return sorted(found, key=lambda run: run[1])


def one_puller_once_per_interval(pulls: list[tuple[int, float, float]]) -> None:
    assert len(pulls) >= 3, pulls
    assert len({replica for replica, *_ in pulls}) == 1, pulls  # always the same replica
    for (_, _, ended), (_, began, _) in zip(pulls, pulls[1:], strict=False):
        assert began >= ended + INTERVAL * 0.9, pulls  # never two at once, an interval apart


def test_two_replicas_pull_once_per_interval_and_take_over_from_each_other(
    replicas: list[Atraxion], sim: OdooSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = replicas
    ticks = Ticks(caplog, replicas)
    desk = sim.create("product.product", {"name": "Desk", "default_code": "DESK"})
    runtimes = [Runtime(app) for app in replicas]
    assert all(runtime.start_workers() for runtime in runtimes)
    wait_for(lambda: changes(first.context, "products", "shop", None, 10).items, lambda items: len(items) == 1)
    time.sleep(8 * INTERVAL)

    pulls = ticks.pulls()
    one_puller_once_per_interval(pulls)
    holder_number = pulls[0][0]
    holder, other = replicas[holder_number], replicas[1 - holder_number]
    lease = lease_of(first.context, LEASE)
    assert lease is not None and lease.holder == holder.holder

    # The holder stops (a deploy): it gives the lease up, and the other replica pulls from now on.
    runtimes[holder_number].stop_workers()
    handed_over = time.time()
    sim.write("product.product", [desk], {"name": "Standing desk"})
    item = wait_for(
        lambda: changes(other.context, "products", "shop", None, 10).items,
        lambda items: items[0].record.data["name"] == "Standing desk",
    )
    assert item[0].record.version == 2
    time.sleep(6 * INTERVAL)
    after = ticks.pulls(since=handed_over)
    one_puller_once_per_interval(after)
    assert after[0][0] == 1 - holder_number
    taken = lease_of(other.context, LEASE)
    assert taken is not None and taken.holder == other.holder
