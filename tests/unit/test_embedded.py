"""The Python facade gives the HTTP contract's answers without HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from atraxion.domain.errors import InvalidBatch
from atraxion.entrypoints.embedded import Embedded


def test_push_poll_ack_without_http() -> None:
    with Embedded.open("memory://") as sync:
        sync.add_consumer("webshop")
        pushed = sync.push("products", [{"externalId": "A", "odooId": 1, "data": {"name": "Desk"}}])
        assert pushed["summary"] == {"received": 1, "created": 1, "updated": 0, "unchanged": 0}
        page = sync.changes("products")
        assert [(i["key"], i["isNew"], i["changedFields"]) for i in page["items"]] == [("A", True, ["name"])]
        assert sync.ack("products", [("A", 1)]) == {"acked": ["A"], "stale": [], "unknown": []}
        assert sync.get("products", "A")["pending"] is False
        with pytest.raises(InvalidBatch) as raised:
            sync.push("products", [{"externalId": "B"}])
        assert raised.value.errors[0].field == "data"


def test_the_deletion_example_of_the_docs_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "concepts.md").read_text()
    (snippet,) = [block for block in text.split("```python\n")[1:] if "sync.delete(" in block]
    exec(compile(snippet.split("```")[0], "docs/concepts.md", "exec"), {})  # noqa: S102 - our own docs
    printed = capsys.readouterr().out.splitlines()
    assert printed[1:] == ["True 2 {'name': 'Oak Desk', 'active': True}", "False 3 True"]
    assert "'status': 'deleted', 'version': 2" in printed[0] and "'unknown': 1" in printed[0]


def test_the_entity_rules_hold_without_http() -> None:
    """Keying and partner-type defaulting are the domain's (each entity's Kind): the facade gets them."""
    with Embedded.open("memory://") as sync:
        sync.add_consumer("webshop")
        sync.push("partners", [{"externalId": "P1", "data": {"name": "Acme", "type": "invoice"}}])
        sync.push("partners", [{"externalId": "P2", "externalParentId": "P1", "data": {"name": "Jo"}}])
        sync.push("prices", [{"pricelistExternalId": "PL", "productExternalId": "A", "price": 10}])
        sync.push("products", [{"externalId": "B", "data": {}, "prices": [{"pricelistExternalId": "PL", "price": 5}]}])
        assert sync.get("partners", "P1")["type"] == "billing"  # Odoo's invoice address
        assert sync.get("partners", "P2")["type"] == "contact"  # a partner with a parent
        prices = sync.changes("prices")["items"]
        assert [(i["key"], i["productExternalId"]) for i in prices] == [("PL/A", "A"), ("PL/B", "B")]
        with pytest.raises(InvalidBatch) as raised:
            sync.push("prices", [{"pricelistExternalId": "PL", "price": 1}])  # the key's product is missing
        assert [(e.index, e.field) for e in raised.value.errors] == [(0, "productExternalId")]
