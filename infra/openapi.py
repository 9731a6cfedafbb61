"""The OpenAPI document of the gateway, generated from the route table and each route's resolver.

Each route's handler declares its parameters, body and answers on a Powertools resolver; this module
imports every handler the route table names, merges their documents with Powertools' OpenAPIMerge, and
adds what only the route table knows (who may call a route, so API Gateway's own 401/403/429 answers).
The result is committed at docs/openapi.json (tests fail when it is stale); the local API serves it.

    python -m infra.openapi          # rewrite docs/openapi.json

Pure Python like infra/routes.py: no aws_cdk import.
"""

from __future__ import annotations

import json
import sys
from types import ModuleType
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import (
    APIKey,
    APIKeyIn,
    HTTPBase,
    HTTPBearer,
    SecurityScheme,
    Server,
    Tag,
)
from pydantic import BaseModel

from infra.routes import (
    C2B_CONFIRMATION,
    GATEWAY_ERRORS,
    HANDLER_FILE,
    INVOICE_PAYMENT,
    PAYOUT_RESULT,
    PAYOUT_TIMEOUT,
    PROJECT_ROOT,
    ROUTES,
    STANDING_ORDER_CALLBACK,
    STK_CALLBACK,
    VALIDATE_TRANSACTION,
    Auth,
    Function,
    import_file,
)
from mpesa_gateway.api import ERROR_DESCRIPTIONS, JSON_CONTENT_TYPE
from mpesa_gateway.billmanager.models import InvoicePaymentNotice
from mpesa_gateway.c2b.models import C2BPayment
from mpesa_gateway.daraja.results import ResultEnvelope
from mpesa_gateway.express.models import StkCallbackEnvelope
from mpesa_gateway.ratiba.models import StandingOrderCallback

SPEC_PATH = PROJECT_ROOT / "docs" / "openapi.json"
TITLE = "M-Pesa gateway"
VERSION = "1.0.0"
DESCRIPTION = """\
An M-Pesa payments gateway deployed in your own AWS account: STK Push (M-Pesa Express), C2B (PayBill and
Till), B2C and B2B payouts, reversals, status and balance queries, and M-Pesa confirmation SMS, for many
payment apps in one deployment.

Merchant routes take a bearer token from `POST /api/generate_token`. Requests that move money take an
`Idempotency-Key`: a retry under the same key is answered from the first attempt and never sent twice.
An answer of **202** means Daraja's answer never came: the request may still be carried out and stays
PENDING until its callback or a status query settles it; **do not resend it**. Every error is
`{"error": {"code", "message", ...}}`; docs/result-codes.md lists the codes.
"""
SECURITY_SCHEMES: dict[str, SecurityScheme] = {
    "merchantBearer": HTTPBearer(description="A token from POST /api/generate_token"),
    "clientBasic": HTTPBase(scheme="basic", description="The merchant's client_id and client_secret"),
    "callbackSecret": APIKey(
        name="secret",
        in_=APIKeyIn.query,
        description="The payment app's callback secret, in the URLs the gateway registers with Daraja",
    ),
}
TAGS = (
    ("Tokens", "Merchant bearer tokens"),
    ("M-Pesa Express", "STK Push: the customer confirms a payment on their phone"),
    ("C2B", "Customers pay a PayBill or Till"),
    ("Payouts", "B2C and B2B"),
    ("Account", "Reversals, transaction status and account balance"),
    ("Transactions", "Every transaction an app has, of every type"),
    ("M-Pesa Personal", "M-Pesa confirmation SMS read into transactions"),
    ("Daraja callbacks", "Called by Safaricom, not by merchants"),
    ("Seed routes", "The PHP-style routes of the gateway's first design, kept for existing clients"),
    ("QR codes", "Dynamic QR: codes customers scan to pay a till, paybill, agent or phone"),
    ("Customer checks", "SIM swap: whether a phone number's SIM card changed recently"),
)
# Powertools documents its own validation answer (422, HTTPValidationError) and response-validation
# answer; the gateway answers 400 with its error body for the first and never answers the second (see
# mpesa_gateway.api). A 422 a route declares itself (extractTransaction's) is the gateway's and stays.
_POWERTOOLS_VALIDATION = {"$ref": "#/components/schemas/HTTPValidationError"}
_POWERTOOLS_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
# What Daraja sends to each callback route. The routes read their bodies themselves (a body that is
# not what Daraja should send is stored for inspection, never refused unread), so no resolver
# declares these: they are documented here.
CALLBACK_BODIES: dict[Function, type[BaseModel]] = {
    STK_CALLBACK: StkCallbackEnvelope,
    VALIDATE_TRANSACTION: C2BPayment,
    C2B_CONFIRMATION: C2BPayment,
    PAYOUT_RESULT: ResultEnvelope,
    PAYOUT_TIMEOUT: ResultEnvelope,
    STANDING_ORDER_CALLBACK: StandingOrderCallback,
    INVOICE_PAYMENT: InvoicePaymentNotice,
}
_SCHEMA_REFERENCE = "#/components/schemas/{model}"
# What API Gateway answers by itself before a route's function runs, by who may call the route.
_GATEWAY_ANSWERS = {
    Auth.MERCHANT: (401, 403, 413, 429),
    Auth.CALLBACK: (413, 429),
    Auth.CLIENT_CREDENTIALS: (413, 429),
}


