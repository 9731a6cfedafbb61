"""HTTP plumbing every API handler shares: event in, JSON out, errors as the stable error body.

API Gateway routes each operation to its own Lambda (see infra/routes.py), so handlers do not route;
they parse with these helpers, call the layer's logic and return an ApiResponse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ValidationError

from mpesa_gateway import budget, idempotency
from mpesa_gateway.config import get_settings
from mpesa_gateway.errors import (
    GatewayError,
    InvalidRequest,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from mpesa_gateway.inputs import (
    ID_PATTERN,
    ID_RULE,
    REFERENCE_PATTERN,
    REFERENCE_RULE,
    NestedTooDeeply,
    load_json,
)
from mpesa_gateway.observability import logger, metrics, traced

Model = TypeVar("Model", bound=BaseModel)
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
# What each path parameter of infra/routes.py may hold, checked before it reaches a key or a log line.
PATH_PARAMETERS: dict[str, tuple[re.Pattern[str], str]] = {
    "payment_app": (ID_PATTERN, ID_RULE),
    "transaction": (REFERENCE_PATTERN, REFERENCE_RULE),
}
# Callback secrets are 64 hex characters; no query parameter the gateway reads is longer than a cursor.
MAX_QUERY_PARAMETER_LENGTH = 2048


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any]


ErrorEnvelope = Callable[[int, dict[str, Any]], dict[str, Any]]


def _plain(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return body


def seed_envelope(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """The first seed's PHP-style routes answer {"status": <http status>, ...} in the body too."""
    return {"status": status, **body}


def endpoint(
    operation: Callable[[APIGatewayProxyEvent], ApiResponse] | None = None,
    *,
    error_envelope: ErrorEnvelope = _plain,
) -> Any:
    """Wrap an operation as a Lambda handler with Powertools context, metrics and error mapping.

    Use bare (`@endpoint`) or with an envelope for routes whose errors wrap the stable error body
    (`@endpoint(error_envelope=...)`), as the seed's token and .php routes do.
    """

    def wrap(operation: Callable[[APIGatewayProxyEvent], ApiResponse]) -> LambdaHandler:
        @wraps(operation)
        def run(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            idempotency.register_invocation(context)
            try:
                with budget.invocation(context):
                    answer = operation(APIGatewayProxyEvent(event))
            except GatewayError as error:
                logger.info("request refused", extra={"code": error.code, "status": error.status})
                answer = ApiResponse(error.status, error_envelope(error.status, error.to_body()))
            except Exception:
                # The detail goes to the logs only: callers get a stable body that leaks nothing.
                logger.exception("unhandled error")
                metrics.add_metric(name="UnhandledError", unit=MetricUnit.Count, value=1)
                body = {"error": {"code": "internal_error", "message": "Internal error"}}
                answer = ApiResponse(500, error_envelope(500, body))
            # Answers by class (Http2xx, Http4xx, Http5xx): the API's health at a glance per service.
            metrics.add_metric(name=f"Http{answer.status // 100}xx", unit=MetricUnit.Count, value=1)
            return _proxy_response(answer)

        with_metrics = metrics.log_metrics(traced(run))
        return logger.inject_lambda_context(
            with_metrics, correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
        )

    return wrap(operation) if operation is not None else wrap


def _proxy_response(answer: ApiResponse) -> dict[str, Any]:
    return {
        "statusCode": answer.status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(answer.body, default=str),
    }


def json_body(event: APIGatewayProxyEvent, model: type[Model]) -> Model:
    """The body parsed as JSON and validated by `model`; errors name the offending field."""
    return validate(model, _payload(event, accept_form=False))


def form_or_json_body(event: APIGatewayProxyEvent, model: type[Model], *, allow_empty: bool = False) -> Model:
    """As json_body, also accepting an HTML form body (the seed's PHP-style routes take both)."""
    return validate(model, _payload(event, accept_form=True, allow_empty=allow_empty))


def _payload(event: APIGatewayProxyEvent, *, accept_form: bool, allow_empty: bool = False) -> dict[str, Any]:
    raw = event.decoded_body or ""
    limit = get_settings().max_body_bytes
    if len(raw.encode()) > limit:
        raise PayloadTooLarge(f"The request body exceeds {limit} bytes")
    if not raw.strip():
        if allow_empty:
            return {}
        raise InvalidRequest("The request body is empty; a JSON object is required")
    content_type = (event.headers.get("Content-Type") or "").lower()
    if accept_form and content_type.startswith(FORM_CONTENT_TYPE):
        return dict(parse_qsl(raw, keep_blank_values=True))
    if content_type and "json" not in content_type:
        accepted = f"application/json or {FORM_CONTENT_TYPE}" if accept_form else "application/json"
        raise UnsupportedMediaType(f"The request body must be {accepted}")
    try:
        payload = load_json(raw)
    except NestedTooDeeply as error:
        raise InvalidRequest(f"The request body is {error}") from None
    except ValueError as error:
        # JSONDecodeError says where; the others (an integer of thousands of digits) say what.
        problem = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise InvalidRequest(f"The request body is not valid JSON: {problem}") from None
    if not isinstance(payload, dict):
        raise InvalidRequest("The request body must be a JSON object")
    return payload


def validate(model: type[Model], payload: dict[str, Any]) -> Model:
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        problems = [
            {"field": ".".join(str(part) for part in problem["loc"]) or "body", "problem": _reason(problem)}
            for problem in error.errors(include_url=False, include_input=False)
        ]
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        raise InvalidRequest(f"Invalid request: {summary}", fields=problems) from None


def _reason(problem: Any) -> str:
    if problem["type"] == "extra_forbidden":
        return "is not a known field"
    return str(problem["msg"]).removeprefix("Value error, ")


def path_parameter(event: APIGatewayProxyEvent, name: str) -> str:
    value = (event.path_parameters or {}).get(name)
    if not value:
        raise InvalidRequest(f"The path parameter {name} is missing", field=name)
    pattern, rule = PATH_PARAMETERS[name]
    # fullmatch: "$" would let a trailing newline through. The value is not echoed: it may be huge.
    if not pattern.fullmatch(value):
        raise InvalidRequest(f"The path parameter {name} must be {rule}", field=name)
    return value


def query_parameter(event: APIGatewayProxyEvent, name: str) -> str | None:
    """A query string parameter, bounded before anything hashes, compares or stores it."""
    value = event.get_query_string_value(name)
    if value is not None and len(value) > MAX_QUERY_PARAMETER_LENGTH:
        raise InvalidRequest(
            f"The query parameter {name} is longer than {MAX_QUERY_PARAMETER_LENGTH} characters", field=name
        )
    return value


def merchant_id(event: APIGatewayProxyEvent) -> str:
    """The merchant the authorizer authenticated; never taken from the request itself."""
    found = event.request_context.authorizer.get_context().get("merchant_id")
    if not found:
        raise Unauthorized("No authenticated merchant on this request")
    return str(found)


def public_base_url(event: APIGatewayProxyEvent) -> str:
    """Where Safaricom can reach this API: configured, or the API Gateway stage the request came in on."""
    configured = get_settings().public_base_url
    if configured:
        return configured.rstrip("/")
    context = event.request_context
    return f"https://{context.domain_name}/{context.stage}"
