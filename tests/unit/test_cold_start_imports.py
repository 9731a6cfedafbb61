"""What a function's cold start loads: each handler imported in a fresh interpreter, as Lambda's init does.

These guard the lazy wiring (mpesa_gateway.runtime), the deferred cryptography import and the Tracer's
patching: a module added back to a handler's import path shows up here by name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from infra.routes import FUNCTIONS_DIR, HANDLER_FILE, LAYER_DIR, PROJECT_ROOT

_LOADED = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["handler"] = module
spec.loader.exec_module(module)
patcher = sys.modules.get("aws_xray_sdk.core.patcher")
patched = sorted(patcher._PATCHED_MODULES) if patcher else []
print(json.dumps({"modules": sorted(sys.modules), "patched": patched}))
"""


def loaded_by(function: str, *, tracing: bool) -> tuple[set[str], set[str]]:
    """(the modules loaded, the modules the X-Ray SDK patched) once the function's handler is imported."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join((str(LAYER_DIR / "python"), str(PROJECT_ROOT))),
        "AWS_REGION": "eu-west-1",
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "LAMBDA_TASK_ROOT": str(FUNCTIONS_DIR / function),
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "POWERTOOLS_SERVICE_NAME": "test",
        "TRANSACTIONS_TABLE": "transactions",
        "REGISTRY_TABLE": "registry",
        "IDEMPOTENCY_TABLE": "idempotency",
    }
    if not tracing:
        environment["POWERTOOLS_TRACE_DISABLED"] = "true"
    handler = str(FUNCTIONS_DIR / function / HANDLER_FILE)
    completed = subprocess.run(
        [sys.executable, "-c", _LOADED, handler], env=environment, capture_output=True, text=True, check=True
    )
    answer = json.loads(completed.stdout.splitlines()[-1])
    return set(answer["modules"]), set(answer["patched"])


def test_with_tracing_off_the_x_ray_sdk_is_not_loaded_by_the_handler():
    modules, patched = loaded_by("get_transaction", tracing=False)
    assert patched == set()
    assert sorted(name for name in modules if name.startswith("aws_xray_sdk")) == []


def test_with_tracing_on_only_boto_and_requests_are_patched():
    modules, patched = loaded_by("get_transaction", tracing=True)
    assert patched == {"botocore", "requests"}
    # Patching everything the SDK supports would import these only to wrap them.
    assert "httpx" not in modules
    assert "sqlite3" not in modules


@pytest.mark.parametrize(
    ("function", "absent"),
    [
        # A token check: no Daraja client, no HTTP library, no certificate code, no webhook modules.
        (
            "authorizer",
            {"requests", "cryptography", "mpesa_gateway.daraja.client", "mpesa_gateway.events.models"},
        ),
        # Reads the store only.
        ("get_transaction", {"requests", "cryptography", "mpesa_gateway.webhooks.endpoints"}),
        # An STK push computes no security credential and sends no webhook.
        (
            "request_payment",
            {"cryptography", "mpesa_gateway.webhooks.endpoints", "mpesa_gateway.c2b.service"},
        ),
    ],
)
def test_a_handler_loads_nothing_its_requests_never_use(function, absent):
    modules, _ = loaded_by(function, tracing=False)
    assert absent.isdisjoint(modules), sorted(absent & modules)
