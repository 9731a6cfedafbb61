"""Warm overhead of the requestPayment handler against a bare DarajaClient STK Push, in one process.

    python bench/warm_overhead.py [iterations]       # default 500 of each, after 50 to warm up

Daraja answers at once (a requests transport adapter mounted on the functions' pooled session: a token for
OAuth, an accepted push for STK Push, no socket), so what is timed is the gateway's own work: the handler
invoked in process as the local API invokes it (the API Gateway proxy event the local API built for a real
request, with the authorizer context it got from the real authorizer), its DynamoDB calls on DynamoDB
Local (timed apart too, by botocore's before-call and after-call events), and the same STK Push body sent
through a bare DarajaClient (the container's token cache, warm). The ratio of the two is the figure to
compare between machines; the difference is what the gateway adds.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import BaseAdapter

from bench.in_process_stack import bearer, local_gateway
from infra.routes import REQUEST_PAYMENT, Function
from local.in_process import InProcessGateway
from mpesa_gateway.config import get_settings
from mpesa_gateway.daraja.client import OAUTH_PATH
from mpesa_gateway.daraja.payloads import StkPushBody
from mpesa_gateway.express.service import STK_PUSH_PATH
from mpesa_gateway.runtime import app_directory, pooled_session_once
from mpesa_gateway.store import dynamo

WARM_UP = 50
ITERATIONS = 500
PAYMENT = {"phone_number": "0712345678", "amount": 10, "reference": "ORDER-1", "description": "Bench"}


class InstantDaraja(BaseAdapter):
    """Daraja answering every request at once, in process; keeps the last STK Push body it was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.last_push: dict[str, Any] | None = None

    # BaseAdapter.send's other arguments (stream, timeout, verify, cert, proxies) mean nothing here.
    def send(self, request: requests.PreparedRequest, *_args: object, **_kwargs: object) -> requests.Response:
        if OAUTH_PATH in (request.url or ""):
            body: dict[str, Any] = {"access_token": "bench-token", "expires_in": "3599"}
        else:
            self.last_push = json.loads(request.body or b"{}")
            body = {
                "MerchantRequestID": f"bench-{uuid.uuid4().hex[:12]}",
                "CheckoutRequestID": f"ws_CO_{uuid.uuid4().hex}",
                "ResponseCode": "0",
                "ResponseDescription": "Success. Request accepted for processing",
                "CustomerMessage": "Success. Request accepted for processing",
            }
        response = requests.Response()
        response.status_code = 200
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps(body).encode()
        return response

    def close(self) -> None:
        """No connections to close."""


class CapturingInvoker:
    """The local API's invoker, keeping the last event each function was given."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.events: dict[str, dict[str, Any]] = {}

    def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        self.events[function.name] = event
        return self._inner.invoke(function, event)

    def close(self) -> None:
        self._inner.close()


class DynamoClock:
    """Time spent inside DynamoDB calls (botocore's before-call to after-call), on the tables' clients."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0
        settings = get_settings()
        for name in (settings.transactions_table, settings.registry_table, settings.idempotency_table):
            events = dynamo.table(name).meta.client.meta.events
            events.register("before-call", self._start)
            events.register("after-call", self._stop)

    def _start(self, **_: Any) -> None:
        self._started = time.perf_counter()

    def _stop(self, **_: Any) -> None:
        self.seconds += time.perf_counter() - self._started


def timed(call: Callable[[], object], iterations: int, clock: DynamoClock) -> tuple[list[float], list[float]]:
    """Milliseconds per call, and of them in DynamoDB calls, after WARM_UP untimed calls."""
    for _ in range(WARM_UP):
        call()
    spent, in_dynamodb = [], []
    for _ in range(iterations):
        before = clock.seconds
        started = time.perf_counter()
        call()
        spent.append((time.perf_counter() - started) * 1000)
        in_dynamodb.append((clock.seconds - before) * 1000)
    return spent, in_dynamodb


def percentiles(spent: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(spent, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49], 3), "p99_ms": round(cuts[98], 3)}


