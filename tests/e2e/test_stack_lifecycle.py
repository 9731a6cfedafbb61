"""`make dev` stops cleanly: one SIGTERM or Ctrl-C (SIGINT) ends the stack and every process it started
(DynamoDB Local's java, the function containers), within seconds, every time."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import requests

from local.processes import alive, descendants
from local.stack import stack_environment
from tests.e2e.conftest import start_stack

pytestmark = pytest.mark.e2e

PAYMENT = {"phone_number": "0712345678", "amount": 1, "reference": "ORDER-1"}


def busy_stack(api: str) -> None:
    """Make the stack start containers: a token, a payment (authorizer, requestPayment, then the callback)."""
    token = requests.post(f"{api}/api/generate_token", auth=("demo", "demo-secret"), timeout=30)
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    url = f"{api}/api/pay/demo-express/requestPayment"
    paid = requests.post(url, json=PAYMENT, headers=headers, timeout=30)
    assert paid.status_code == 200, paid.text


@pytest.mark.parametrize("run", range(3))
def test_a_signal_stops_the_stack_and_every_process_it_started(run: int, tmp_path: Path):
    env = stack_environment()
    process = start_stack(env, tmp_path / "dev.log")
    try:
        busy_stack(f"http://127.0.0.1:{env['API_PORT']}")
        started = descendants(process.pid)
        # DynamoDB Local, and containers for generate_token, authorizer and request_payment at least.
        assert len(started) >= 4, started

        process.send_signal(signal.SIGINT if run == 0 else signal.SIGTERM)
        stopping = time.monotonic()
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    elapsed = time.monotonic() - stopping
    assert elapsed < 8, elapsed
    assert [pid for pid in started if alive(pid)] == []
    assert "Local gateway stopped." in (tmp_path / "dev.log").read_text()
    for port in ("API_PORT", "SIMULATOR_PORT", "LOCAL_AWS_PORT", "LOCAL_DYNAMODB_PORT"):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{env[port]}/", timeout=2)
