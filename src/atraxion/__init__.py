"""Atraxion: keeps an Odoo ERP and its webshops in sync.

The package is a hexagon: ``atraxion.domain`` holds the rules, ``atraxion.ports`` the interfaces
the rules need, ``atraxion.application`` the use cases, ``atraxion.adapters`` the implementations
(SQLAlchemy, memory, Odoo XML-RPC, queues) and ``atraxion.entrypoints`` the HTTP service and CLI.
``atraxion.bootstrap.bootstrap`` wires them together.
"""

__version__ = "0.1.0"
