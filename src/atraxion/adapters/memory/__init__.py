"""In-memory adapters: the fakes of the unit tests, and a complete store for embedding and demos."""

from atraxion.adapters.memory.store import MemoryStore
from atraxion.adapters.memory.unit_of_work import MemoryUnitOfWork

__all__ = ["MemoryStore", "MemoryUnitOfWork"]