def handler_and_bare_call(gateway: InProcessGateway) -> tuple[Callable[[], object], Callable[[], object]]:
    """The handler's invocation with the event the local API built, and the bare STK Push it makes."""
    if gateway.api is None or gateway.client is None:
        raise RuntimeError("the local API is not served")
    daraja = InstantDaraja()
    pooled_session_once().mount(gateway.simulator_url, daraja)
    capture = CapturingInvoker(gateway.api.invoker)
    gateway.api.invoker = capture
    answer = gateway.client.post(
        "/api/pay/demo-express/requestPayment", json=PAYMENT, headers=bearer(gateway.client)
    )
    if answer.status_code != 200 or daraja.last_push is None:
        raise RuntimeError(f"requestPayment answered {answer.status_code}: {answer.get_data(as_text=True)}")
    event, invoker = capture.events[REQUEST_PAYMENT.name], capture

    def handler() -> object:
        answered = invoker.invoke(REQUEST_PAYMENT, event)
        if answered["statusCode"] != 200:
            raise RuntimeError(f"requestPayment answered {answered}")
        return answered

    apps = app_directory()
    app = apps.by_id("demo-express")
    if app is None:
        raise RuntimeError("the demo app demo-express is missing")
    client = apps.daraja(app, apps.credentials(app))
    body = StkPushBody.model_validate(daraja.last_push)
    return handler, lambda: client.post(STK_PUSH_PATH, body)


def run(iterations: int = ITERATIONS) -> dict[str, Any]:
    with local_gateway() as gateway:
        handler, bare = handler_and_bare_call(gateway)
        clock = DynamoClock()
        handler_spent, in_dynamodb = timed(handler, iterations, clock)
        bare_spent, _ = timed(bare, iterations, clock)
    handler_ms, bare_ms = percentiles(handler_spent), percentiles(bare_spent)
    outside = [total - dynamodb for total, dynamodb in zip(handler_spent, in_dynamodb, strict=True)]
    return {
        "iterations": iterations,
        "warm_up": WARM_UP,
        "request_payment_handler": handler_ms,
        "of_which_dynamodb_local_calls": percentiles(in_dynamodb),
        "handler_outside_dynamodb_calls": percentiles(outside),
        "bare_daraja_stk_push": bare_ms,
        "ratio_p50": round(handler_ms["p50_ms"] / bare_ms["p50_ms"], 1),
        "ratio_p99": round(handler_ms["p99_ms"] / bare_ms["p99_ms"], 1),
        "overhead_p50_ms": round(handler_ms["p50_ms"] - bare_ms["p50_ms"], 3),
    }


def table(results: dict[str, Any]) -> str:
    handler, bare = results["request_payment_handler"], results["bare_daraja_stk_push"]
    lines = [
        f"Warm overhead, {results['iterations']} calls each after {results['warm_up']} to warm up "
        "(Daraja answers at once)",
        f"{'':36}{'p50 ms':>10}{'p99 ms':>10}",
        f"{'requestPayment handler (in process)':36}{handler['p50_ms']:>10.3f}{handler['p99_ms']:>10.3f}",
    ]
    for label, key in (
        ("  of which in DynamoDB Local calls", "of_which_dynamodb_local_calls"),
        ("  outside DynamoDB calls", "handler_outside_dynamodb_calls"),
    ):
        lines.append(f"{label:36}{results[key]['p50_ms']:>10.3f}{results[key]['p99_ms']:>10.3f}")
    lines.append(f"{'bare DarajaClient STK Push':36}{bare['p50_ms']:>10.3f}{bare['p99_ms']:>10.3f}")
    lines.append(f"{'ratio handler / bare':36}{results['ratio_p50']:>10}{results['ratio_p99']:>10}")
    return "\n".join(lines)


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else ITERATIONS
    print(table(run(iterations)))


if __name__ == "__main__":
    main()
