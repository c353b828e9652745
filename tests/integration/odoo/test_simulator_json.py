"""The simulator's JSON routes speak Odoo's shapes: JSON-2 and ``GET /web/version`` (19 only) and
``/jsonrpc`` (both), checked with a plain HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from atraxion.testing.odoo_sim import OdooSimulator

DB, LOGIN, PASSWORD, API_KEY = "odoo", "admin", "admin", "k3y-for-tests"
BEARER = {"Authorization": f"bearer {API_KEY}"}


@pytest.fixture
def sim() -> Iterator[OdooSimulator]:
    with OdooSimulator(db=DB, login=LOGIN, password=PASSWORD, api_keys=[API_KEY], server_version="19.0") as simulator:
        yield simulator


@pytest.fixture
def http(sim: OdooSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url, timeout=5.0) as client:
        yield client


def jsonrpc(http: httpx.Client, service: str, method: str, *args: Any) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": list(args)}}
    response = http.post("/jsonrpc", json={**body, "id": 7})
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


def test_web_version_exists_from_19_on(http: httpx.Client) -> None:
    assert http.get("/web/version").json() == {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}
    with OdooSimulator() as sim17:
        assert httpx.get(f"{sim17.url}/web/version", timeout=5.0).status_code == 404
        assert httpx.post(f"{sim17.url}/json/2/res.partner/search", json={}, headers=BEARER).status_code == 404


def test_json2_answers_the_bare_result_of_named_arguments(sim: OdooSimulator, http: httpx.Client) -> None:
    company = sim.seed_partner("Deco Addict", is_company=True)
    created = http.post(
        "/json/2/res.partner/create", json={"vals_list": [{"name": "Contact", "parent_id": company}]}, headers=BEARER
    )
    assert created.status_code == 200 and created.headers["content-type"].startswith("application/json")
    [contact] = created.json()
    read = http.post(
        "/json/2/res.partner/read",
        json={"ids": [contact], "fields": ["name", "parent_id"], "load": None, "context": {"active_test": False}},
        headers={**BEARER, "X-Odoo-Database": DB},
    )
    assert read.json() == [{"id": contact, "name": "Contact", "parent_id": company}]
    found = http.post("/json/2/res.partner/search", json={"domain": [["is_company", "=", True]]}, headers=BEARER)
    assert found.json() == [company]
    assert sim.calls("json2") == 3 and sim.calls("res.partner.search") == 1


@pytest.mark.parametrize("scheme", ["bearer", "Bearer", "BEARER"])
def test_json2_scheme_is_case_insensitive(http: httpx.Client, scheme: str) -> None:
    headers = {"Authorization": f"{scheme} {API_KEY}"}
    response = http.post("/json/2/res.users/search_count", json={"domain": []}, headers=headers)
    assert response.json() == 1


@pytest.mark.parametrize("authorization", [None, "bearer wrong", f"bearer {PASSWORD}", f"Basic {API_KEY}"])
def test_json2_refuses_a_missing_or_bad_key_with_401(http: httpx.Client, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = http.post("/json/2/res.partner/search", json={"domain": []}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "bearer"


@pytest.mark.parametrize("verb", ["GET", "PUT", "DELETE", "PATCH"])
def test_json2_is_post_only_and_other_verbs_are_404(http: httpx.Client, verb: str) -> None:
    assert http.request(verb, "/json/2/res.partner/search", headers=BEARER).status_code == 404


def test_json2_request_shape_errors(http: httpx.Client) -> None:
    assert http.post("/json/2/res.partner", json={}, headers=BEARER).status_code == 404
    assert http.post("/json/2/res.partner/search/x", json={}, headers=BEARER).status_code == 404
    wrong_db = http.post("/json/2/res.partner/search", json={}, headers={**BEARER, "X-Odoo-Database": "other"})
    assert wrong_db.status_code == 404 and wrong_db.headers["content-type"].startswith("text/html")
    as_text = http.post("/json/2/res.partner/search", content=b"{}", headers={**BEARER, "Content-Type": "text/plain"})
    assert as_text.status_code == 415
    headers = {**BEARER, "Content-Type": "application/json"}
    bad = http.post("/json/2/res.partner/search", content=b"{not json", headers=headers)
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("path", "body", "status", "name"),
    [
        ("/json/2/res.partner/write", {"ids": [99], "vals": {"name": "x"}}, 404, "odoo.exceptions.MissingError"),
        ("/json/2/no.model/search", {"domain": []}, 404, "werkzeug.exceptions.NotFound"),
        ("/json/2/res.partner/frobnicate", {}, 404, "werkzeug.exceptions.NotFound"),
        ("/json/2/res.partner/_private", {}, 403, "odoo.exceptions.AccessError"),
        ("/json/2/res.partner/create", {"ids": [1], "vals_list": []}, 422, "werkzeug.exceptions.UnprocessableEntity"),
        ("/json/2/res.partner/search", {}, 422, "werkzeug.exceptions.UnprocessableEntity"),  # domain is required
        ("/json/2/sale.order/create", {"vals_list": [{}]}, 422, "odoo.exceptions.ValidationError"),
        ("/json/2/res.partner/search", {"domain": [["nope", "=", 1]]}, 500, "builtins.ValueError"),
    ],
)
def test_json2_errors_carry_odoo_s_status_and_error_object(
    http: httpx.Client, path: str, body: dict[str, Any], status: int, name: str
) -> None:
    response = http.post(path, json=body, headers=BEARER)
    assert response.status_code == status
    error = response.json()
    assert set(error) == {"name", "message", "arguments", "context", "debug"}
    assert error["name"] == name and error["message"]


def test_injected_faults_reach_json2_as_odoo_19_answers_them(sim: OdooSimulator, http: httpx.Client) -> None:
    sim.faults.fail_next(1, kind="lock")
    assert http.post("/json/2/res.partner/search", json={"domain": []}, headers=BEARER).status_code == 409
    sim.faults.fail_next(1, kind="fault")
    failed = http.post("/json/2/res.partner/search", json={"domain": []}, headers=BEARER)
    assert failed.status_code == 500 and failed.json()["name"] == "psycopg2.errors.SerializationFailure"
    sim.faults.fail_next(1, kind="http503")
    assert http.post("/json/2/res.partner/search", json={"domain": []}, headers=BEARER).status_code == 503
    sim.faults.drop_next(1)
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/json/2/res.partner/create", json={"vals_list": [{"name": "Kept"}]}, headers=BEARER)
    assert sim.count("res.partner", [("name", "=", "Kept")]) == 1  # committed, answer lost


def test_jsonrpc_common_and_object(sim: OdooSimulator, http: httpx.Client) -> None:
    assert jsonrpc(http, "common", "version")["result"]["server_version"] == "19.0"
    uid = jsonrpc(http, "common", "authenticate", DB, LOGIN, API_KEY, {})["result"]
    assert uid == sim.uid
    assert jsonrpc(http, "object", "execute_kw", DB, uid, API_KEY, "res.users", "search_count", [[]])["result"] == 1
    assert sim.calls("res.users.search_count") == 1
    assert http.post("/jsonrpc", content=b"nope", headers={"Content-Type": "application/json"}).status_code == 400


def test_jsonrpc_error_code_is_0_from_19_and_200_before(http: httpx.Client) -> None:
    denied = jsonrpc(http, "object", "execute_kw", DB, 2, "wrong", "res.users", "search", [[]])
    assert denied["id"] == 7 and "result" not in denied
    assert denied["error"]["code"] == 0 and denied["error"]["message"] == "Odoo Server Error"
    assert denied["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    with OdooSimulator(db=DB, login=LOGIN, password=PASSWORD) as sim17, httpx.Client(base_url=sim17.url) as old:
        assert jsonrpc(old, "object", "execute_kw", DB, 2, "wrong", "res.users", "search", [[]])["error"]["code"] == 200


def test_the_json2_example_of_docs_odoo_simulator_prints_what_it_says(capsys: pytest.CaptureFixture[str]) -> None:
    text = (Path(__file__).parents[3] / "docs" / "odoo-simulator.md").read_text()
    section = text[text.index("## JSON-2 and JSON-RPC") :]
    example = section[section.index("```python") + len("```python") : section.index("```\n\n**JSON-2**")]
    exec(compile(example, "odoo-simulator.md", "exec"), {"__name__": "snippet"})
    printed = capsys.readouterr().out.splitlines()
    commented = [line.strip().removeprefix("# ") for line in example.splitlines() if line.strip().startswith("# [")]
    assert printed[0] == "{'version_info': [19, 0, 0, 'final', 0, ''], 'version': '19.0'}"
    assert printed[1] == commented[0]  # the read, as the comment under it says
    assert printed[-1] == "404 odoo.exceptions.MissingError"
