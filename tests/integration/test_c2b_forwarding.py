"""Forwarding a C2B validation request to the merchant's URL, against real loopback servers: only a complete
2xx JSON answer is the merchant's answer; a redirect, an overlong, late or non-JSON answer and a refused
URL are none. The transport's own guarantees (address policy, rebinding, one deadline for handshakes and
dripping headers) are tested once, in tests/unit/test_outbound.py."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from mpesa_gateway import outbound
from mpesa_gateway.c2b import forwarding
from mpesa_gateway.c2b.forwarding import MAX_ANSWER_BYTES, forward_to_merchant
from tests.integration.conftest import Gateway
from tests.integration.test_c2b import payment, set_rules, validate, validations

BODY = {"TransID": "QJI3R7GXWV", "TransAmount": "100.00"}
ACCEPT = json.dumps({"ResultCode": "0", "ResultDesc": "Accepted"}).encode()
Script = Callable[[socket.socket], None]


class ScriptedServer:
    """A loopback HTTP server: reads each request, then answers by a script (byte by byte if it likes)."""

    def __init__(self, script: Script) -> None:
        self.requests: list[bytes] = []
        self._script = script
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/validate"
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                self.requests.append(_read_request(connection))
                with contextlib.suppress(OSError):  # the client gave up: what these tests want to see
                    self._script(connection)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._listener.close()


def _read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        body += connection.recv(4096)
    return head + b"\r\n\r\n" + body


def answer(status: str, body: bytes, *headers: str) -> Script:
    def script(connection: socket.socket) -> None:
        lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers, "", ""]
        connection.sendall("\r\n".join(lines).encode() + body)

    return script


@pytest.fixture
def serve() -> Iterator[Callable[[Script], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(script: Script) -> ScriptedServer:
        servers.append(ScriptedServer(script))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_a_2xx_json_answer_is_the_merchants_answer(serve):
    server = serve(answer("200 OK", ACCEPT, "Content-Type: application/json"))

    assert forward_to_merchant(server.url, BODY, 2, allow_local=True) == {
        "ResultCode": "0",
        "ResultDesc": "Accepted",
    }
    (request,) = server.requests
    assert request.startswith(b"POST /validate HTTP/1.1\r\n")
    assert b"\r\nAccept: application/json\r\n" in request
    assert b"\r\nContent-Type: application/json\r\n" in request
    assert json.loads(request.partition(b"\r\n\r\n")[2]) == BODY


def test_a_redirect_is_no_answer_and_is_not_followed(serve):
    # 307 would re-post the payment as it is; every 3xx code is tested on the transport itself.
    elsewhere = serve(answer("200 OK", ACCEPT))
    redirecting = serve(answer("307 Temporary Redirect", b"", f"Location: {elsewhere.url}"))

    assert forward_to_merchant(redirecting.url, BODY, 2, allow_local=True) is None
    assert len(redirecting.requests) == 1
    assert elsewhere.requests == []  # the payment was not re-posted


def test_a_slow_drip_answer_is_cut_at_the_deadline(serve):
    def drip(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):  # 10 s in all, each byte well inside any per-read timeout
            connection.sendall(b" ")
            time.sleep(0.1)

    server = serve(drip)
    started = time.monotonic()

    answered = forward_to_merchant(server.url, BODY, 0.5, allow_local=True)

    # A bound on correctness (one deadline for the whole exchange), not a benchmark: 0.5 s plus a margin.
    assert time.monotonic() - started < 1.0
    assert answered is None


def test_an_answer_without_a_length_that_has_not_ended_by_the_deadline_is_no_answer(serve):
    def unending(connection: socket.socket) -> None:
        # A whole JSON object at once, but the answer (ended only by closing) goes on past the deadline.
        connection.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + ACCEPT)
        for _ in range(30):
            connection.sendall(b" ")
            time.sleep(0.1)

    server = serve(unending)
    started = time.monotonic()

    assert forward_to_merchant(server.url, BODY, 0.5, allow_local=True) is None
    assert time.monotonic() - started < 1.0


def test_an_answer_larger_than_the_cap_is_no_answer(serve):
    huge = json.dumps({"ResultCode": "0", "padding": "x" * MAX_ANSWER_BYTES}).encode()
    server = serve(answer("200 OK", huge))

    assert forward_to_merchant(server.url, BODY, 2, allow_local=True) is None


def test_an_answer_as_long_as_the_cap_is_read(serve):
    exact = json.dumps({"ResultCode": "0", "padding": ""}).encode()
    exact = exact.replace(b'""', b'"' + b"x" * (MAX_ANSWER_BYTES - len(exact)) + b'"')
    assert len(exact) == MAX_ANSWER_BYTES
    server = serve(answer("200 OK", exact))

    assert forward_to_merchant(server.url, BODY, 2, allow_local=True)["ResultCode"] == "0"


@pytest.mark.parametrize("body", [b"OK", b"\xff\xfe", b"[" * 1000 + b"]" * 1000])
def test_a_2xx_answer_that_is_not_json_is_no_answer(serve, body: bytes):
    server = serve(answer("200 OK", body))

    assert forward_to_merchant(server.url, BODY, 2, allow_local=True) is None


def test_an_error_status_with_a_json_body_is_no_answer(serve):
    server = serve(answer("500 Internal Server Error", ACCEPT))

    assert forward_to_merchant(server.url, BODY, 2, allow_local=True) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/validate",  # loopback
        "http://localhost:{port}/validate",  # a name that resolves to loopback
        "http://[::ffff:127.0.0.1]:{port}/validate",  # loopback in IPv6 clothing
    ],
)
def test_loopback_is_refused_unless_local_mode_allows_it(serve, url: str):
    server = serve(answer("200 OK", ACCEPT))

    assert forward_to_merchant(url.format(port=server.port), BODY, 2, allow_local=False) is None
    assert server.requests == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://10.0.0.1/validate", "10.0.0.1 is not public (a private address)"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is not public (a link-local address)"),
        ("http://93.184.216.34/validate", "must use https"),  # public, but plain http outside local mode
        ("ftp://93.184.216.34/validate", "scheme must be https"),
        ("https://shop.example/validate\r\nX-Injected: 1", "control characters"),
    ],
)
def test_a_refused_url_is_no_answer_logged_as_refused_and_never_connected(monkeypatch, url: str, reason: str):
    monkeypatch.setattr(outbound, "create_connection", lambda *a, **k: pytest.fail("connected"))
    warnings: list[tuple[str, dict[str, str]]] = []
    monkeypatch.setattr(forwarding.logger, "warning", lambda text, extra: warnings.append((text, extra)))

    assert forward_to_merchant(url, BODY, 2, allow_local=False) is None
    [(message, extra)] = warnings
    assert message == "merchant validation URL refused"
    assert reason in extra["reason"]


def test_a_failure_is_logged_as_no_answer(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    infos: list[tuple[str, dict[str, str]]] = []
    monkeypatch.setattr(forwarding.logger, "info", lambda message, extra: infos.append((message, extra)))

    assert forward_to_merchant(f"http://127.0.0.1:{port}/validate", BODY, 2, allow_local=True) is None
    assert infos == [("merchant validation URL did not answer", {"error": "connection refused"})]


# Through the gateway: the app's default decides when the merchant redirects -------------------------


def test_a_merchant_that_redirects_gets_the_apps_default_and_the_payment_goes_nowhere_else(
    gateway: Gateway, serve
):
    elsewhere = serve(answer("200 OK", ACCEPT))
    redirecting = serve(answer("307 Temporary Redirect", b"", f"Location: {elsewhere.url}"))
    set_rules(forward_url=redirecting.url, accept_when_unanswered=False)

    decided = validate(gateway, payment())

    assert decided.get_json()["ResultCode"] == "C2B00016"
    assert "did not answer" in validations(gateway, "QJI3R7GXWV")[0]
    assert len(redirecting.requests) == 1
    assert elsewhere.requests == []
