"""The gateway's HTTP plumbing (mpesa_gateway.api): small resolvers declared here, wrapped by
`lambda_handler` and called with hand-built API Gateway REST proxy events, as API Gateway calls them."""

from __future__ import annotations

import base64
import importlib.util
import json
import threading
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ConfigDict

from mpesa_gateway import api, config, errors, idempotency
from mpesa_gateway.api import (
    ERROR_DESCRIPTIONS,
    BodyKind,
    Data,
    ErrorBody,
    GatewayResolver,
    IdempotencyKey,
    LambdaHandler,
    PaymentAppId,
    RouteNotFound,
    Seed,
    daraja_callback,
    documented,
    lambda_handler,
    merchant_id,
    public_base_url,
    refuse_undeclared_query,
    seed_envelope,
)
from mpesa_gateway.errors import (
    AppForbidden,
    CallbackForbidden,
    DarajaRejected,
    DarajaRejectedContent,
    DarajaTimeout,
    DarajaUnavailable,
    GatewayError,
    IdempotencyConflict,
    InvalidClient,
    InvalidRequest,
    InvoiceConflict,
    NotFound,
    NotProcessable,
    OperationNotAllowed,
    PayloadTooLarge,
    ReversalInFlight,
    Unauthorized,
    UnsupportedMediaType,
    UrlsAlreadyRegistered,
    VodacomRejected,
    VodacomRejectedContent,
    VodacomUnavailable,
)
from mpesa_gateway.express.models import LegacyStkPushRequest, PaymentRequest
from mpesa_gateway.inputs import ID_RULE
from mpesa_gateway.ledger import ListQuery
from mpesa_gateway.observability import metrics
from tests.unit.fakes import FakeLambdaContext, rest_event

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

MAX_BODY = 200
GOOD = {"phone_number": "0712345678", "amount": 1, "reference": "INV-1"}
SEED_GOOD = {"phone": "0712345678", "amount": 10, "reference": "INV-1"}
APP = "app-1"
PAY = f"/api/pay/{APP}/pay"
STK_PHP = "/api/stk_push.php"
CALLBACK = f"/api/pay/{APP}/callback"
MERCHANT = {"merchant_id": "m_acme"}


@pytest.fixture(autouse=True)
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TRANSACTIONS_TABLE", "transactions")
    monkeypatch.setenv("REGISTRY_TABLE", "registry")
    monkeypatch.setenv("MAX_BODY_BYTES", str(MAX_BODY))
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Test")
    # The shared Metrics read its namespace when mpesa_gateway.observability was first imported.
    monkeypatch.setattr(metrics, "namespace", "Test")
    config.get_settings.cache_clear()
    yield
    config.get_settings.cache_clear()


def event_with(body: str | None, **kwargs: Any) -> APIGatewayProxyEvent:
    return APIGatewayProxyEvent(rest_event(body, **kwargs))


def padded(size: int) -> str:
    """A valid PaymentRequest JSON body of exactly `size` bytes."""
    base = json.dumps({**GOOD, "reference": "INV-1"})
    text = base[:-1] + ', "description": "x"}'
    filler = size - len(text.encode())
    assert filler >= 0
    return text[:-1] + " " * filler + "}"


# --- the resolvers under test ----------------------------------------------------------------------


class Paid(BaseModel):
    """What the merchant-style route answers: everything it was handed, as the resolver read it."""

    model_config = ConfigDict(extra="forbid")

    payment_app: str
    request: PaymentRequest
    idempotency_key: str | None
    limit: int


Act = Callable[[], None]


def merchant_route(act: Act | None = None, *, answer: dict[str, Any] | None = None) -> LambdaHandler:
    """POST /api/pay/<payment_app>/pay on a default GatewayResolver (JSON bodies, plain errors).

    `act` runs before the answer (to raise); `answer` replaces the route's well-formed answer (202)."""
    app = GatewayResolver()

    @app.post(
        "/api/pay/<payment_app>/pay",
        responses=documented(Data[Paid], status=201, errors=(403,)),
    )
    def pay(
        payment_app: PaymentAppId,
        request: Annotated[PaymentRequest, Body()],
        query: Annotated[ListQuery, Query()],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Data[Paid]]:
        refuse_undeclared_query(app.current_event, ListQuery)
        if act is not None:
            act()
        if answer is not None:
            return app.answer(202, answer)
        paid = Paid(
            payment_app=payment_app, request=request, idempotency_key=idempotency_key, limit=query.limit
        )
        return app.answer(201, {"data": paid})

    return lambda_handler(app)