def build() -> dict[str, Any]:
    """The merged OpenAPI document of every route in the route table."""
    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        servers=[Server(url="http://127.0.0.1:3000", description="make dev (the local gateway)")],
        tags=[Tag(name=name, description=text) for name, text in TAGS],
        security_schemes=SECURITY_SCHEMES,
        on_conflict="error",
    )
    for function in dict.fromkeys(route.function for route in ROUTES):
        resolver = _handler(function).app
        merge.add_schema(
            resolver.get_openapi_schema(title=TITLE, version=VERSION, security_schemes=SECURITY_SCHEMES)
        )
    spec: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    _answer_as_the_gateway_does(spec)
    return spec


def _handler(function: Function) -> ModuleType:
    """functions/<name>/handler.py, imported once under its own name (every handler module is `handler`)."""
    name = f"_gateway_handler_{function.name}"
    return sys.modules.get(name) or import_file(function.source_dir / HANDLER_FILE, name)


def _answer_as_the_gateway_does(spec: dict[str, Any]) -> None:
    """Each operation's answers as the deployed API gives them: the error body for API Gateway's own."""
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for route in ROUTES:
        path = spec["paths"][route.path]
        operation = path[route.method.lower()]
        responses = {str(status): answer for status, answer in operation["responses"].items()}
        if responses.get("422", {}).get("content", {}).get(JSON_CONTENT_TYPE, {}).get("schema") == (
            _POWERTOOLS_VALIDATION
        ):
            del responses["422"]
        # Powertools documents its response-validation error; the gateway's 500 is its error body.
        responses["500"] = {"description": ERROR_DESCRIPTIONS[500], "content": error_body}
        for code in _GATEWAY_ANSWERS[route.auth]:
            responses.setdefault(str(code), {"description": GATEWAY_ERRORS[code][1], "content": error_body})
        operation["responses"] = dict(sorted(responses.items()))
        if route.function in CALLBACK_BODIES:
            operation["requestBody"] = _callback_body(CALLBACK_BODIES[route.function], spec)
    schemas = spec["components"]["schemas"]
    for name in _POWERTOOLS_SCHEMAS:
        schemas.pop(name, None)
    spec["components"]["schemas"] = dict(sorted(schemas.items()))


def _callback_body(model: type[BaseModel], spec: dict[str, Any]) -> dict[str, Any]:
    """The model's schema among the components, and a request body that refers to it."""
    schema = model.model_json_schema(ref_template=_SCHEMA_REFERENCE)
    spec["components"]["schemas"].update(schema.pop("$defs", {}))
    spec["components"]["schemas"][model.__name__] = schema
    reference = {"$ref": _SCHEMA_REFERENCE.format(model=model.__name__)}
    return {"required": True, "content": {"application/json": {"schema": reference}}}


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    SPEC_PATH.parent.mkdir(exist_ok=True)
    SPEC_PATH.write_text(render(build()), encoding="utf-8")
    print(f"wrote {SPEC_PATH.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
