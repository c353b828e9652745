"""Odoo over XML-RPC: the gateway Atraxion uses, and a simulator to develop and test against."""

from atraxion.adapters.odoo.simulator import OdooSimulator
from atraxion.adapters.odoo.xmlrpc_gateway import XmlRpcOdooGateway

__all__ = ["OdooSimulator", "XmlRpcOdooGateway"]
