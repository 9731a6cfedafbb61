"""HTTP plumbing every API handler shares: a Powertools resolver per Lambda, the stable error body.

API Gateway routes each operation to its own Lambda (see infra/routes.py); each handler module declares
its one route on a `GatewayResolver` with typed parameters, request and response models, so the
same declaration validates requests and documents the route in the OpenAPI document (infra/openapi.py).
Validation errors, domain errors and anything unexpected all leave as {"error": {"code", "message", ...}}.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar, cast
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
    ResponseValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mpesa_gateway import budget, idempotency
from mpesa_gateway.answers import CallbackAck, omitted
from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.config import get_settings
from mpesa_gateway.errors import (
    GatewayError,
    InvalidRequest,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from mpesa_gateway.inputs import (
    EVENT_ID_PATTERN,
    EVENT_ID_RULE,
    ID_PATTERN,
    ID_RULE,
    INVOICE_REFERENCE_PATTERN,
    INVOICE_REFERENCE_RULE,
    PHONE_NUMBER_PATTERN,
    PHONE_NUMBER_RULE,
    REFERENCE_PATTERN,
    REFERENCE_RULE,
    NestedTooDeeply,
    load_json,
)
from mpesa_gateway.models import PaymentApp
from mpesa_gateway.observability import logger, metrics, traced

T = TypeVar("T")
Model = TypeVar("Model", bound=BaseModel)
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
ErrorEnvelope = Callable[[int, dict[str, Any]], dict[str, Any]]
# Callback secrets are 64 hex characters; no query parameter the gateway reads is longer than a cursor.
MAX_QUERY_PARAMETER_LENGTH = 2048
# What a path parameter must look like, said in words when it does not (pydantic would quote a regex).
PATH_RULES = {
    "payment_app": ID_RULE,
    "transaction": REFERENCE_RULE,
    "event": EVENT_ID_RULE,
    "phone_number": PHONE_NUMBER_RULE,
    "reference": INVOICE_REFERENCE_RULE,
}
# Where the resolver keeps the status a route meant to answer, should its body break its own model.
_INTENDED_STATUS = "intended_status"

# Path, query and header parameters, declared once for every route that takes them.
PaymentAppId = Annotated[
    str, Path(pattern=f"^{ID_PATTERN.pattern}$", description=f"The payment app: {ID_RULE}")
]
TransactionReference = Annotated[
    str,
    Path(
        pattern=f"^{REFERENCE_PATTERN.pattern}$",
        description="The gateway's transaction id (txn_…), an STK CheckoutRequestID (ws_CO_…) or an M-Pesa "
        f"receipt: {REFERENCE_RULE}",
    ),
]
EventId = Annotated[
    str, Path(pattern=f"^{EVENT_ID_PATTERN.pattern}$", description=f"An event's id: {EVENT_ID_RULE}")
]
InvoiceReference = Annotated[
    str,
    Path(
        pattern=f"^{INVOICE_REFERENCE_PATTERN.pattern}$",
        description=f"A Bill Manager invoice's external reference: {INVOICE_REFERENCE_RULE}",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=idempotency.HEADER,
        pattern=idempotency.KEY_PATTERN,
        description=f"Replays the first answer for 24 hours instead of acting twice: {idempotency.KEY_RULE}",
    ),
]
PhoneNumber = Annotated[
    str,
    Path(
        pattern=f"^{PHONE_NUMBER_PATTERN.pattern}$",
        description=f"A Kenyan mobile number: {PHONE_NUMBER_RULE}",
        examples=["254712345678"],
    ),
]
CallbackSecret = Annotated[
    str | None,
    Query(
        max_length=MAX_QUERY_PARAMETER_LENGTH,
        description="The payment app's callback secret, part of the URL the gateway gave Daraja",
    ),
]


class ErrorDetail(BaseModel):
    """More fields where they help: `daraja_code`, `transaction_id`, `reversal_transaction_id`..."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="Stable, machine-readable: see docs/result-codes.md")
    message: str = Field(description="What went wrong, for a person")
    field: str | None = omitted("The input the error is about, if one is")
    fields: list[dict[str, str]] | None = omitted("Each invalid input: {'field', 'problem'}")


class ErrorBody(BaseModel):
    """Every error the gateway answers (a 4xx or 5xx), on every route; the token route adds
    `"success": false` and the seed's .php routes `"status": <http status>`."""

    model_config = ConfigDict(extra="allow")

    error: ErrorDetail


class Data(BaseModel, Generic[T]):
    """The merchant routes' envelope: the answer under "data"."""

    data: T


class Seed(BaseModel, Generic[T]):
    """The first seed's PHP-style routes' envelope: the HTTP status, and the answer under "response"."""

    status: int
    response: T


