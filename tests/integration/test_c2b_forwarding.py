"""Forwarding a C2B validation request to the merchant's URL, against real loopback servers: no redirect
is followed, no private or loopback address is reached unless local mode allows it, and one deadline
bounds the whole exchange however slowly the answer comes."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

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
    assert json.loads(request.partition(b"\r\n\r\n")[2]) == BODY


def test_a_chunked_answer_is_read_to_the_end(serve):
    def chunked(connection: socket.socket) -> None:
        half = len(ACCEPT) // 2
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (ACCEPT[:half], ACCEPT[half:]))
        connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")

    server = serve(chunked)

    assert forward_to_merchant(server.url, BODY, 2, allow_local=True)["ResultCode"] == "0"


@pytest.mark.parametrize("status", ["307 Temporary Redirect", "308 Permanent Redirect", "302 Found"])
def test_a_redirect_is_not_followed(serve, status: str):
    elsewhere = serve(answer("200 OK", ACCEPT))
    redirecting = serve(answer(status, b"", f"Location: {elsewhere.url}"))

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


def test_slow_drip_headers_are_cut_at_the_deadline_too(serve):
    def drip(connection: socket.socket) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 100:
            connection.sendall(bytes([byte]))
            time.sleep(0.1)

    server = serve(drip)
    started = time.monotonic()

    assert forward_to_merchant(server.url, BODY, 0.5, allow_local=True) is None
    assert time.monotonic() - started < 1.0


def test_a_tls_handshake_that_never_comes_is_cut_at_the_deadline():
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (the kernel's backlog), never answers
    url = f"https://127.0.0.1:{silent.getsockname()[1]}/validate"
    started = time.monotonic()

    try:
        answered = forward_to_merchant(url, BODY, 0.5, allow_local=True)
    finally:
        silent.close()

    assert time.monotonic() - started < 1.0
    assert answered is None


def test_an_answer_larger_than_the_cap_is_no_answer(serve):
    huge = json.dumps({"ResultCode": "0", "padding": "x" * MAX_ANSWER_BYTES}).encode()
    server = serve(answer("200 OK", huge))

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
        ("https://10.0.0.1/validate", "a private address"),
        ("https://192.168.1.10/validate", "a private address"),
        ("https://169.254.169.254/latest/meta-data", r"address 169\.254\.169\.254"),  # instance metadata
        ("https://[fd00::1]/validate", "a private address"),
        ("http://93.184.216.34/validate", "only https"),  # public, but plain http outside local mode
        ("ftp://93.184.216.34/validate", "only https"),
        ("https://shop.example/validate\r\nX-Injected: 1", "control characters"),
    ],
)
def test_private_addresses_plain_http_and_odd_urls_are_refused_before_connecting(
    monkeypatch, url: str, reason: str
):
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("connected"))

    with pytest.raises(forwarding.Refused, match=reason):
        forwarding._exchange(url, b"{}", time.monotonic() + 2, allow_local=False)
    assert forward_to_merchant(url, BODY, 2, allow_local=False) is None


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "172.16.0.1", "192.168.0.1", "100.64.0.1", "169.254.169.254", "127.0.0.1", "0.0.0.0",
     "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "ff02::1",
     "::ffff:10.0.0.1"],
)  # fmt: skip
def test_every_non_public_address_is_forbidden(address: str):
    assert forwarding._forbidden(ipaddress.ip_address(address), allow_local=False) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "196.201.214.200", "2001:4860:4860::8888"])
def test_public_addresses_are_allowed(address: str):
    assert forwarding._forbidden(ipaddress.ip_address(address), allow_local=False) is None


def test_the_connection_goes_to_the_address_that_was_checked(serve, monkeypatch):
    """DNS is asked once; a second answer (rebinding to a private address) is never used."""
    server = serve(answer("200 OK", ACCEPT))
    answers = iter([("127.0.0.1", server.port), ("10.0.0.1", server.port)])
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def resolve(host: str, port: int, *args, **kwargs):
        if host != "merchant.test":  # the checked address itself, numeric
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", next(answers))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)

    url = f"http://merchant.test:{server.port}/validate"
    assert forward_to_merchant(url, BODY, 2, allow_local=True)["ResultCode"] == "0"
    assert lookups == ["merchant.test"]
    assert f"Host: merchant.test:{server.port}".encode() in server.requests[0]


def test_one_forbidden_address_among_several_refuses_the_host(monkeypatch):
    def resolve(host: str, port: int, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in ("8.8.8.8", "10.0.0.1")]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("connected"))

    with pytest.raises(forwarding.Refused, match=r"resolves to a private address 10\.0\.0\.1"):
        forwarding._exchange("https://merchant.test/validate", b"{}", time.monotonic() + 2, allow_local=False)


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
