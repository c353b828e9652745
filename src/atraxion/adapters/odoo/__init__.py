"""Odoo behind the gateway port: JSON-2, XML-RPC, and the protocol chosen automatically. (The Odoo
simulator to develop and test against is a development tool: :mod:`atraxion.testing.odoo_sim`.)"""

from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway

__all__ = ["XmlRpcOdooGateway"]
