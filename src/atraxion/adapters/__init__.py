"""Implementations of the ports: SQLAlchemy, memory, Odoo, queues."""
