"""Test support that users of the library import too: fakes and Hypothesis strategies.

* :func:`memory_atraxion` — a fully wired application on the in-memory adapters (no database).
* :class:`FakeClock` — a clock tests move by hand.
* :mod:`atraxion.testing.strategies` — Hypothesis strategies for Odoo-shaped documents and pushes.
"""

from atraxion.testing.fakes import FakeClock, memory_atraxion

__all__ = ["FakeClock", "memory_atraxion"]