class BodyKind(StrEnum):
    JSON = "json"
    JSON_OR_FORM = "json-or-form"  # the seed's PHP-style routes: an HTML form's fields, read as JSON
    RAW = "raw"  # Daraja's callbacks: stored as they came, whatever they are, and parsed by the service


# Who may call a route, as the OpenAPI document names it (schemes in infra/openapi.py).
Security = list[dict[str, list[str]]]
MERCHANT: Security = [{"merchantBearer": []}]
CALLBACK: Security = [{"callbackSecret": []}]
CLIENT: Security = [{"clientBasic": []}]


def plain(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return body


def seed_envelope(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """The first seed's PHP-style routes answer {"status": <http status>, ...} in the body too."""
    return {"status": status, **body}


_THREAD = threading.local()


class GatewayResolver(APIGatewayRestResolver):
    """A validating resolver whose every failure is the gateway's error body, in its `error_envelope`.

    `body` says what request bodies the route takes (see BodyKind)."""

    def __init__(self, *, error_envelope: ErrorEnvelope = plain, body: BodyKind = BodyKind.JSON) -> None:
        super().__init__(
            enable_validation=True,
            # A body that breaks its own documented model is caught below, never a silent 500.
            response_validation_error_http_code=500,
            json_body_deserializer=_json_object,
        )
        self.error_envelope = error_envelope
        self.body = body
        self.exception_handler(GatewayError)(self.refused)
        self.exception_handler(RequestUnsupportedContentType)(self._unsupported_type)
        self.exception_handler(RequestValidationError)(self._invalid)
        # Looked up at each call, so tests can make a broken contract fail loudly instead.
        self.exception_handler(ResponseValidationError)(lambda error: self._broken_contract(error))  # noqa: PLW0108
        self.exception_handler(Exception)(self._unexpected)
        self.not_found(self._no_route)

    # Powertools keeps the current event on its BaseRouter class, shared by every resolver of the
    # process. A Lambda process serves one event at a time; the local stack's in-process mode runs
    # several functions on threads of one process, so each resolver reads its own thread's event.
    @property  # type: ignore[override]
    def current_event(self) -> APIGatewayProxyEvent:
        event: APIGatewayProxyEvent = _THREAD.event
        return event

    @current_event.setter
    def current_event(self, event: APIGatewayProxyEvent) -> None:
        _THREAD.event = event

    def _to_proxy_event(self, event: dict[str, Any]) -> APIGatewayProxyEvent:
        proxy = super()._to_proxy_event(event)
        _THREAD.event = proxy
        return cast(APIGatewayProxyEvent, proxy)

    def answer(self, status: int, body: Mapping[str, Any] | BaseModel) -> Response[Any]:
        """The route's answer with its status; the resolver checks the body against the route's model."""
        self.context[_INTENDED_STATUS] = status
        return Response(status, JSON_CONTENT_TYPE, body)

    def refused(self, error: GatewayError) -> Response[Any]:
        logger.info("request refused", extra={"code": error.code, "status": error.status})
        return Response(error.status, JSON_CONTENT_TYPE, self.error_envelope(error.status, error.to_body()))

    def _unsupported_type(self, _: RequestUnsupportedContentType) -> Response[Any]:
        return self.refused(UnsupportedMediaType(f"The request body must be {self._accepted_types()}"))

    def _invalid(self, error: RequestValidationError) -> Response[Any]:
        return self.refused(invalid_request(error.errors()))

    def _broken_contract(self, error: ResponseValidationError) -> Response[Any]:
        # The operation ran (a push may be on its way): its answer goes out as it is, never a 5xx that
        # would leave the merchant unsure, and the mismatch with the documented model is alarmed on.
        logger.error("answer does not match its documented model", extra={"problems": error.errors()})
        metrics.add_metric(name="ResponseContractBroken", unit=MetricUnit.Count, value=1)
        return Response(self.context.get(_INTENDED_STATUS, 200), JSON_CONTENT_TYPE, error.body)

    def _unexpected(self, _: Exception) -> Response[Any]:
        # The detail goes to the logs only: callers get a stable body that leaks nothing.
        logger.exception("unhandled error")
        metrics.add_metric(name="UnhandledError", unit=MetricUnit.Count, value=1)
        body = {"error": {"code": "internal_error", "message": "Internal error"}}
        return Response(500, JSON_CONTENT_TYPE, self.error_envelope(500, body))

    def _no_route(self, _: Exception) -> Response[Any]:
        return self.refused(RouteNotFound("No such route"))

    def _accepted_types(self) -> str:
        return (
            f"{JSON_CONTENT_TYPE} or {FORM_CONTENT_TYPE}"
            if self.body is BodyKind.JSON_OR_FORM
            else JSON_CONTENT_TYPE
        )

    def checked_body(self, event: dict[str, Any]) -> dict[str, Any]:
        """The event with its body bounded, of an accepted type, and a form body turned into JSON."""
        if self.body is BodyKind.RAW:
            return event  # stored as it came, however large or odd: the service bounds what it keeps
        proxy = APIGatewayProxyEvent(event)
        try:
            raw = proxy.decoded_body or ""
        except UnicodeDecodeError:
            raise InvalidRequest("The request body is not UTF-8 text") from None
        limit = get_settings().max_body_bytes
        if len(raw.encode()) > limit:
            raise PayloadTooLarge(f"The request body exceeds {limit} bytes")
        content_type = (proxy.headers.get("Content-Type") or "").lower()
        if not raw.strip() or not content_type:
            return event
        if "json" in content_type:
            # Media types are case-insensitive; the resolver reads JSON only as lower-case application/json.
            return _with_content_type(event, content_type)
        if not (self.body is BodyKind.JSON_OR_FORM and content_type.startswith(FORM_CONTENT_TYPE)):
            raise UnsupportedMediaType(f"The request body must be {self._accepted_types()}")
        return {
            **_with_content_type(event, JSON_CONTENT_TYPE),
            "multiValueHeaders": None,
            "body": json.dumps(dict(parse_qsl(raw, keep_blank_values=True))),
            "isBase64Encoded": False,
        }


def _with_content_type(event: dict[str, Any], content_type: str) -> dict[str, Any]:
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    return {**event, "headers": {**headers, "Content-Type": content_type}}


class RouteNotFound(GatewayError):
    status = 404
    code = "route_not_found"


def lambda_handler(app: GatewayResolver) -> LambdaHandler:
    """A route resolver as a Lambda entry point: Powertools context, metrics, the invocation deadline."""

    def run(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        idempotency.register_invocation(context)
        with budget.invocation(context):
            try:
                response = app.resolve(app.checked_body(event), context)
            except GatewayError as error:  # refused before routing: the body itself is unacceptable
                refusal = app.refused(error)
                response = {
                    "statusCode": refusal.status_code,
                    "headers": {"Content-Type": JSON_CONTENT_TYPE},
                    "body": json.dumps(refusal.body),
                    "isBase64Encoded": False,
                }
        # Answers by class (Http2xx, Http4xx, Http5xx): the API's health at a glance per service.
        metrics.add_metric(name=f"Http{int(response['statusCode']) // 100}xx", unit=MetricUnit.Count, value=1)
        response.setdefault("headers", {})["Cache-Control"] = "no-store"
        return response

    with_metrics = metrics.log_metrics(traced(run))
    return logger.inject_lambda_context(
        with_metrics, correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
    )


def _json_object(raw: str) -> Any:
    """The body's JSON object (or null), refused with a reason when it is not JSON, nests too deeply or
    is an array or a scalar: the resolver would otherwise read a list's first item as the whole body."""
    try:
        body = load_json(raw)
    except NestedTooDeeply as error:
        raise InvalidRequest(f"The request body is {error}") from None
    except ValueError as error:
        # JSONDecodeError says where; the others (an integer of thousands of digits) say what.
        problem = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise InvalidRequest(f"The request body is not valid JSON: {problem}") from None
    if body is not None and not isinstance(body, dict):
        raise invalid_request([{"loc": ("body",), "type": "model_type", "msg": "not an object"}])
    return body


def invalid_request(problems: Any) -> InvalidRequest:
    """pydantic's (or the resolver's) validation errors as one 400 naming each field and its problem."""
    fields = [{"field": _field(problem["loc"]), "problem": _reason(problem)} for problem in problems]
    summary = "; ".join(f"{p['field']}: {p['problem']}" for p in fields)
    return InvalidRequest(f"Invalid request: {summary}", fields=fields)


def _field(location: Any) -> str:
    """("body", "amount") is "amount", ("path", "payment_app") is "payment_app", ("query", "query",
    "limit") is "limit", ("body",) is "body", ("body", "invoices", 3, "amount") is "invoices[3].amount"."""
    parts = [f"[{part}]" if isinstance(part, int) else str(part) for part in location]
    if parts[:1] == ["header"] and len(parts) > 1:
        return parts[1].title()  # headers arrive lower-cased: idempotency-key is Idempotency-Key
    if parts[:1] == ["query"] and len(parts) > 1:
        return parts[-1]  # a query model's field is ("query", <its parameter>, <the field's alias>)
    if parts[:1] in (["body"], ["path"]) and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts).replace(".[", "[") or "body"


# What pydantic says about the body as a whole, said for a merchant reading the error.
_BODY_PROBLEMS = {
    "missing": "the request body is empty; a JSON object is required",
    "model_attributes_type": "the request body must be a JSON object",
    "dict_type": "the request body must be a JSON object",
    "model_type": "the request body must be a JSON object",
}


def _reason(problem: Mapping[str, Any]) -> str:
    location = tuple(problem.get("loc", ()))
    kind, where, name = problem["type"], location[:1], str(location[-1]) if location else ""
    if kind == "extra_forbidden":
        reason = "is not a known field"
    elif location == ("body",) and kind in _BODY_PROBLEMS:
        reason = _BODY_PROBLEMS[kind]
    elif where == ("path",) and kind == "string_pattern_mismatch":
        reason = f"the path parameter {name} must be {PATH_RULES.get(name, 'well formed')}"
    elif where == ("query",):
        reason = f"the query parameter {name}: {problem['msg']}"
    elif where == ("header",) and name.lower() == idempotency.HEADER.lower():
        reason = f"must be {idempotency.KEY_RULE}"
    else:
        reason = str(problem["msg"]).removeprefix("Value error, ")
    return reason


def validate(model: type[Model], payload: Mapping[str, Any]) -> Model:
    """`payload` validated by `model`; errors name the offending field, as the resolver's do."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise invalid_request(error.errors(include_url=False, include_input=False)) from None


def refuse_undeclared_query(event: APIGatewayProxyEvent, model: type[BaseModel]) -> None:
    """A query parameter the route does not know is refused, not ignored: a typo (`limt`, `sort`)
    would otherwise silently answer something else than was asked."""
    known = {field.alias or name for name, field in model.model_fields.items()}
    unknown = sorted(set(event.query_string_parameters or {}) - known)
    if unknown:
        fields = [{"field": name, "problem": "is not a known query parameter"} for name in unknown]
        raise InvalidRequest(f"Unknown query parameters: {', '.join(unknown)}", fields=fields)


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


def documented(
    ok: type[BaseModel], *, status: int = 200, pending: bool = False, errors: tuple[int, ...] = ()
) -> dict[int, OpenAPIResponse]:
    """A route's answers for the OpenAPI document: its success (and 202 pending) and its errors."""
    responses: dict[int, OpenAPIResponse] = {
        status: {"description": "Done", "content": {JSON_CONTENT_TYPE: {"model": ok}}}
    }
    if pending:
        responses[202] = {
            "description": "Daraja's answer never came: the request may still be carried out; it stays "
            "PENDING until its callback or a status query settles it. Do not resend it.",
            "content": {JSON_CONTENT_TYPE: {"model": ok}},
        }
    for code in sorted({400, 500, *errors}):
        responses[code] = {
            "description": ERROR_DESCRIPTIONS[code],
            "content": {JSON_CONTENT_TYPE: {"model": ErrorBody}},
        }
    return responses


ERROR_DESCRIPTIONS = {
    400: "Invalid input: the error names each field and its problem; nothing changed",
    401: "Missing or invalid credentials",
    403: "These credentials may not use this payment app (or callback secret is wrong)",
    404: "No such transaction, event or webhook endpoint in this payment app",
    409: "The Idempotency-Key is in use or was used for another request, or a reversal is on its way",
    413: "The request body is too large",
    415: "The request body must be JSON",
    422: "Well-formed input that cannot be acted on",
    424: "Daraja refused the request: nothing reached the customer",
    429: "Too many requests",
    500: "Internal error: nothing about it is disclosed",
    503: "Daraja could not be reached: the request was not sent",
}


# Stores the raw body and returns the acknowledgement Daraja expects (a model of answers.py).
CallbackReceiver = Callable[[PaymentApp, str | None], BaseModel]


def daraja_callback(
    apps: Callable[[], AppDirectory],
    path: str,
    *,
    summary: str,
    receive: CallbackReceiver,
    answer: type[BaseModel] = CallbackAck,
) -> GatewayResolver:
    """The resolver of a route Daraja calls back on: the app whose callback secret the URL carries is
    looked up in `apps()`, then `receive(app, raw body)` stores the body as it came and answers Daraja
    (with `answer`: Bill Manager expects another acknowledgement than the rest of Daraja)."""
    app = GatewayResolver(body=BodyKind.RAW)

    def callback(payment_app: PaymentAppId, secret: CallbackSecret = None) -> Response[Any]:
        found = apps().for_callback(payment_app, secret)
        try:
            body = app.current_event.decoded_body
        except UnicodeDecodeError:  # Daraja sends JSON: UTF-8 text
            raise InvalidRequest("The request body is not UTF-8 text") from None
        return app.answer(200, receive(found, body))

    # The resolver checks each answer against the route's return type: this callback's own.
    callback.__annotations__["return"] = cast(Any, Response)[answer]
    app.post(
        path,
        summary=summary,
        tags=["Daraja callbacks"],
        security=CALLBACK,
        responses=documented(answer, errors=(403, 413)),
    )(callback)
    return app
