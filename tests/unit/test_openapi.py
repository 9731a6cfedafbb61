"""The committed OpenAPI document is the one the handlers and the route table describe today."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import openapi
from infra.routes import ROUTES, Auth

MERCHANT_SECURITY = [{"merchantBearer": []}]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return openapi.build()


def test_the_committed_document_is_not_stale(spec: dict[str, Any]) -> None:
    committed = openapi.SPEC_PATH.read_text(encoding="utf-8")
    assert committed == openapi.render(spec), "docs/openapi.json is stale: run `make openapi` and commit it"


def test_every_route_of_the_table_and_only_those_are_documented(spec: dict[str, Any]) -> None:
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    assert documented == {(route.method, route.path) for route in ROUTES}


@pytest.mark.parametrize("function", sorted({route.function for route in ROUTES}, key=lambda f: f.name))
def test_each_handler_serves_exactly_the_routes_the_table_gives_its_function(function: Any) -> None:
    declared = openapi._handler(function).app.get_openapi_schema(security_schemes=openapi.SECURITY_SCHEMES)
    served = {
        (method.upper(), path)
        for path, item in (declared.paths or {}).items()
        for method in item.model_dump(exclude_none=True)
    }
    assert served == {(route.method, route.path) for route in ROUTES if route.function == function}


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_each_operation_names_who_may_call_it_and_every_answer(spec: dict[str, Any], route: Any) -> None:
    operation = spec["paths"][route.path][route.method.lower()]
    expected_scheme = {
        Auth.MERCHANT: "merchantBearer",
        Auth.CALLBACK: "callbackSecret",
        Auth.CLIENT_CREDENTIALS: "clientBasic",
    }[route.auth]
    assert operation["security"] == [{expected_scheme: []}]
    responses = operation["responses"]
    # The gateway answers validation errors with 400: Powertools' 422 is gone, and the only 422 is
    # extractTransaction's own (an SMS that is no M-Pesa transaction), with the error body.
    assert ("422" in responses) == route.path.endswith("/extractTransaction")
    for status in ("400", "413", "429", "500", *(["422"] if "422" in responses else [])):
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}, status
    if route.auth is Auth.MERCHANT:
        assert {"401", "403"} <= set(responses)
    successes = [status for status in responses if status.startswith("2")]
    assert successes
    assert all("$ref" in json.dumps(responses[status]) for status in successes)


def test_every_reference_resolves_and_no_powertools_only_schema_is_left(spec: dict[str, Any]) -> None:
    text = json.dumps(spec)
    schemas = spec["components"]["schemas"]
    for name in ("HTTPValidationError", "ResponseValidationError"):
        assert name not in schemas
    prefix = "#/components/schemas/"
    references = {part.split('"')[0] for part in text.split(prefix)[1:]}
    assert references <= set(schemas)
    assert set(spec["components"]["securitySchemes"]) == {"merchantBearer", "callbackSecret", "clientBasic"}


def test_requests_that_move_money_document_the_idempotency_key(spec: dict[str, Any]) -> None:
    for path in ("requestPayment", "sendMoney", "reverseTransaction/{transaction}"):
        operation = spec["paths"][f"/api/pay/{{payment_app}}/{path}"]["post"]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == {"idempotency-key"}, path
        assert "202" in operation["responses"], path


@pytest.mark.parametrize("route", [r for r in ROUTES if r.auth is Auth.CALLBACK], ids=lambda r: r.path)
def test_each_callback_route_documents_what_daraja_sends(spec: dict[str, Any], route: Any) -> None:
    body = spec["paths"][route.path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[1]
    assert name == openapi.CALLBACK_BODIES[route.function].__name__
    assert spec["components"]["schemas"][name]["examples"]  # the seed's example body


def test_request_bodies_carry_the_seeds_examples(spec: dict[str, Any]) -> None:
    (example,) = spec["components"]["schemas"]["PaymentRequest"]["examples"]
    assert example == {
        "phone_number": "254712345678",
        "amount": 1,
        "reference": "ORDER-001",
        "description": "Test payment",
    }


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {key for value in node.values() for key in _keys(value)}
    if isinstance(node, list):
        return {key for value in node for key in _keys(value)}
    return set()


def test_bounds_are_json_schema_keywords_a_client_reads(spec: dict[str, Any]) -> None:
    # A bound written after a BeforeValidator comes out as pydantic's `ge`, which no client or schema
    # tool knows: amounts must say `minimum` (1 shilling; 10 for B2C).
    assert not _keys(spec) & {"ge", "gt", "le", "lt"}
    schemas = spec["components"]["schemas"]
    assert schemas["PaymentRequest"]["properties"]["amount"]["minimum"] == 1
    assert schemas["B2CRequest"]["properties"]["amount"]["minimum"] == 10
