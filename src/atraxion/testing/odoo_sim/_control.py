"""``POST /simulator``: XML-RPC methods to steer a running simulator from another process.

Not part of Odoo: it lets a developer flip faults on a simulator started with ``atraxion
odoo-sim``. It has no credentials, so it answers 403 unless the simulator listens on a loopback
address or was told to allow it (``--allow-remote-control``). Calls here are never delayed or
failed, and their values are bounded (a delay ≤ 60 s, an outage ≤ 300 s, counts ≤ 1,000,000).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from atraxion.testing.odoo_sim import OdooSimulator


class Control:
    def __init__(self, simulator: OdooSimulator) -> None:
        faults = simulator.faults
        self._methods: dict[str, Callable[..., Any]] = {
            "set_delay": faults.set_delay,
            "fail_share": faults.fail_share,
            "fail_next": faults.fail_next,
            "drop_share": faults.drop_share,
            "drop_next": faults.drop_next,
            "reset_faults": simulator.reset_faults,
            "refuse_for": simulator.refuse_connections_for,
            "count": simulator.count,
            "calls": simulator.calls,
        }

    def dispatch(self, method: str, params: Sequence[Any]) -> Any:
        function = self._methods.get(method)
        if function is None:
            raise KeyError(f"unknown simulator control {method!r}; known: {', '.join(sorted(self._methods))}")
        result = function(*params)
        return True if result is None else result  # XML-RPC cannot carry None
