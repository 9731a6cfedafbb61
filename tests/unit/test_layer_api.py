"""api helpers on hand-built API Gateway REST proxy events, and the endpoint wrapper."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mpesa_gateway import config
from mpesa_gateway.api import ApiResponse, endpoint, json_body, merchant_id, public_base_url
from mpesa_gateway.errors import (
    AppForbidden,
    CallbackForbidden,
    DarajaRejected,
    DarajaUnavailable,
    GatewayError,
    IdempotencyConflict,
    InvalidRequest,
    NotFound,
    OperationNotAllowed,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from mpesa_gateway.express.models import PaymentRequest
from mpesa_gateway.observability import metrics
from tests.unit.fakes import FakeLambdaContext, rest_event

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

MAX_BODY = 200
GOOD = {"phone_number": "0712345678", "amount": 1, "reference": "INV-1"}


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


# --- json_body ---------------------------------------------------------------------------------


def test_json_body_parses_and_validates() -> None:
    request = json_body(event_with(json.dumps(GOOD)), PaymentRequest)
    assert (request.phone_number, request.amount, request.reference) == ("254712345678", 1, "INV-1")


def test_json_body_reads_a_base64_encoded_body() -> None:
    encoded = base64.b64encode(json.dumps(GOOD).encode()).decode()
    assert json_body(event_with(encoded, base64_encoded=True), PaymentRequest).amount == 1


@pytest.mark.parametrize("size", [MAX_BODY - 1, MAX_BODY])
def test_json_body_accepts_up_to_max_body_bytes(size: int) -> None:
    body = padded(size)
    assert len(body.encode()) == size
    assert json_body(event_with(body), PaymentRequest).reference == "INV-1"


@pytest.mark.parametrize(
    ("body", "base64_encoded"),
    [
        (padded(MAX_BODY + 1), False),
        ("x" * 10_000, False),
        (base64.b64encode(padded(MAX_BODY + 1).encode()).decode(), True),
        (json.dumps({**GOOD, "reference": "\u00e9" * 80}, ensure_ascii=False), False),  # counted in bytes
    ],
)
def test_json_body_refuses_more_than_max_body_bytes(body: str, base64_encoded: bool) -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        json_body(event_with(body, base64_encoded=base64_encoded), PaymentRequest)
    assert caught.value.status == 413
    assert str(MAX_BODY) in caught.value.message


def test_max_body_bytes_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    body = padded(MAX_BODY + 50)
    with pytest.raises(PayloadTooLarge):
        json_body(event_with(body), PaymentRequest)
    monkeypatch.setenv("MAX_BODY_BYTES", str(MAX_BODY + 50))
    config.get_settings.cache_clear()
    assert json_body(event_with(body), PaymentRequest).amount == 1


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_json_body_refuses_other_media_types(content_type: str) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        json_body(event_with(json.dumps(GOOD), headers={"Content-Type": content_type}), PaymentRequest)
    assert caught.value.status == 415


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"content-type": "application/json; charset=utf-8"},
        {"CONTENT-TYPE": "Application/JSON"},
        {},
    ],
)
def test_json_body_accepts_json_or_absent_content_types(headers: dict[str, str]) -> None:
    assert json_body(event_with(json.dumps(GOOD), headers=headers), PaymentRequest).amount == 1


def test_json_body_copes_with_null_headers() -> None:
    raw = rest_event(json.dumps(GOOD))
    raw["headers"] = None  # API Gateway sends null when a request has no headers at all
    assert json_body(APIGatewayProxyEvent(raw), PaymentRequest).amount == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "empty"),
        ("", "empty"),
        ("   \n", "empty"),
        ("{", "not valid JSON"),
        ("{'amount': 1}", "not valid JSON"),
        ("[]", "JSON object"),
        (json.dumps([GOOD]), "JSON object"),
        ('"text"', "JSON object"),
        ("42", "JSON object"),
        ("null", "JSON object"),
    ],
)
def test_json_body_refuses_what_is_not_a_json_object(body: str | None, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message) as caught:
        json_body(event_with(body), PaymentRequest)
    assert caught.value.status == 400


def test_json_body_names_invalid_fields() -> None:
    with pytest.raises(InvalidRequest) as caught:
        json_body(event_with(json.dumps({**GOOD, "amount": 0})), PaymentRequest)
    assert [problem["field"] for problem in caught.value.details["fields"]] == ["amount"]


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


# --- endpoint ------------------------------------------------------------------------------------


def invoke(operation: Any, event: dict[str, Any] | None = None) -> tuple[int, dict[str, str], dict[str, Any]]:
    answer = endpoint(operation)(event or rest_event(json.dumps(GOOD)), FakeLambdaContext())
    return answer["statusCode"], answer["headers"], json.loads(answer["body"])


def test_endpoint_returns_the_operations_answer_as_a_proxy_response() -> None:
    seen: list[APIGatewayProxyEvent] = []

    def operation(event: APIGatewayProxyEvent) -> ApiResponse:
        seen.append(event)
        request = json_body(event, PaymentRequest)
        return ApiResponse(201, {"phone": request.phone_number, "at": datetime(2026, 3, 15, tzinfo=UTC)})

    status, headers, body = invoke(operation)

    assert status == 201
    assert headers == {"Content-Type": "application/json", "Cache-Control": "no-store"}
    assert body == {"phone": "254712345678", "at": "2026-03-15 00:00:00+00:00"}
    assert isinstance(seen[0], APIGatewayProxyEvent)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (InvalidRequest("amount must be at most 250000", field="amount"), 400, "invalid_request"),
        (OperationNotAllowed("not for this driver", driver="MpesaKeC2B"), 400, "operation_not_allowed"),
        (Unauthorized("No authenticated merchant on this request"), 401, "unauthorized"),
        (AppForbidden("Payment app 'x' does not exist or is not available to you"), 403, "app_forbidden"),
        (CallbackForbidden("Unknown payment app or wrong callback secret"), 403, "callback_forbidden"),
        (NotFound("No transaction 'txn_1'", field="transaction"), 404, "not_found"),
        (
            IdempotencyConflict("A request with this Idempotency-Key is still running"),
            409,
            "idempotency_conflict",
        ),
        (PayloadTooLarge("too big"), 413, "payload_too_large"),
        (UnsupportedMediaType("JSON please"), 415, "unsupported_media_type"),
        (
            DarajaRejected("Daraja refused", daraja_code="500.001.1001", transaction_id="txn_1"),
            424,
            "daraja_rejected",
        ),
        (DarajaUnavailable("Daraja could not be reached", transaction_id="txn_1"), 503, "daraja_unavailable"),
    ],
)
def test_endpoint_turns_a_gateway_error_into_its_status_and_error_body(
    error: GatewayError, status: int, code: str
) -> None:
    def operation(event: APIGatewayProxyEvent) -> ApiResponse:
        raise error

    answer_status, headers, body = invoke(operation)

    assert answer_status == status
    assert headers["Content-Type"] == "application/json"
    assert body == {"error": {"code": code, "message": error.message, **error.details}}


def test_endpoint_uses_a_status_set_on_the_error_instance() -> None:
    def operation(event: APIGatewayProxyEvent) -> ApiResponse:
        rejection = DarajaRejected("Daraja refused the payment request: Invalid PhoneNumber")
        rejection.status = 400
        raise rejection

    status, _, body = invoke(operation)
    assert status == 400
    assert body["error"]["code"] == "daraja_rejected"


def test_endpoint_maps_json_body_refusals() -> None:
    def operation(event: APIGatewayProxyEvent) -> ApiResponse:
        json_body(event, PaymentRequest)
        return ApiResponse(200, {})

    status, _, body = invoke(operation, rest_event("amount=1", headers={"Content-Type": "text/plain"}))
    assert status == 415
    assert body["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "exception",
    [
        RuntimeError("password=hunter2 for db at 10.0.0.5"),
        KeyError("hunter2"),
        ValueError("hunter2"),
        ZeroDivisionError("hunter2"),
    ],
)
def test_endpoint_hides_unexpected_exceptions_behind_internal_error(
    exception: Exception,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")  # this test reads the published metric

    def operation(event: APIGatewayProxyEvent) -> ApiResponse:
        raise exception

    answer = endpoint(operation)(rest_event(json.dumps(GOOD)), FakeLambdaContext())

    assert answer["statusCode"] == 500
    assert json.loads(answer["body"]) == {"error": {"code": "internal_error", "message": "Internal error"}}
    assert "hunter2" not in answer["body"]
    assert type(exception).__name__ not in answer["body"]
    assert '"UnhandledError"' in capsys.readouterr().out  # the EMF metric was published
    # The detail goes to the logs only.
    [logged] = [record for record in caplog.records if record.getMessage() == "unhandled error"]
    assert logged.exc_info is not None
    assert logged.exc_info[1] is exception
