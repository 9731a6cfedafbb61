"""`MERCHANT_AUTHORIZER_CACHE_SECONDS=60 make dev`: the local API keeps the authorizer's answer per token,
as a stack deployed with merchantAuthorizerCacheSeconds does; a bad value stops the stack at once."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import requests

from local.stack import StackDidNotStart, stack_environment
from local.stack import start_stack as local_stack_process
from tests.e2e.conftest import LocalStack, admin, start_stack

pytestmark = pytest.mark.e2e


def test_the_stack_keeps_the_authorizers_answer_for_the_seconds_it_is_given(tmp_path: Path):
    env = stack_environment(MERCHANT_AUTHORIZER_CACHE_SECONDS="60")
    log = tmp_path / "dev.log"
    process = start_stack(env, log)
    api = f"http://127.0.0.1:{env['API_PORT']}"
    stack = LocalStack(api, f"http://127.0.0.1:{env['SIMULATOR_PORT']}", env, process, log)
    try:
        assert "its answers kept 60 s per token (MERCHANT_AUTHORIZER_CACHE_SECONDS)" in log.read_text()
        token = requests.post(f"{api}/api/generate_token", auth=("demo", "demo-secret"), timeout=30)
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        status = f"{api}/api/pay/demo-express/checkPaymentRequestStatus/txn_unknown"

        before = requests.get(status, headers=headers, timeout=30)
        admin(stack, "merchants", "disable", "demo")
        after = requests.get(status, headers=headers, timeout=30)  # within the TTL: the cached Allow

        assert (before.status_code, after.status_code) == (404, 404)  # authorized, then not found
        assert log.read_text().count("authorizer REPORT RequestId") == 1
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def test_a_bad_cache_ttl_stops_the_stack_naming_the_variable(tmp_path: Path):
    env = stack_environment(MERCHANT_AUTHORIZER_CACHE_SECONDS="1h")
    with pytest.raises(StackDidNotStart, match="MERCHANT_AUTHORIZER_CACHE_SECONDS must be a whole number"):
        local_stack_process(env, tmp_path / "dev.log", timeout=30)
