"""Queues that nudge workers to process outbox entries (see ``atraxion.ports.task_queue``).

``embedded`` runs worker threads in this process; the Dramatiq adapters (Redis, RabbitMQ) hand
messages to ``atraxion worker`` processes. ``periodic`` runs the outbox sweeper next to either.
"""

from atraxion.adapters.queue.embedded import EmbeddedQueue
from atraxion.adapters.queue.periodic import PeriodicTask

__all__ = ["EmbeddedQueue", "PeriodicTask"]
