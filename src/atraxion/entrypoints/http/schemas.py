"""Request shapes of the webshop side, structured by the strict converter of ``inbound``."""

from __future__ import annotations

from attrs import frozen


@frozen
class AckItem:
    key: str
    version: int


@frozen
class AckRequest:
    items: list[AckItem]