def seed_route(act: Act | None = None) -> LambdaHandler:
    """POST /api/stk_push.php as the seed's routes are declared: JSON or a form, errors with "status"."""
    app = GatewayResolver(error_envelope=seed_envelope, body=BodyKind.JSON_OR_FORM)

    @app.post(STK_PHP, responses=documented(Seed[LegacyStkPushRequest]))
    def stk_push(legacy: Annotated[LegacyStkPushRequest, Body()]) -> Response[Seed[LegacyStkPushRequest]]:
        if act is not None:
            act()
        return app.answer(200, seed_envelope(200, {"response": legacy}))

    return lambda_handler(app)


received: list[tuple[str, str | None]] = []
SECRET = "s" * 64


class CallbackDirectory:
    """The apps a callback may name: any, when the URL carries this secret."""

    def for_callback(self, app_id: str, secret: str | None) -> SimpleNamespace:
        if secret != SECRET:
            raise errors.CallbackForbidden("Unknown payment app or wrong callback secret")
        return SimpleNamespace(app_id=app_id)


def receive(payment_app: SimpleNamespace, body: str | None) -> dict[str, Any]:
    received.append((payment_app.app_id, body))
    return {"ResultCode": 0, "ResultDesc": "Accepted"}


callback_route = lambda_handler(
    daraja_callback(
        CallbackDirectory, "/api/pay/<payment_app>/callback", summary="A callback", receive=receive
    )
)


def request(
    path: str,
    body: str | None = None,
    *,
    method: str = "POST",
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    base64_encoded: bool = False,
) -> dict[str, Any]:
    """A REST proxy event for `method path`: the resolver routes on these, not on the resource."""
    event = rest_event(body, headers=headers, authorizer=MERCHANT, base64_encoded=base64_encoded)
    event.update(path=path, httpMethod=method, queryStringParameters=query)
    return event


def headers_of(answer: dict[str, Any]) -> dict[str, str]:
    """The answer's headers as API Gateway sends them: its `headers` and `multiValueHeaders` merged
    (Powertools answers the route's in the latter, refusals before routing in the former)."""
    multi = {name: ", ".join(values) for name, values in (answer.get("multiValueHeaders") or {}).items()}
    return {**multi, **answer["headers"]}


def call(handler: LambdaHandler, event: dict[str, Any]) -> dict[str, Any]:
    return handler(event, FakeLambdaContext())  # type: ignore[arg-type]


