"""The committed API document against the running gateway: every route, generated valid and invalid input.

schemathesis reads docs/openapi.json (the file merchants are given, not the gateway's own idea of it),
generates requests for every operation in positive and negative modes, sends them to the local stack
(the simulator plays Daraja) and checks each answer: never a 5xx, a documented status code, the
documented content type, body and headers. Merchant routes carry a real bearer token, the token routes
the demo merchant's client credentials and the callback routes the app's callback secret, and
`payment_app` is one of the demo merchant's apps, so generation reaches the handlers instead of
stopping at the authorizer's 403.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from infra.openapi import SPEC_PATH
from local.demo import APPS
from tests.e2e.conftest import LocalStack
from tests.integration.test_input_bounds import APP_OF_ROUTE

pytestmark = pytest.mark.e2e

MERCHANT = ("demo", "demo-secret")
DEMO_APPS = tuple(app for app in APPS if app.merchant_id == MERCHANT[0])
CALLBACK_SECRETS = {app.app_id: app.callback_secret for app in DEMO_APPS}
# Per operation and mode (plus the coverage phase): the whole file runs in about 1.5 minutes on 2 cores.
MAX_EXAMPLES = 40
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def for_the_demo_merchant(document: dict[str, Any]) -> dict[str, Any]:
    """The document with `payment_app` one of the demo merchant's apps, the route's own first, and a
    callback's `secret` that app's: any other app is only ever a 403, and both modes still vary the rest.
    """
    narrowed = copy.deepcopy(document)
    for path, operations in narrowed["paths"].items():
        own = APP_OF_ROUTE.get(path)
        for operation in operations.values():
            callback = any("callbackSecret" in requirement for requirement in operation["security"])
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "payment_app":
                    apps = (
                        [own] if callback else [own, *(app.app_id for app in DEMO_APPS if app.app_id != own)]
                    )
                    parameter["schema"] = {"type": "string", "enum": apps}
                elif parameter["name"] == "secret" and callback:
                    parameter["schema"] = {"type": "string", "enum": [CALLBACK_SECRETS[own]]}
    return narrowed


SCHEMA = schemathesis.openapi.from_dict(
    for_the_demo_merchant(json.loads(SPEC_PATH.read_text(encoding="utf-8"))),
    config=SchemathesisConfig.from_dict(
        {
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                # make test is a gate: the same examples on every run, so a failure reproduces. Set
                # CONTRACT_RANDOM=1 to explore new ones (each failure prints the curl that repeats it).
                "deterministic": os.environ.get("CONTRACT_RANDOM") != "1",
            }
        }
    ),
)


@pytest.fixture(scope="session")
def merchant_bearer(local_stack: LocalStack) -> str:
    answer = requests.post(f"{local_stack.api}/api/generate_token", auth=MERCHANT, timeout=30)
    answer.raise_for_status()
    return f"Bearer {answer.json()['access_token']}"


def credentials(case: Case, bearer: str) -> dict[str, str]:
    """The Authorization header the operation's security scheme asks for (callback secrets: the query)."""
    schemes = {name for requirement in case.operation.definition.raw["security"] for name in requirement}
    if "merchantBearer" in schemes:
        return {"Authorization": bearer}
    if "clientBasic" in schemes:
        return {"Authorization": requests.auth._basic_auth_str(*MERCHANT)}
    return {}


@SCHEMA.parametrize()
def test_every_route_answers_as_documented(case: Case, local_stack: LocalStack, merchant_bearer: str) -> None:
    headers = credentials(case, merchant_bearer)
    case.call_and_validate(base_url=local_stack.api, headers=headers, checks=CHECKS, timeout=30)
