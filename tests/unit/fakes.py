"""Hand-written fakes shared by the layer's and the local API's tests (no AWS, no network)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infra.routes import AUTHORIZER, Function
from local.apigw.invoker import FunctionInvoker
from mpesa_gateway.daraja.token_cache import AccessToken
from mpesa_gateway.store.registry import Merchant

# --- time --------------------------------------------------------------------------------------


class FakeClock:
    """A clock that only moves when told to; `sleep` advances it and records the pause."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self.on_sleep: Callable[[int], None] | None = None  # called with the 1-based sleep number

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(len(self.sleeps))


# --- the shared token's store --------------------------------------------------------------------


@dataclass
class _TokenRecord:
    token: AccessToken | None = None
    lease_owner: str | None = None
    lease_until: float | None = None


class InMemoryTokenStore:
    """TokenStore with the documented lease semantics, safe to share between threads.

    try_lease: granted only when no lease is live (lease_until > now) and the stored token is
    `replacing` (or nothing is stored when `replacing` is None). A holder's own live lease also blocks
    it, as DynamoDB's condition does. save: succeeds only while the caller is still the lease owner,
    and releases the lease. release: drops the lease if the caller still owns it.
    """

    def __init__(self) -> None:
        self._records: dict[str, _TokenRecord] = {}
        self._lock = threading.Lock()
        self.reads = 0
        self.leases_granted = 0
        self.leases_refused = 0
        self.saves_refused = 0

    def read(self, key: str) -> AccessToken | None:
        with self._lock:
            self.reads += 1
            record = self._records.get(key)
            return record.token if record else None

    def try_lease(self, key: str, owner: str, now: float, until: float, replacing: str | None) -> bool:
        with self._lock:
            record = self._records.setdefault(key, _TokenRecord())
            live = (
                record.lease_owner is not None and record.lease_until is not None and record.lease_until > now
            )
            stored = record.token.value if record.token else None
            if live or stored != replacing:
                self.leases_refused += 1
                return False
            record.lease_owner, record.lease_until = owner, until
            self.leases_granted += 1
            return True

    def save(self, key: str, owner: str, token: AccessToken) -> bool:
        with self._lock:
            record = self._records.get(key)
            if record is None or record.lease_owner != owner:
                self.saves_refused += 1
                return False
            record.token, record.lease_owner, record.lease_until = token, None, None
            return True

    def release(self, key: str, owner: str) -> None:
        with self._lock:
            record = self._records.get(key)
            if record is not None and record.lease_owner == owner:
                record.lease_owner, record.lease_until = None, None

    # Test set-up helpers: what another container or an earlier invocation left behind.

    def put(self, key: str, token: AccessToken) -> None:
        with self._lock:
            self._records.setdefault(key, _TokenRecord()).token = token

    def hold_lease(self, key: str, owner: str, until: float) -> None:
        with self._lock:
            record = self._records.setdefault(key, _TokenRecord())
            record.lease_owner, record.lease_until = owner, until

    def lease_owner(self, key: str) -> str | None:
        with self._lock:
            record = self._records.get(key)
            return record.lease_owner if record else None


class CountingFetcher:
    """A TokenFetcher that hands out tok-1, tok-2... and counts its calls."""

    def __init__(
        self,
        clock: Callable[[], float],
        lifetime: float = 3599,
        prefix: str = "tok",
        during: Callable[[], None] | None = None,
    ) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._prefix = prefix
        self._during = during
        self._lock = threading.Lock()
        self.calls = 0

    def __call__(self) -> AccessToken:
        with self._lock:
            self.calls += 1
            number = self.calls
        if self._during is not None:
            self._during()
        return AccessToken(f"{self._prefix}-{number}", self._clock() + self._lifetime)


# --- merchants ------------------------------------------------------------------------------------


class FakeMerchantRegistry:
    def __init__(self, *merchants: Merchant) -> None:
        self.merchants = {merchant.merchant_id: merchant for merchant in merchants}
        self.lookups: list[str] = []

    def get_merchant(self, merchant_id: str) -> Merchant | None:
        self.lookups.append(merchant_id)
        return self.merchants.get(merchant_id)


# --- Lambda ----------------------------------------------------------------------------------------


class CountingInvoker:
    """The local API's invoker, counting the authorizer's invocations (install with `counted`)."""

    def __init__(self, inner: FunctionInvoker) -> None:
        self.inner = inner
        self.authorizer_calls = 0

    def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        if function.name == AUTHORIZER.name:
            self.authorizer_calls += 1
        return self.inner.invoke(function, event)

    def close(self) -> None:
        self.inner.close()


def counted(app: Any) -> CountingInvoker:
    """Count the authorizer's invocations by a local API (local.api_server.LocalApi) from now on."""
    app.invoker = CountingInvoker(app.invoker)
    return app.invoker


@dataclass
class FakeLambdaContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:af-south-1:123456789012:function:test-function"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    remaining_millis: int = 29_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


def rest_event(
    body: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    authorizer: dict[str, Any] | None = None,
    base64_encoded: bool = False,
    domain_name: str = "abc123.execute-api.af-south-1.amazonaws.com",
    stage: str = "prod",
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event, as API Gateway hands it to a Lambda."""
    request_context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "abc123",
        "domainName": domain_name,
        "httpMethod": "POST",
        "path": f"/{stage}/api/pay/app_1/requestPayment",
        "requestId": "req-1",
        "resourcePath": "/api/pay/{app}/requestPayment",
        "stage": stage,
        "identity": {"sourceIp": "203.0.113.9"},
    }
    if authorizer is not None:
        request_context["authorizer"] = authorizer
    return {
        "resource": "/api/pay/{app}/requestPayment",
        "path": "/api/pay/app_1/requestPayment",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"} if headers is None else headers,
        "multiValueHeaders": None,
        "queryStringParameters": None,
        "pathParameters": {"app": "app_1"},
        "stageVariables": None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": base64_encoded,
    }


# --- a scripted Daraja on loopback ------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: Any = None  # a dict/list is sent as JSON, a str as it is
    content_type: str = "application/json"
    delay: float = 0.0  # seconds before answering
    drop: bool = False  # close the connection without answering


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ScriptedDaraja:
    """Answers per (method, path) in order, the last one repeating; records every request it gets."""

    url: str = ""
    requests: list[SeenRequest] = field(default_factory=list)
    scripts: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, method: str, path: str, *answers: Answer) -> None:
        self.scripts[(method, path)] = list(answers)

    def seen(self, method: str, path: str | None = None) -> list[SeenRequest]:
        with self.lock:
            return [r for r in self.requests if r.method == method and (path is None or r.path == path)]

    def next_answer(self, request: SeenRequest) -> Answer:
        with self.lock:
            self.requests.append(request)
            queue = self.scripts.get((request.method, request.path))
            if not queue:
                return Answer(404, {"errorCode": "404.000.00", "errorMessage": "not scripted"})
            return queue.pop(0) if len(queue) > 1 else queue[0]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _DarajaServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        seen = SeenRequest(
            self.command,
            parts.path,
            parse_qs(parts.query),
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        daraja = self.server.daraja
        answer = daraja.next_answer(seen)
        if answer.delay:
            daraja.release.wait(answer.delay)
        if answer.drop:
            self.close_connection = True
            return
        payload = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
        data = payload.encode()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class _DarajaServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, daraja: ScriptedDaraja) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.daraja = daraja


@contextmanager
def scripted_daraja() -> Iterator[ScriptedDaraja]:
    daraja = ScriptedDaraja()
    server = _DarajaServer(daraja)
    daraja.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield daraja
    finally:
        daraja.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