def invoke(handler: LambdaHandler, event: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
    answer = call(handler, event)
    return answer["statusCode"], headers_of(answer), json.loads(answer["body"])


def pay(body: str | None = None, **kwargs: Any) -> tuple[int, dict[str, str], dict[str, Any]]:
    return invoke(merchant_route(), request(PAY, json.dumps(GOOD) if body is None else body, **kwargs))


def problems(body: dict[str, Any]) -> dict[str, str]:
    """An invalid_request body's fields, as {field: problem}."""
    assert body["error"]["code"] == "invalid_request"
    return {problem["field"]: problem["problem"] for problem in body["error"]["fields"]}


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[[], list[str]]:
    """The names of the EMF metrics published so far (metrics are off in tests unless turned on)."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    # While disabled, the shared Metrics keep what earlier tests added instead of publishing it.
    metrics.clear_metrics()

    def names() -> list[str]:
        found: list[str] = []
        for line in capsys.readouterr().out.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            for directive in record.get("_aws", {}).get("CloudWatchMetrics", []):
                found += [metric["Name"] for metric in directive["Metrics"]]
        return found

    return names


# --- a route's answer ------------------------------------------------------------------------------


def test_the_route_answers_what_it_read_with_its_status() -> None:
    status, headers, body = pay(
        headers={"Content-Type": "application/json", "Idempotency-Key": "order-42"}, query={"limit": "5"}
    )

    assert status == 201
    assert headers["Content-Type"] == "application/json"
    assert body == {
        "data": {
            "payment_app": APP,
            "request": {
                "phone_number": "254712345678",
                "amount": 1,
                "reference": "INV-1",
                "description": "Payment",
            },
            "idempotency_key": "order-42",
            "limit": 5,
        }
    }


# --- request bodies --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [MAX_BODY - 1, MAX_BODY])
@pytest.mark.parametrize("encoded", [False, True], ids=["plain", "base64"])
def test_a_body_up_to_max_body_bytes_is_accepted(size: int, encoded: bool) -> None:
    body = padded(size)
    assert len(body.encode()) == size
    sent = base64.b64encode(body.encode()).decode() if encoded else body

    status, _, answer = pay(sent, base64_encoded=encoded)

    assert status == 201
    assert answer["data"]["request"]["description"] == "x"


@pytest.mark.parametrize(
    ("body", "encoded"),
    [
        (padded(MAX_BODY + 1), False),
        ("x" * 10_000, False),
        (base64.b64encode(padded(MAX_BODY + 1).encode()).decode(), True),
        (json.dumps({**GOOD, "reference": "\u00e9" * 80}, ensure_ascii=False), False),  # counted in bytes
    ],
    ids=["one-byte-over", "far-over", "base64-decoded-over", "multibyte"],
)
def test_a_body_over_max_body_bytes_is_413(body: str, encoded: bool) -> None:
    status, _, answer = pay(body, base64_encoded=encoded)

    assert status == 413
    assert answer == {
        "error": {"code": "payload_too_large", "message": f"The request body exceeds {MAX_BODY} bytes"}
    }


def test_max_body_bytes_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    body = padded(MAX_BODY + 50)
    assert pay(body)[0] == 413
    monkeypatch.setenv("MAX_BODY_BYTES", str(MAX_BODY + 50))
    config.get_settings.cache_clear()
    assert pay(body)[0] == 201


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_a_json_route_refuses_other_media_types_with_415(content_type: str) -> None:
    status, _, answer = pay(headers={"Content-Type": content_type})

    assert status == 415
    assert answer == {
        "error": {"code": "unsupported_media_type", "message": "The request body must be application/json"}
    }


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"content-type": "application/json; charset=utf-8"},
        {"CONTENT-TYPE": "Application/JSON"},
        {},
    ],
    ids=["json", "lower-case-with-charset", "upper-case", "absent"],
)
def test_json_or_an_absent_content_type_is_accepted(headers: dict[str, str]) -> None:
    assert pay(headers=headers)[0] == 201


def test_null_headers_are_accepted() -> None:
    event = request(PAY, json.dumps(GOOD))
    event["headers"] = None  # API Gateway sends null when a request has no headers at all
    assert invoke(merchant_route(), event)[0] == 201


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8"]
)
def test_a_form_body_on_a_json_or_form_route_is_read_as_json_fields(content_type: str) -> None:
    form = "phone=0712345678&amount=10&reference=INV-1&app=&submit=Pay"
    event = request(STK_PHP, form, headers={"Content-Type": content_type})

    status, headers, answer = invoke(seed_route(), event)

    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert answer == {
        "status": 200,
        "response": {
            "phone": "254712345678",
            "amount": 10,
            "reference": "INV-1",
            "description": "Payment",
            "app": "",
        },
    }


def test_a_base64_form_body_on_a_json_or_form_route_is_decoded_first() -> None:
    form = base64.b64encode(b"phone=0712345678&amount=10&reference=INV-1").decode()
    event = request(
        STK_PHP, form, headers={"Content-Type": "application/x-www-form-urlencoded"}, base64_encoded=True
    )

    status, _, answer = invoke(seed_route(), event)

    assert status == 200
    assert answer["response"]["amount"] == 10


def test_a_json_body_on_a_json_or_form_route_is_accepted() -> None:
    status, _, answer = invoke(seed_route(), request(STK_PHP, json.dumps(SEED_GOOD)))
    assert (status, answer["response"]["phone"]) == (200, "254712345678")


def test_a_json_or_form_route_refuses_other_media_types_with_415_and_its_status() -> None:
    event = request(STK_PHP, "phone=0712345678", headers={"Content-Type": "text/plain"})

    status, _, answer = invoke(seed_route(), event)

    assert status == 415
    assert answer == {
        "status": 415,
        "error": {
            "code": "unsupported_media_type",
            "message": "The request body must be application/json or application/x-www-form-urlencoded",
        },
    }


@pytest.mark.parametrize("body", [None, ""], ids=["null", "empty"])
def test_an_empty_body_is_400_naming_the_body(body: str | None) -> None:
    status, _, answer = invoke(merchant_route(), request(PAY, body))

    assert status == 400
    assert problems(answer) == {"body": "the request body is empty; a JSON object is required"}


def test_a_blank_body_is_400_not_valid_json() -> None:
    status, _, answer = pay("   \n")

    assert status == 400
    assert answer["error"] == {
        "code": "invalid_request",
        "message": "The request body is not valid JSON: Expecting value",
    }


# A non-empty array would otherwise be read as its first item (Powertools' handling of form fields).
@pytest.mark.parametrize("body", ["[]", json.dumps([GOOD]), json.dumps([GOOD, GOOD]), '"text"', "42", "true"])
def test_a_body_that_is_not_an_object_is_400(body: str) -> None:
    status, _, answer = pay(body)

    assert status == 400
    assert problems(answer) == {"body": "the request body must be a JSON object"}


@pytest.mark.parametrize("body", ["{", "{'amount': 1}", '{"amount": 1,}', "NaN-ish", '{"a": 01}'])
def test_a_body_that_is_not_json_is_400(body: str) -> None:
    status, _, answer = pay(body)

    assert status == 400
    assert answer["error"]["code"] == "invalid_request"
    assert answer["error"]["message"].startswith("The request body is not valid JSON: ")


def test_a_body_nested_too_deeply_is_400() -> None:
    body = '{"a": ' * 25 + "1" + "}" * 25

    status, _, answer = pay(body)

    assert status == 400
    assert answer["error"]["code"] == "invalid_request"
    assert "nested too deeply" in answer["error"]["message"]


def test_an_integer_of_thousands_of_digits_is_400_not_valid_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", "10000")
    config.get_settings.cache_clear()
    body = json.dumps(GOOD).replace('"amount": 1', '"amount": ' + "9" * 5000)

    status, _, answer = pay(body)

    assert status == 400
    assert answer["error"]["code"] == "invalid_request"
    assert answer["error"]["message"].startswith("The request body is not valid JSON: ")
    assert "9999" not in answer["error"]["message"]


# --- validation ------------------------------------------------------------------------------------


def test_an_invalid_body_field_is_named_without_its_value() -> None:
    status, _, answer = pay(json.dumps({**GOOD, "amount": -987654321, "colour": "teal"}))

    assert status == 400
    found = problems(answer)
    assert set(found) == {"amount", "colour"}
    assert found["colour"] == "is not a known field"
    assert "987654321" not in json.dumps(answer)
    assert "teal" not in json.dumps(answer)
    assert answer["error"]["message"].startswith("Invalid request: ")


def test_a_missing_body_field_is_named() -> None:
    status, _, answer = pay(json.dumps({"amount": 1, "reference": "INV-1"}))
    assert (status, list(problems(answer))) == (400, ["phone_number"])


def test_an_invalid_path_parameter_is_named_with_its_rule_in_words() -> None:
    status, _, answer = invoke(merchant_route(), request("/api/pay/Shop_NUMBER_9/pay", json.dumps(GOOD)))

    assert status == 400
    assert problems(answer) == {"payment_app": f"the path parameter payment_app must be {ID_RULE}"}
    assert "Shop_NUMBER_9" not in json.dumps(answer)


@pytest.mark.parametrize(
    ("name", "value"), [("limit", "0"), ("limit", "101"), ("limit", "lots"), ("from", "yesterday")]
)
def test_an_invalid_query_parameter_is_named_as_it_is_sent(name: str, value: str) -> None:
    status, _, answer = pay(query={name: value})

    assert status == 400
    [(field, problem)] = problems(answer).items()
    assert field == name  # not "query.limit": the query model's parameter is no part of the URL
    assert problem.startswith(f"the query parameter {name}: ")
    assert value not in json.dumps(answer)


@pytest.mark.parametrize("key", ["has spaces", "k" * 129, "semi;colon"])
def test_an_invalid_idempotency_key_is_named_as_its_header(key: str) -> None:
    status, _, answer = pay(headers={"Content-Type": "application/json", "Idempotency-Key": key})

    assert status == 400
    assert problems(answer) == {"Idempotency-Key": f"must be {idempotency.KEY_RULE}"}
    assert key not in json.dumps(answer)


def test_every_invalid_input_is_named_at_once() -> None:
    event = request(
        "/api/pay/BAD/pay",
        json.dumps({**GOOD, "amount": 0}),
        headers={"Content-Type": "application/json", "Idempotency-Key": "no good"},
        query={"limit": "0"},
    )

    status, _, answer = invoke(merchant_route(), event)

    assert status == 400
    assert set(problems(answer)) == {"payment_app", "amount", "limit", "Idempotency-Key"}


def test_an_undeclared_query_parameter_is_refused_by_name() -> None:
    status, _, answer = pay(query={"limt": "5", "sort": "asc", "limit": "5"})

    assert status == 400
    assert answer == {
        "error": {
            "code": "invalid_request",
            "message": "Unknown query parameters: limt, sort",
            "fields": [
                {"field": "limt", "problem": "is not a known query parameter"},
                {"field": "sort", "problem": "is not a known query parameter"},
            ],
        }
    }


@pytest.mark.parametrize(
    "query",
    [None, {}, {"limit": "5"}, {"from": "2026-03-01T00:00:00+03:00", "to": "2026-03-02T00:00:00Z"}],
    ids=["none", "empty", "declared", "aliases"],
)
def test_refuse_undeclared_query_lets_declared_parameters_through(query: dict[str, str] | None) -> None:
    raw = rest_event()
    raw["queryStringParameters"] = query
    refuse_undeclared_query(APIGatewayProxyEvent(raw), ListQuery)


def test_refuse_undeclared_query_knows_fields_by_alias_not_name() -> None:
    raw = rest_event()
    raw["queryStringParameters"] = {"since": "2026-03-01T00:00:00Z"}
    with pytest.raises(InvalidRequest) as caught:
        refuse_undeclared_query(APIGatewayProxyEvent(raw), ListQuery)
    assert caught.value.details == {
        "fields": [{"field": "since", "problem": "is not a known query parameter"}]
    }


# --- errors --------------------------------------------------------------------------------------

# Every GatewayError the gateway raises, with the status and code its body must carry.
DOMAIN_ERRORS: list[tuple[GatewayError, int, str]] = [
    (InvalidRequest("amount must be at most 250000", field="amount"), 400, "invalid_request"),
    (OperationNotAllowed("not for this driver", driver="MpesaKeC2B"), 400, "operation_not_allowed"),
    (Unauthorized("No authenticated merchant on this request"), 401, "unauthorized"),
    (InvalidClient("Wrong client credentials"), 401, "invalid_client"),
    (AppForbidden("Payment app 'x' does not exist or is not available to you"), 403, "app_forbidden"),
    (CallbackForbidden("Unknown payment app or wrong callback secret"), 403, "callback_forbidden"),
    (NotFound("No transaction 'txn_1'", field="transaction"), 404, "not_found"),
    (RouteNotFound("No such route"), 404, "route_not_found"),
    (
        IdempotencyConflict("A request with this Idempotency-Key is still running"),
        409,
        "idempotency_conflict",
    ),
    (ReversalInFlight("A reversal is on its way"), 409, "reversal_in_flight"),
    (UrlsAlreadyRegistered("Already registered"), 409, "urls_already_registered"),
    (PayloadTooLarge("too big"), 413, "payload_too_large"),
    (UnsupportedMediaType("JSON please"), 415, "unsupported_media_type"),
    (NotProcessable("Not a completed transaction"), 422, "not_a_transaction"),
    (
        DarajaRejected("Daraja refused", daraja_code="500.001.1001", transaction_id="txn_1"),
        424,
        "daraja_rejected",
    ),
    (DarajaRejectedContent("Invalid PhoneNumber", daraja_code="400.002.02"), 400, "daraja_rejected"),
    (DarajaUnavailable("Daraja could not be reached", transaction_id="txn_1"), 503, "daraja_unavailable"),
    (DarajaTimeout("Daraja's answer never came", transaction_id="txn_1"), 504, "daraja_timeout"),
    (InvoiceConflict("Invoice 'INV-1' is paid; it cannot be cancelled"), 409, "invoice_conflict"),
    (
        VodacomRejected("Vodacom refused", vodacom_code="INS-2006", transaction_id="txn_1"),
        424,
        "vodacom_rejected",
    ),
    (VodacomRejectedContent("Invalid MSISDN", vodacom_code="INS-2051"), 400, "vodacom_rejected"),
    (VodacomUnavailable("No active Vodacom session", transaction_id="txn_1"), 503, "vodacom_unavailable"),
]


def test_the_domain_error_table_covers_every_gateway_error() -> None:
    def subclasses(cls: type[GatewayError]) -> set[type[GatewayError]]:
        return {cls, *(sub for direct in cls.__subclasses__() for sub in subclasses(direct))}

    # Subclasses declared by other tests (none are meant to exist here) would live in their modules.
    gateway = {cls for cls in subclasses(GatewayError) if cls.__module__ in (errors.__name__, api.__name__)}
    assert {type(error) for error, _, _ in DOMAIN_ERRORS} == gateway - {GatewayError}


def raising(error: Exception) -> Act:
    def act() -> None:
        raise error

    return act


@pytest.mark.parametrize(("error", "status", "code"), DOMAIN_ERRORS, ids=lambda v: type(v).__name__)
def test_a_domain_error_is_its_status_and_error_body(error: GatewayError, status: int, code: str) -> None:
    answer_status, headers, body = invoke(merchant_route(raising(error)), request(PAY, json.dumps(GOOD)))

    assert answer_status == status
    assert headers["Content-Type"] == "application/json"
    assert body == {"error": {"code": code, "message": error.message, **error.details}}


@pytest.mark.parametrize(("error", "status", "code"), DOMAIN_ERRORS, ids=lambda v: type(v).__name__)
def test_the_seed_envelope_carries_the_status_in_the_error_body(
    error: GatewayError, status: int, code: str
) -> None:
    answer_status, _, body = invoke(seed_route(raising(error)), request(STK_PHP, json.dumps(SEED_GOOD)))

    assert answer_status == status
    assert body == {"status": status, "error": {"code": code, "message": error.message, **error.details}}


def test_the_seed_envelope_wraps_validation_errors_too() -> None:
    status, _, body = invoke(seed_route(), request(STK_PHP, json.dumps({**SEED_GOOD, "amount": 0})))
    assert (status, body["status"], list(problems(body))) == (400, 400, ["amount"])


def test_a_status_set_on_the_error_instance_is_used() -> None:
    rejection = DarajaRejected("Daraja refused the payment request: Invalid PhoneNumber")
    rejection.status = 400

    status, _, body = invoke(merchant_route(raising(rejection)), request(PAY, json.dumps(GOOD)))

    assert status == 400
    assert body["error"]["code"] == "daraja_rejected"


@pytest.mark.parametrize(
    "exception",
    [
        RuntimeError("password=hunter2 for db at 10.0.0.5"),
        KeyError("hunter2"),
        ValueError("hunter2"),
        ZeroDivisionError("hunter2"),
        errors.StorageUnavailable("hunter2 throttled"),
    ],
    ids=lambda e: type(e).__name__,
)
@pytest.mark.parametrize("route", ["merchant", "seed"])
def test_an_unexpected_exception_is_500_internal_error_leaking_nothing(
    exception: Exception,
    route: str,
    caplog: pytest.LogCaptureFixture,
    published: Callable[[], list[str]],
) -> None:
    if route == "seed":
        answer = call(seed_route(raising(exception)), request(STK_PHP, json.dumps(SEED_GOOD)))
        expected = {"status": 500, "error": {"code": "internal_error", "message": "Internal error"}}
    else:
        answer = call(merchant_route(raising(exception)), request(PAY, json.dumps(GOOD)))
        expected = {"error": {"code": "internal_error", "message": "Internal error"}}

    assert answer["statusCode"] == 500
    assert json.loads(answer["body"]) == expected
    assert "hunter2" not in answer["body"]
    assert type(exception).__name__ not in answer["body"]
    assert "UnhandledError" in published()
    # The detail goes to the logs only.
    [logged] = [record for record in caplog.records if record.getMessage() == "unhandled error"]
    assert logged.exc_info is not None
    assert logged.exc_info[1] is exception


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/nowhere"), ("GET", PAY), ("POST", f"{PAY}/more"), ("GET", CALLBACK)],
    ids=["unknown-path", "wrong-method", "longer-path", "callback-by-get"],
)
def test_an_unknown_route_is_404_route_not_found(method: str, path: str) -> None:
    handler = callback_route if path == CALLBACK else merchant_route()

    status, _, body = invoke(handler, request(path, json.dumps(GOOD), method=method))

    assert status == 404
    assert body == {"error": {"code": "route_not_found", "message": "No such route"}}


def test_an_unknown_route_on_a_seed_resolver_carries_its_status() -> None:
    status, _, body = invoke(seed_route(), request("/api/nowhere.php", json.dumps(SEED_GOOD)))
    assert (status, body) == (
        404,
        {"status": 404, "error": {"code": "route_not_found", "message": "No such route"}},
    )


# --- every answer: Cache-Control and the status-class metric ----------------------------------------

ANSWERS: list[tuple[str, Callable[[], dict[str, Any]], int]] = [
    ("success", lambda: request(PAY, json.dumps(GOOD)), 2),
    ("refused-before-routing", lambda: request(PAY, padded(MAX_BODY + 1)), 4),
    ("unsupported-type", lambda: request(PAY, "x", headers={"Content-Type": "text/plain"}), 4),
    ("invalid", lambda: request(PAY, "{}"), 4),
    ("no-route", lambda: request("/api/nowhere", "{}"), 4),
]


@pytest.mark.parametrize(("name", "event", "status_class"), ANSWERS, ids=[a[0] for a in ANSWERS])
def test_every_answer_is_no_store_and_counted_by_status_class(
    name: str, event: Callable[[], dict[str, Any]], status_class: int, published: Callable[[], list[str]]
) -> None:
    answer = call(merchant_route(), event())

    assert answer["statusCode"] // 100 == status_class
    assert answer["headers"]["Cache-Control"] == "no-store"
    assert [n for n in published() if n.startswith("Http")] == [f"Http{status_class}xx"]


def test_an_unexpected_error_is_no_store_and_counted_as_5xx(published: Callable[[], list[str]]) -> None:
    answer = call(merchant_route(raising(RuntimeError("boom"))), request(PAY, json.dumps(GOOD)))

    assert answer["statusCode"] == 500
    assert answer["headers"]["Cache-Control"] == "no-store"
    assert [n for n in published() if n.startswith("Http")] == ["Http5xx"]


# --- an answer that breaks its documented model ------------------------------------------------------


def production_broken_contract() -> Callable[..., Any]:
    """GatewayResolver._broken_contract as api.py defines it.

    tests/conftest.py replaces it on the class (so a broken answer fails every other test), and the
    original is then reachable from nowhere. This loads a second, private copy of api.py from its file,
    never registered in sys.modules, so the shared module and its patch stay as they are: its
    GatewayResolver is unpatched, and its method is the production code, run on our resolver."""
    spec = importlib.util.spec_from_file_location("mpesa_gateway_api_unpatched", api.__file__)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    method: Callable[..., Any] = module.GatewayResolver._broken_contract
    assert method is not GatewayResolver._broken_contract
    return method


BROKEN = {"data": {"payment_app": APP, "surprise": "undocumented"}}


def test_in_tests_a_broken_answer_fails_loudly() -> None:
    with pytest.raises(AssertionError, match="does not match its documented model"):
        call(merchant_route(answer=BROKEN), request(PAY, json.dumps(GOOD)))


def test_in_production_a_broken_answer_goes_out_with_its_status_and_is_alarmed_on(
    monkeypatch: pytest.MonkeyPatch, published: Callable[[], list[str]]
) -> None:
    monkeypatch.setattr(GatewayResolver, "_broken_contract", production_broken_contract())

    answer = call(merchant_route(answer=BROKEN), request(PAY, json.dumps(GOOD)))

    assert answer["statusCode"] == 202
    assert json.loads(answer["body"]) == BROKEN
    assert answer["headers"]["Cache-Control"] == "no-store"
    names = published()
    assert "ResponseContractBroken" in names
    assert "Http2xx" in names


# --- Daraja's callbacks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (json.dumps({"Body": {"stkCallback": {"ResultCode": 0}}}), "application/json"),
        ("x" * 10_000, "application/json"),  # over MAX_BODY_BYTES: the service bounds what it keeps
        ("not json at all", "text/plain"),
        ("", "application/json"),
    ],
    ids=["json", "large", "other-type", "empty"],
)
def test_a_callback_body_reaches_the_receiver_as_it_came(body: str, content_type: str) -> None:
    received.clear()
    event = request(CALLBACK, body, headers={"Content-Type": content_type}, query={"secret": SECRET})

    status, headers, answer = invoke(callback_route, event)

    assert (status, answer) == (200, {"ResultCode": 0, "ResultDesc": "Accepted"})
    assert headers["Cache-Control"] == "no-store"
    assert received == [(APP, body)]


@pytest.mark.parametrize("query", [None, {"secret": "s" * 63}], ids=["no secret", "wrong secret"])
def test_a_callback_without_its_apps_secret_is_403_and_not_received(query: dict[str, str] | None) -> None:
    received.clear()
    status, _, answer = invoke(callback_route, request(CALLBACK, "{}", query=query))
    assert (status, answer["error"]["code"]) == (403, "callback_forbidden")
    assert received == []


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/pay/Not_An_App/callback", {"secret": "s"}, "payment_app"),
        (CALLBACK, {"secret": "s" * (api.MAX_QUERY_PARAMETER_LENGTH + 1)}, "secret"),
    ],
)
def test_a_callback_with_invalid_parameters_is_400_and_not_received(
    path: str, query: dict[str, str], field: str
) -> None:
    received.clear()

    status, _, answer = invoke(callback_route, request(path, "{}", query=query))

    assert status == 400
    assert list(problems(answer)) == [field]
    assert received == []


# --- documented ------------------------------------------------------------------------------------


def test_documented_gives_the_success_and_the_errors_every_route_has() -> None:
    responses = documented(Paid)

    assert sorted(responses) == [200, 400, 500]
    assert responses[200]["content"] == {"application/json": {"model": Paid}}
    for code in (400, 500):
        assert responses[code] == {
            "description": ERROR_DESCRIPTIONS[code],
            "content": {"application/json": {"model": ErrorBody}},
        }


def test_documented_uses_the_success_status_given() -> None:
    assert sorted(documented(Paid, status=201)) == [201, 400, 500]


def test_documented_adds_202_when_the_answer_may_be_pending() -> None:
    responses = documented(Paid, pending=True)

    assert sorted(responses) == [200, 202, 400, 500]
    assert responses[202]["content"] == {"application/json": {"model": Paid}}
    assert "PENDING" in responses[202]["description"]


def test_documented_lists_the_errors_given_with_the_error_body() -> None:
    responses = documented(Paid, errors=(409, 403, 400, 503))

    assert sorted(responses) == [200, 400, 403, 409, 500, 503]
    for code in (403, 409, 503):
        assert responses[code] == {
            "description": ERROR_DESCRIPTIONS[code],
            "content": {"application/json": {"model": ErrorBody}},
        }


def test_the_resolver_publishes_what_documented_says() -> None:
    app = GatewayResolver()

    @app.get("/api/thing", responses=documented(Paid, errors=(403,)))
    def thing() -> Response[Paid]:
        raise AssertionError("not called")

    paths = app.get_openapi_schema().paths
    assert paths is not None
    operation = paths["/api/thing"].get
    assert operation is not None
    assert operation.responses is not None
    # Powertools adds its own 422 "Validation Error" too, which the gateway never answers (it is 400).
    assert {200, 400, 403, 500} <= {int(code) for code in operation.responses}


# --- merchant_id ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorizer", "expected"),
    [
        ({"merchant_id": "m_acme", "principalId": "m_acme", "integrationLatency": 12}, "m_acme"),
        ({"merchant_id": "m_other"}, "m_other"),
    ],
)
def test_merchant_id_comes_from_the_authorizer_context(authorizer: dict[str, Any], expected: str) -> None:
    assert merchant_id(event_with("{}", authorizer=authorizer)) == expected


@pytest.mark.parametrize(
    "authorizer",
    [None, {}, {"principalId": "m_acme"}, {"merchant_id": ""}, {"merchant_id": None}],
    ids=["no-authorizer", "empty", "principal-only", "empty-id", "null-id"],
)
def test_merchant_id_without_an_authenticated_merchant_is_unauthorized(
    authorizer: dict[str, Any] | None,
) -> None:
    # A merchant_id in the body or headers is never taken as the authenticated one.
    event = event_with(
        json.dumps({**GOOD, "merchant_id": "m_acme"}),
        headers={"merchant_id": "m_acme"},
        authorizer=authorizer,
    )
    with pytest.raises(Unauthorized) as caught:
        merchant_id(event)
    assert caught.value.status == 401


def test_merchant_id_with_a_null_authorizer_is_unauthorized() -> None:
    raw = rest_event("{}")
    raw["requestContext"]["authorizer"] = None
    with pytest.raises(Unauthorized):
        merchant_id(APIGatewayProxyEvent(raw))


# --- public_base_url -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "stage", "expected"),
    [
        (
            "abc123.execute-api.af-south-1.amazonaws.com",
            "prod",
            "https://abc123.execute-api.af-south-1.amazonaws.com/prod",
        ),
        (
            "xyz.execute-api.eu-west-1.amazonaws.com",
            "dev",
            "https://xyz.execute-api.eu-west-1.amazonaws.com/dev",
        ),
    ],
)
def test_public_base_url_from_the_stage_the_request_came_in_on(
    domain: str, stage: str, expected: str
) -> None:
    assert public_base_url(event_with("{}", domain_name=domain, stage=stage)) == expected


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("https://pay.example.com", "https://pay.example.com"),
        ("https://pay.example.com/", "https://pay.example.com"),
        ("http://127.0.0.1:3000/local/", "http://127.0.0.1:3000/local"),
    ],
)
def test_public_base_url_prefers_the_configured_one(
    monkeypatch: pytest.MonkeyPatch, configured: str, expected: str
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", configured)
    config.get_settings.cache_clear()
    assert public_base_url(event_with("{}")) == expected


# --- one process, several functions at once (the local stack's in-process mode) --------------------


def test_resolvers_running_at_once_on_two_threads_each_read_their_own_event() -> None:
    both_inside = threading.Barrier(2, timeout=5)

    def echo_route() -> tuple[GatewayResolver, LambdaHandler]:
        app = GatewayResolver()

        @app.post("/api/pay/<payment_app>/echo", responses=documented(ErrorBody))
        def echo(payment_app: PaymentAppId) -> Response[dict[str, Any]]:
            both_inside.wait()  # the other thread has resolved its own event by now
            return app.answer(200, {"app": payment_app, "body": app.current_event.body})

        return app, lambda_handler(app)

    routes = [echo_route()[1], echo_route()[1]]
    answers: dict[str, dict[str, Any]] = {}

    def run(index: int) -> None:
        event = request(f"/api/pay/app-{index}/echo", json.dumps({"n": index}))
        answers[str(index)] = json.loads(call(routes[index], event)["body"])

    threads = [threading.Thread(target=run, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert answers == {
        "0": {"app": "app-0", "body": json.dumps({"n": 0})},
        "1": {"app": "app-1", "body": json.dumps({"n": 1})},
    }
