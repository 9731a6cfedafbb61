"""HTTP plumbing every API handler shares: event in, JSON out, errors as the stable error body.

API Gateway routes each operation to its own Lambda (see infra/routes.py), so handlers do not route;
they parse with these helpers, call the layer's logic and return an ApiResponse.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ValidationError

from mpesa_gateway import idempotency
from mpesa_gateway.config import get_settings
from mpesa_gateway.errors import (
    GatewayError,
    InvalidRequest,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from mpesa_gateway.observability import logger, metrics, tracer

Model = TypeVar("Model", bound=BaseModel)
LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any]


def endpoint(operation: Callable[[APIGatewayProxyEvent], ApiResponse]) -> LambdaHandler:
    """Wrap an operation as a Lambda handler with Powertools context, metrics and error mapping."""

    @wraps(operation)
    def run(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        idempotency.register_invocation(context)
        try:
            answer = operation(APIGatewayProxyEvent(event))
        except GatewayError as error:
            logger.info("request refused", extra={"code": error.code, "status": error.status})
            answer = ApiResponse(error.status, error.to_body())
        except Exception:
            # The detail goes to the logs only: callers get a stable body that leaks nothing.
            logger.exception("unhandled error")
            metrics.add_metric(name="UnhandledError", unit=MetricUnit.Count, value=1)
            answer = ApiResponse(500, {"error": {"code": "internal_error", "message": "Internal error"}})
        return _proxy_response(answer)

    traced = tracer.capture_lambda_handler(run)
    with_metrics = metrics.log_metrics(traced)
    return logger.inject_lambda_context(
        with_metrics, correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
    )


def _proxy_response(answer: ApiResponse) -> dict[str, Any]:
    return {
        "statusCode": answer.status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(answer.body, default=str),
    }


def json_body(event: APIGatewayProxyEvent, model: type[Model]) -> Model:
    """The body parsed as JSON and validated by `model`; errors name the offending field."""
    raw = event.decoded_body or ""
    if len(raw.encode()) > get_settings().max_body_bytes:
        raise PayloadTooLarge(f"The request body exceeds {get_settings().max_body_bytes} bytes")
    content_type = (event.headers.get("Content-Type") or "").lower()
    if content_type and "json" not in content_type:
        raise UnsupportedMediaType("The request body must be JSON (Content-Type: application/json)")
    if not raw.strip():
        raise InvalidRequest("The request body is empty; a JSON object is required")
    try:
        payload = json.loads(raw)
    except ValueError as error:
        raise InvalidRequest(f"The request body is not valid JSON: {error.msg}") from None
    if not isinstance(payload, dict):
        raise InvalidRequest("The request body must be a JSON object")
    return validate(model, payload)


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
