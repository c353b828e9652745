"""Interfaces the use cases need, as ``typing.Protocol`` classes. Adapters satisfy them structurally."""
