"""Every route, given bad input: a path parameter too long or oddly spelt, a body too large, JSON nested
too deeply (deep enough for json.loads' RecursionError, or just deeper than DynamoDB stores). Each answer
is a 4xx naming the problem, never a 5xx, and nothing is written, except that a callback is always
stored (truncated, as unparseable) before it is answered: Safaricom never resends. Driven by the route
table, so a new route cannot escape the sweep."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra.routes import ROUTES, Auth, Route
from mpesa_gateway.api import MAX_QUERY_PARAMETER_LENGTH, PATH_RULES
from mpesa_gateway.config import get_settings
from mpesa_gateway.inputs import MAX_JSON_DEPTH
from tests.integration.conftest import Gateway
from tests.integration.test_isolation import VALID_REQUESTS

# The app each route is tried on: one whose driver runs it, so the body is what gets refused.
APP_OF_ROUTE = {
    "/api/pay/{payment_app}/requestPayment": "demo-express",
    "/api/pay/{payment_app}/checkPaymentRequestStatus/{transaction}": "demo-express",
    "/api/pay/{payment_app}/callback": "demo-express",
    "/api/pay/{payment_app}/registerUrls": "demo-c2b",
    "/api/pay/{payment_app}/simulateTransaction": "demo-c2b",
    "/api/pay/{payment_app}/validateTransaction": "demo-c2b",
    "/api/pay/{payment_app}/callback/confirmation": "demo-c2b",
    "/api/pay/{payment_app}/transactions": "demo-c2b",
    "/api/pay/{payment_app}/transactions/{transaction}": "demo-c2b",
    "/api/pay/{payment_app}/extractTransaction": "demo-personal",
    "/api/pay/{payment_app}/checkBalance": "demo-b2c",
    "/api/pay/{payment_app}/sendMoney": "demo-b2c",
    "/api/pay/{payment_app}/reverseTransaction/{transaction}": "demo-express",
    "/api/pay/{payment_app}/getTransactionStatus/{transaction}": "demo-b2c",
    "/api/pay/{payment_app}/callback/result": "demo-b2c",
    "/api/pay/{payment_app}/callback/timeout": "demo-b2c",
    "/api/pay/{payment_app}/webhook": "demo-express",
    "/api/pay/{payment_app}/webhook/rotateSecret": "demo-express",
    "/api/pay/{payment_app}/events": "demo-express",
    "/api/pay/{payment_app}/events/{event}": "demo-express",
    "/api/pay/{payment_app}/events/{event}/redeliver": "demo-express",
    "/api/pay/{payment_app}/pullTransactions": "demo-c2b",
    "/api/pay/{payment_app}/topUpB2cAccount": "demo-b2b",
    "/api/pay/{payment_app}/remitTax": "demo-b2b",
    "/api/pay/{payment_app}/generateQrCode": "demo-express",
    "/api/pay/{payment_app}/simSwap/{phone_number}": "demo-b2c",
    "/api/pay/{payment_app}/standingOrders": "demo-express",
    "/api/pay/{payment_app}/callback/standingOrder": "demo-express",
    "/api/pay/{payment_app}/billManager/optIn": "demo-c2b",
    "/api/pay/{payment_app}/invoices": "demo-c2b",
    "/api/pay/{payment_app}/invoices/{reference}": "demo-c2b",
    "/api/pay/{payment_app}/callback/billManager": "demo-c2b",
    "/api/pay/{payment_app}/bulkInvoices": "demo-c2b",
}
# Routes that take no body (GETs, and those whose request is the path alone) ignore one.
BODILESS = {
    "/api/pay/{payment_app}/registerUrls",
    "/api/pay/{payment_app}/webhook/rotateSecret",
    "/api/pay/{payment_app}/events/{event}/redeliver",
}
BODILESS_METHODS = {"GET", "DELETE"}
PARAMETERS = re.compile(r"\{(\w+)\}")
WITH_PARAMETERS = [route for route in ROUTES if PARAMETERS.search(route.path)]
WITH_BODY = [route for route in ROUTES if route.method not in BODILESS_METHODS and route.path not in BODILESS]
CALLBACKS = [route for route in ROUTES if route.auth is Auth.CALLBACK]


def route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


def call(gateway: Gateway, route: Route, path: str, query: dict[str, str] | None = None, **body: Any):
    method = "POST" if route.method == "ANY" else route.method
    headers = gateway.auth("demo") if route.auth is Auth.MERCHANT else {}
    app = APP_OF_ROUTE.get(route.path, "demo-express")
    if route.auth is Auth.CALLBACK and query is None:
        query = {"secret": f"{app}-callback-secret"}
    return gateway.client.open(path, method=method, headers=headers, query_string=query, **body)


def path_of(route: Route, **given: str) -> str:
    values = {
        "payment_app": APP_OF_ROUTE.get(route.path, "demo-express"),
        "transaction": "txn_0123456789",
        "event": "evt_" + "0" * 32,
        "phone_number": "254712345678",
        "reference": "INV-0042",
    }
    return route.path.format(**{**values, **given})


class Unchanged:
    """Nothing in the tables and no call to Daraja since it was made, but `callbacks` stored callbacks."""

    def __init__(self, gateway: Gateway) -> None:
        gateway.token("demo")  # issuing it is not the request under test
        self._gateway = gateway
        self._items = gateway.items("")
        self._daraja_calls = len(gateway.simulator_log_all())

    def check(self, callbacks: int = 0) -> list[dict[str, Any]]:
        now = self._gateway.items("")
        new = [item for item in now if item not in self._items]
        assert [item for item in self._items if item not in now] == []
        assert len(new) == callbacks
        assert all(item["pk"].startswith("CALLBACK#") for item in new)
        assert len(self._gateway.simulator_log_all()) == self._daraja_calls
        return new


def assert_refused(answer: Any, status: int, *named: str) -> None:
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    text = answer.get_data(as_text=True)
    for name in named:
        assert name in text


def test_the_sweep_covers_every_route():
    assert {route.path for route in ROUTES if "{payment_app}" in route.path} == set(APP_OF_ROUTE)
    assert {name for route in ROUTES for name in PARAMETERS.findall(route.path)} == set(PATH_RULES)


# Each spelling is refused by the pattern: too long, a dot, an encoded newline, a bidi override.
ODD_SPELLINGS = ("x" * 3000, "demo.express", "DEMO_EXPRESS%0A", "%E2%80%AEtxn")


@pytest.mark.parametrize("route", WITH_PARAMETERS, ids=route_id)
def test_an_oversized_or_odd_path_parameter_is_a_400_naming_it(gateway: Gateway, route: Route):
    # A body the route would take, so the path parameter is what gets refused.
    valid = VALID_REQUESTS.get(route.path, {"json": {}})
    for name in PARAMETERS.findall(route.path):
        for spelling in ODD_SPELLINGS:
            unchanged = Unchanged(gateway)

            answer = call(gateway, route, path_of(route, **{name: spelling}), **valid)

            assert_refused(answer, 400, f"path parameter {name}")
            assert "x" * 100 not in answer.get_data(as_text=True)  # the value is not echoed back
            unchanged.check()


@pytest.mark.parametrize("route", CALLBACKS, ids=route_id)
def test_an_oversized_callback_secret_is_a_400_before_it_is_hashed(gateway: Gateway, route: Route):
    unchanged = Unchanged(gateway)

    answer = call(gateway, route, path_of(route), {"secret": "s" * (MAX_QUERY_PARAMETER_LENGTH + 1)}, json={})

    assert_refused(answer, 400, "query parameter secret")
    unchanged.check()


def deep(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


BAD_BODIES = {
    "too large": lambda: json.dumps({"padding": "x" * get_settings().max_body_bytes}),
    "recursion": lambda: "[" * 100_000 + "]" * 100_000,
    "deeper than stored": lambda: deep(MAX_JSON_DEPTH + 1),
    "integer of 5000 digits": lambda: '{"amount": ' + "9" * 5000 + "}",
}
MERCHANT_PROBLEMS = {
    "too large": (413, "exceeds"),
    "recursion": (400, "nested too deeply"),
    "deeper than stored": (400, "nested too deeply"),
    "integer of 5000 digits": (400, "not valid JSON"),
}


@pytest.mark.parametrize("route", WITH_BODY, ids=route_id)
def test_a_bad_body_is_a_4xx_naming_the_problem_and_nothing_is_written(gateway: Gateway, route: Route):
    for kind, make in BAD_BODIES.items():
        raw = make()
        unchanged = Unchanged(gateway)

        answer = call(gateway, route, path_of(route), data=raw, content_type="application/json")

        if route.auth is Auth.CALLBACK:
            # Stored first, truncated, as unparseable; answered as unparseable bodies always are.
            assert_refused(answer, 400, "stored for inspection")
            (stored,) = unchanged.check(callbacks=1)
            assert stored["body"] == {"unparseable": raw[:10_000]}, kind
        else:
            status, problem = MERCHANT_PROBLEMS[kind]
            assert_refused(answer, status, problem)
            unchanged.check()


# JSON DynamoDB cannot store as it is: a number past its range or precision, a lone surrogate, NaN.
UNSTORABLE_BODIES = {
    "number too large": '{"Body": {"n": 8.6e188}}',
    "number too small": '{"Result": {"n": 1e-135}}',
    "39 significant digits": '{"TransID": "QJI3R7GXWV", "n": 123456789012345678901234567890123456789}',
    "not a number": '{"TransID": "QJI3R7GXWV", "n": NaN}',
    "lone surrogate": '{"TransID": "QJI3R7GXWV", "\\udb3f": 1}',
    "empty key": '{"": null, "Result": {"ResultCode": ""}}',
}


@pytest.mark.parametrize("route", CALLBACKS, ids=route_id)
def test_a_callback_dynamodb_cannot_store_as_is_is_kept_as_text_and_answered_400(gateway: Gateway, route):
    for kind, raw in UNSTORABLE_BODIES.items():
        unchanged = Unchanged(gateway)

        answer = call(gateway, route, path_of(route), data=raw, content_type="application/json")

        assert_refused(answer, 400, "stored for inspection")
        (stored,) = unchanged.check(callbacks=1)
        assert stored["body"] == {"unparseable": raw}, kind


def test_json_as_deep_as_allowed_is_still_read(gateway: Gateway):
    body = json.loads(deep(MAX_JSON_DEPTH - 1))
    answer = gateway.client.post(
        "/api/pay/demo-express/requestPayment", json={"phone_number": body}, headers=gateway.auth("demo")
    )

    assert_refused(answer, 400, "phone_number")  # the model's complaint, not the depth's


NOT_CALLBACKS = [route for route in WITH_BODY if route.auth is not Auth.CALLBACK]


@pytest.mark.parametrize("route", NOT_CALLBACKS, ids=route_id)
def test_a_body_that_is_not_utf8_text_is_a_400_not_a_crash(gateway: Gateway, route: Route):
    unchanged = Unchanged(gateway)

    answer = call(gateway, route, path_of(route), data=b"\xe9\xc8\x99", content_type="application/json")

    assert_refused(answer, 400, "not UTF-8 text")
    unchanged.check()


@pytest.mark.parametrize(
    "route", [route for route in NOT_CALLBACKS if route.auth is Auth.MERCHANT], ids=route_id
)
def test_a_json_body_that_is_not_an_object_is_a_400(gateway: Gateway, route: Route):
    # sendMoney's body picks B2C or B2B by its fields: a list has none, and once crashed the choice.
    unchanged = Unchanged(gateway)

    answer = call(gateway, route, path_of(route), data="[null, null]", content_type="application/json")

    assert_refused(answer, 400, "must be a JSON object")
    unchanged.check()
