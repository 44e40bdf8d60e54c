"""The five services' HTTP APIs as an outsider drives them, on one platform with fresh databases: odd input is a
4xx (never a 5xx), every response is what the OpenAPI document says, and the roles the document states are the
roles the check admits. The fuzzer draws a bounded number of requests per operation from the documents."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from harness import SERVICES, Platform, in_process
from openapi_fuzz import PROBLEM_JSON, conformance, draw, http_request, operations, request_strategy

from servicekit.auth import ROLES
from servicekit.inputs import INT64_MAX
from servicekit.testing import Infra, auth

pytestmark = pytest.mark.integration

ADMIN = auth("admin", sub="fuzzer")
# Requests per operation: bounded so the run stays short (≈ 90 operations); raise it to look harder.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "8"))


@pytest.fixture(scope="module")
async def platform(infra: Infra) -> AsyncIterator[Platform]:
    async with in_process(infra) as p:
        yield p


@pytest.fixture(scope="module")
async def docs(platform: Platform) -> dict[str, dict[str, Any]]:
    return {s: (await platform[s].get("/openapi.json")).json() for s in SERVICES}


def _problem(r: Any, status: int, field: str | None = None) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    if field is not None:
        assert field in {e["field"] for e in r.json()["errors"]}, r.json()


# --- NUL bytes -----------------------------------------------------------------------------------------------


async def test_nul_in_a_query_path_or_body_is_422_in_every_service(
    platform: Platform, docs: dict[str, dict[str, Any]]
) -> None:
    for service in SERVICES:
        reads = [op for op in operations(docs[service]) if op.method == "get" and op.path.startswith("/api/")]
        with_path = next(op for op in reads if "{" in op.path)
        path = with_path.path.split("{")[0] + "a%00b"
        _problem(await platform[service].get(path, headers=ADMIN), 422, "path")
        with_query = next(op for op in reads if any(p["in"] == "query" for p in op.spec.get("parameters", [])))
        name = next(p["name"] for p in with_query.spec["parameters"] if p["in"] == "query")
        _problem(await platform[service].get(f"{with_query.path}?{name}=a%00b", headers=ADMIN), 422, name)
    supplier = {"code": "NUL-1", "name": "bad\u0000name", "currency": "CNY"}
    _problem(await platform["purchasing"].post("/api/v1/suppliers", json=supplier, headers=ADMIN), 422, "name")
    customer = {"code": "NUL-1", "name": "a\u0000", "credit_limit": "1", "payment_terms_days": 1}
    _problem(await platform["sales"].post("/api/v1/customers", json=customer, headers=ADMIN), 422, "name")
    # An escaped backslash followed by "u0000" is ordinary text, not a NUL.
    customer = {**customer, "name": "a\\u0000"}
    assert (await platform["sales"].post("/api/v1/customers", json=customer, headers=ADMIN)).status_code == 201


# --- blank optional text and big integers --------------------------------------------------------------------


async def test_blank_optional_text_is_absent(platform: Platform) -> None:
    customer = {"code": "BLANK-1", "name": "Blank", "contact": "", "phone": " ", "credit_limit": "5",
                "payment_terms_days": 30}  # fmt: skip
    r = await platform["sales"].post("/api/v1/customers", json=customer, headers=ADMIN)
    assert r.status_code == 201, r.text
    assert (r.json()["contact"], r.json()["phone"]) == (None, None)
    update = {k: v for k, v in customer.items() if k != "code"} | {"phone": "", "contact": "Ms Li"}
    r = await platform["sales"].put("/api/v1/customers/BLANK-1", json=update, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["phone"] is None


async def test_integers_beyond_64_bits_are_422(platform: Platform, docs: dict[str, dict[str, Any]]) -> None:
    big = 2**63
    _problem(await platform["notifier"].get(f"/api/v1/inbox?before_id={big}", headers=ADMIN), 422, "before_id")
    _problem(await platform["sales"].get(f"/api/v1/orders?offset={big}", headers=ADMIN), 422, "offset")
    for service in SERVICES:
        for op in operations(docs[service]):
            for p in op.spec.get("parameters", []):
                schema = p.get("schema", {})
                types = [schema, *schema.get("anyOf", [])]
                for t in types:
                    if t.get("type") == "integer":
                        assert t.get("maximum", INT64_MAX + 1) <= INT64_MAX, (service, op.name, p["name"])


# --- the documents --------------------------------------------------------------------------------------------


async def test_every_operation_documents_its_problems_and_roles(docs: dict[str, dict[str, Any]]) -> None:
    for service in SERVICES:
        doc = docs[service]
        assert "Problem" in doc["components"]["schemas"]
        for op in operations(doc):
            if not op.path.startswith("/api/"):
                continue
            responses = op.spec["responses"]
            assert PROBLEM_JSON in responses["422"]["content"], (service, op.name)
            if op.spec["x-roles"]:
                for status in ("401", "403"):
                    assert PROBLEM_JSON in responses[status]["content"], (service, op.name, status)
                assert "Roles: " + ", ".join(op.spec["x-roles"]) in op.spec["description"]
            if "{" in op.path:
                assert "404" in responses, (service, op.name)
            if "409" in responses:
                schema = responses["409"]["content"][PROBLEM_JSON]["schema"]
                assert schema["allOf"][1]["properties"]["code"]["enum"], (service, op.name)


# GET endpoints that are not lists of records, so take no `format` (docs/import-export.md, "Not exported").
NOT_LISTS = {
    "/api/v1/imports": "the import kinds and their columns: metadata",
    "/api/v1/imports/{kind}/template": "a file already (.xlsx)",
    "/api/v1/import-jobs/{job_id}/report": "a file already (.xlsx)",
    "/api/v1/import-jobs/{job_id}/errors": "the job's errors: downloaded as its report (.xlsx)",
    "/api/v1/inbox/unread-count": "a number",
    "/api/v1/requisitions/{pr_no}/sourcing": "one requisition's proposal",
    "/api/v1/orders/status-counts": "a count per status, not a list of records",
    "/api/v1/orders/{order_no}/audit": "one order's trail: exported by /api/v1/audit?entity=sales_order&id=…",
}


def _sample(name: str, schema: dict[str, Any]) -> str:
    formats = {schema.get("format"), *(s.get("format") for s in schema.get("anyOf", []))}
    day = "2026-12-31" if name.endswith("to") else "2026-01-01"
    return f"{day}T00:00:00Z" if "date-time" in formats else day if "date" in formats else "x"


def _ends_with_id(path: str) -> bool:
    return path.rstrip("/").rsplit("/", 1)[-1].startswith("{")


async def test_every_list_endpoint_exports_csv_and_xlsx(platform: Platform, docs: dict[str, dict[str, Any]]) -> None:
    """Every GET that is not one record (its path ends with an id) takes `format=csv|xlsx`, unless listed above;
    and each export without path parameters answers a CSV with a BOM and bilingual headers."""
    missing, exported = [], 0
    for service in SERVICES:
        for op in operations(docs[service]):
            if op.method != "get" or not op.path.startswith("/api/") or op.path in NOT_LISTS:
                continue
            params = {p["name"]: p for p in op.spec.get("parameters", [])}
            if "format" not in params:
                if not _ends_with_id(op.path):
                    missing.append(f"{service} {op.path}")
                continue
            assert set(params["format"]["schema"]["anyOf"][0]["enum"]) == {"csv", "xlsx"}, (service, op.path)
            if "{" in op.path:
                continue
            query = {n: _sample(n, p["schema"]) for n, p in params.items() if p.get("required") and p["in"] == "query"}
            r = await platform[service].get(op.path, params={**query, "format": "csv"}, headers=ADMIN)
            assert r.status_code == 200, (service, op.path, r.text)
            assert r.headers["content-type"].startswith("text/csv"), (service, op.path)
            assert r.content.startswith("\ufeff".encode()) and " / " in r.text.splitlines()[0], (service, op.path)
            exported += 1
    assert not missing, f"list endpoints without format=csv|xlsx: {missing}"
    assert exported >= 30


async def test_the_roles_documented_are_the_roles_admitted(platform: Platform, docs: dict[str, dict[str, Any]]) -> None:
    """Every operation, called by a role it does not list, is 403; by one it lists, is not."""
    checked = 0
    for service in SERVICES:
        for op in operations(docs[service]):
            roles = op.spec.get("x-roles")
            if not roles:
                continue
            path = op.path.replace("{", "").replace("}", "")  # a path parameter named after itself
            outsider = next((r for r in ROLES if r not in roles), None)
            if outsider is not None:
                r = await platform[service].request(op.method.upper(), path, headers=auth(outsider), json={})
                assert r.status_code == 403, (service, op.name, outsider, r.status_code)
            insider = next((r for r in roles if r != "admin"), "admin")
            r = await platform[service].request(op.method.upper(), path, headers=auth(insider), json={})
            assert r.status_code not in (401, 403), (service, op.name, insider, r.text)
            checked += 1
    assert checked > 50


# --- the fuzzer -----------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(420)
async def test_fuzzed_requests_never_answer_5xx_and_conform(
    platform: Platform, docs: dict[str, dict[str, Any]]
) -> None:
    failures: list[str] = []
    sent = 0
    for service in SERVICES:
        doc = docs[service]
        for op in operations(doc):
            for example in draw(request_strategy(op, doc), EXAMPLES):
                method, path, query, body = http_request(op, example)
                kwargs: dict[str, Any] = {"params": query, "headers": ADMIN}
                if body is not None:
                    kwargs["json"] = body
                r = await platform[service].request(method, path, **kwargs)
                sent += 1
                why = (
                    f"{r.status_code} {r.text[:300]}"
                    if r.status_code >= 500
                    else conformance(op, doc, r.status_code, r.headers.get("content-type", ""), r.content)
                )
                if why is not None:
                    failures.append(f"{service} {op.name} {query} {str(body)[:200]}: {why}")
                    break  # one failure per operation is enough to name it
    assert not failures, f"{len(failures)} of {sent} requests:\n" + "\n".join(failures)
