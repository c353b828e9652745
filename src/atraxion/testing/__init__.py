"""Test support that users of the library import too: fakes and Hypothesis strategies.

* :func:`memory_atraxion` — a fully wired application on the in-memory adapters (no database).
* :class:`FakeClock` — a clock tests move by hand.
* :class:`FakeOdooGateway` — an in-memory Odoo behind the gateway port (pull tests without a server).
* :mod:`atraxion.testing.strategies` — Hypothesis strategies for Odoo-shaped documents and pushes.
"""

from atraxion.testing.fake_odoo import FakeOdooGateway
from atraxion.testing.fakes import FakeClock, memory_atraxion

__all__ = ["FakeClock", "FakeOdooGateway", "memory_atraxion"]
