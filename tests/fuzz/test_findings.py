"""What the fuzzer found, each pinned by a direct test, on both backends.

- PostgreSQL's ids are INTEGER: an id between 2^31 and 2^63 (inside the request limits' 64 bits) made
  asyncpg refuse the query argument, a bare DBAPIError, so a 500 on every route that looks a row up
  by id, unauthenticated. Now a 422 (`request.value_out_of_range`); on SQLite such an id is a 404.
- FastAPI's and Starlette's own refusals said a bare English string: a body that is not UTF-8
  (`There was an error parsing the body`), a path no route matches, a method a path does not take.
  Now keyed and in the request's language, like every other refusal.
- Statuses and content types the documents did not state (401/403/404/409/413/429 everywhere, EPCIS
  refusals as problem+json, files and the empty 202 of a capture declared as JSON); now declared
  (shared/openapi.py) and checked by the fuzzer itself.
"""

from __future__ import annotations

import pytest

from shared.openapi import ErrorAnswer
from tests.support import bearer, running_app

BEYOND_INTEGER = 2**31  # PostgreSQL's INTEGER ends at 2^31 - 1; the request limits allow 2^63 - 1


@pytest.mark.parametrize("path", [f"/coops/{BEYOND_INTEGER}", f"/partners/{BEYOND_INTEGER}/history"])
async def test_an_id_beyond_the_column_is_refused_not_a_500(registry_app_factory, backend, path):
    async with running_app(await registry_app_factory()) as client:
        answer = await client.get(path, headers={**bearer(), "Accept-Language": "en"})
    if backend == "postgresql":
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"]["code"] == "request.value_out_of_range"
    else:  # SQLite's integers are 64-bit: there is simply no such row
        assert answer.status_code == 404, answer.text


async def test_a_household_id_beyond_the_column_on_the_public_trace(supplychain_app_factory, backend):
    async with running_app(await supplychain_app_factory()) as client:
        answer = await client.get(f"/households/{BEYOND_INTEGER}/trace", headers=bearer())
    assert answer.status_code == (422 if backend == "postgresql" else 404), answer.text


async def test_the_frameworks_own_refusals_are_keyed_and_translated(registry_app_factory):
    async with running_app(await registry_app_factory()) as client:
        unreadable = await client.post(
            "/coops", content=b'{"name": "\xff\xfe"}', headers={**bearer(), "Content-Type": "application/json"}
        )
        nowhere = await client.get("/no/such/address", headers={"Accept-Language": "en"})
        wrong_method = await client.delete("/coops", headers={"Accept-Language": "en"})
    assert unreadable.status_code == 400
    assert unreadable.json()["detail"]["code"] == "request.body_unreadable"
    assert (
        "UTF-8" in unreadable.json()["detail"]["message"] and "Không đọc được" in unreadable.json()["detail"]["message"]
    )
    assert (nowhere.status_code, nowhere.json()["detail"]["code"]) == (404, "request.no_route")
    assert "no such address" in nowhere.json()["detail"]["message"]
    assert (wrong_method.status_code, wrong_method.json()["detail"]["code"]) == (405, "request.method_not_allowed")
    assert "DELETE" in wrong_method.json()["detail"]["message"] and "allow" in wrong_method.headers


async def test_refusals_are_declared_where_they_happen(registry_app_factory, supplychain_app_factory):
    registry = (await registry_app_factory()).openapi()
    supplychain = (await supplychain_app_factory()).openapi()
    ours = {"$ref": f"#/components/schemas/{ErrorAnswer.__name__}"}

    def schema(document, path, method, status, media="application/json"):
        return document["paths"][path][method]["responses"][status]["content"][media]["schema"]

    public_read = registry["paths"]["/coops/{coop_id}"]["get"]["responses"]
    assert {"200", "401", "403", "404", "422", "429"} <= set(public_read) and "409" not in public_read
    assert schema(registry, "/coops/{coop_id}", "get", "404") == ours
    assert ours in schema(registry, "/coops", "post", "422")["anyOf"]  # or pydantic's list of items
    assert {"400", "401", "403", "404", "409", "413"} <= set(registry["paths"]["/coops"]["post"]["responses"])
    capture = supplychain["paths"]["/epcis/capture"]["post"]["responses"]
    assert set(capture["401"]["content"]) == {"application/problem+json"}  # EPCIS refusals are RFC 7807
    assert set(capture["413"]["content"]) == {"application/problem+json", "application/json"}  # or the limits'
    assert "content" not in capture["202"]  # the job is at Location; the answer has no body
    assert set(supplychain["paths"]["/lots/{code}/recall.xlsx"]["get"]["responses"]["200"]["content"]) == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    }
