"""The Odoo simulator's parts; use :class:`atraxion.adapters.odoo.simulator.OdooSimulator`."""
