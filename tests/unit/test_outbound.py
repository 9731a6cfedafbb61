"""The one way out to merchants' URLs (webhooks, C2B validation): which URLs and addresses are refused and
why, and one POST against a real loopback server: 2xx succeeds, errors and redirects fail (a redirect is
not followed), the answer's first bytes come back bounded, slow and dripping answers and handshakes time
out at the one deadline, and in production a loopback address is refused before anything is sent, also
when a host name only resolves to it at connection time."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from mpesa_gateway import outbound
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.outbound import Attempt, Outcome, address_refusal, check_url, post

BODY = b'{"id": "evt_1", "type": "payment.completed"}'
HEADERS = {"Mpesa-Gateway-Signature": "t=1,v1=ab", "Mpesa-Gateway-Event-Id": "evt_1"}
TIMEOUT = 0.5
MAX_ANSWER = 64
CHUNKED_ANSWER = b'{"ResultCode": "0", "ResultDesc": "Accepted"}'


class Receiver(ThreadingHTTPServer):
    """A merchant's endpoint on a free loopback port, recording every connection and request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()  # ends the slow handlers at teardown

    @property
    def port(self) -> int:
        return self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1
        super().process_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.path == "/slow":
            self.server.release.wait(5)
        if self.path == "/drip":
            # Each byte comes well within the read timeout; the whole never does.
            for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 100:
                if self.server.release.wait(0.1):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            return
        if self.path == "/chunked":
            half = len(CHUNKED_ANSWER) // 2
            parts = (CHUNKED_ANSWER[:half], CHUNKED_ANSWER[half:], b"")
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts))
            return
        elsewhere = {"Location": f"http://127.0.0.1:{self.server.port}/ok"}
        status, extra = {
            "/ok": (200, {}),
            "/accepted": (202, {}),
            "/fail": (500, {}),
            "/redirect/302": (302, elsewhere),
            "/redirect/307": (307, elsewhere),
            "/redirect/308": (308, elsewhere),
        }.get(self.path, (404, {}))
        answer = b"y" * (1024 * 1024) if self.path == "/big" else b"thanks"
        self.send_response(200 if self.path == "/big" else status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        try:
            self.wfile.write(answer)
        except OSError:
            return


def _serve(server: Receiver) -> Iterator[Receiver]:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from _serve(Receiver())


def _post(url: str, *, local_mode: bool = True, timeout: float = TIMEOUT) -> Outcome:
    return post(
        url, BODY, HEADERS, timeout_seconds=timeout, local_mode=local_mode, max_answer_bytes=MAX_ANSWER
    )


def _attempt(url: str, *, local_mode: bool = True, timeout: float = TIMEOUT) -> Attempt:
    return _post(url, local_mode=local_mode, timeout=timeout).attempt


# --- check_url ---------------------------------------------------------------------------------------

GOOD = [
    ("https://hooks.example.com/mpesa", "https://hooks.example.com/mpesa", False),
    ("HTTPS://Hooks.Example.COM:443", "https://hooks.example.com/", False),
    ("https://hooks.example.com:8443/a/b?shop=1&x=y", "https://hooks.example.com:8443/a/b?shop=1&x=y", False),
    ("https://93.184.216.34/hook", "https://93.184.216.34/hook", False),
    ("https://[2606:4700::1111]:8443/hook", "https://[2606:4700::1111]:8443/hook", False),
    ("https://[2002:808:808::]/", "https://[2002:808:808::]/", False),  # 6to4 of a public address
    ("http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook", True),
    ("http://127.5.6.7/hook", "http://127.5.6.7/hook", True),
    ("http://[::1]:9000/hook", "http://[::1]:9000/hook", True),
    ("http://localhost:9000/hook", "http://localhost:9000/hook", True),
    ("http://shop.localhost:80/hook", "http://shop.localhost/hook", True),
    ("https://hooks.example.com/mpesa", "https://hooks.example.com/mpesa", True),
]


@pytest.mark.parametrize(("url", "normalised", "local_mode"), GOOD)
def test_allowed_urls_come_back_normalised(url, normalised, local_mode):
    assert check_url(url, local_mode=local_mode) == normalised


BAD = [
    ("https://example.com/" + "a" * 2048, False, "longer than 2048 characters"),
    ("https://example.com/a b", False, "spaces or control characters"),
    ("https://example.com/\tadmin", False, "spaces or control characters"),
    ("https://shop.example/validate\r\nX-Injected: 1", False, "spaces or control characters"),
    ("ftp://example.com/hook", False, "scheme must be https, not 'ftp'"),
    ("example.com/hook", False, "scheme must be https, not 'missing'"),
    ("javascript:alert(1)", True, "scheme must be https"),
    ("https:///hook", False, "no host"),
    ("https://user:password@example.com/hook", False, "user name or password"),
    ("https://token@example.com/hook", False, "user name or password"),
    ("https://example.com/hook#part", False, "fragment"),
    ("https://example.com/hook#", False, "fragment"),
    ("http://example.com/hook", False, "must use https"),
    ("https://example.com:0/hook", False, "port must not be 0"),
    ("https://example.com:70000/hook", False, "cannot be parsed"),
    ("https://[::1/hook", False, "cannot be parsed"),
    ("https://10.1.2.3/hook", False, "10.1.2.3 is not public (a private address)"),
    ("https://192.168.1.1/hook", False, "a private address"),
    ("https://172.16.0.1/hook", False, "a private address"),
    ("https://127.0.0.1/hook", False, "127.0.0.1 is not public (a loopback address)"),
    ("https://[::1]/hook", False, "a loopback address"),
    ("https://[fd00::1]/hook", False, "fd00::1 is not public (a private address)"),
    # Instance metadata: link-local, which ipaddress also counts as private; the precise kind is named.
    ("https://169.254.169.254/latest/meta-data", False, "169.254.169.254 is not public (a link-local"),
    ("https://[fe80::1]/hook", False, "fe80::1 is not public (a link-local address)"),
    ("https://224.0.0.1/hook", False, "a multicast address"),
    ("https://240.0.0.1/hook", False, "240.0.0.1 is not public (a reserved address)"),
    ("https://0.0.0.0/hook", False, "0.0.0.0 is not public (an unspecified address)"),
    ("https://[::]/hook", False, ":: is not public (an unspecified address)"),
    ("https://100.64.0.1/hook", False, "a non-public address"),
    ("https://[::ffff:10.0.0.1]/hook", False, "it leads to 10.0.0.1, a private address"),
    ("https://[::ffff:127.0.0.1]/hook", False, "it leads to 127.0.0.1, a loopback address"),
    ("https://[2002:a9fe:a9fe::]/hook", False, "it leads to 169.254.169.254, a link-local address"),
    ("https://[64:ff9b::a00:1]/hook", False, "it leads to 10.0.0.1, a private address"),
    ("https://2130706433/hook", False, "127.0.0.1 is not public"),
    ("https://0x7f.1/hook", False, "127.0.0.1 is not public"),
    ("https://localhost/hook", False, "'localhost' is a local name"),
    ("https://LOCALHOST./hook", False, "'localhost' is a local name"),
    ("https://shop.localhost/hook", False, "'shop.localhost' is a local name"),
    ("https://db.internal/hook", False, "'db.internal' is a local name"),
    ("https://printer.local/hook", False, "'printer.local' is a local name"),
    # Local mode allows http and loopback only, nothing else that is not public.
    ("http://10.1.2.3/hook", True, "a private address"),
    ("http://169.254.169.254/latest", True, "169.254.169.254 is not public (a link-local address)"),
    ("http://db.internal/hook", True, "a local name"),
    ("http://printer.local/hook", True, "a local name"),
    ("ftp://127.0.0.1/hook", True, "scheme must be https"),
]


@pytest.mark.parametrize(("url", "local_mode", "problem"), BAD)
def test_refused_urls_say_why(url, local_mode, problem):
    with pytest.raises(InvalidRequest) as refused:
        check_url(url, local_mode=local_mode)
    assert problem in refused.value.message
    assert refused.value.details == {"field": "url"}
    assert refused.value.status == 400


def test_the_longest_allowed_url_is_2048_characters():
    url = "https://example.com/" + "a" * (2048 - len("https://example.com/"))
    assert check_url(url, local_mode=False) == url


# --- the address policy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "refusal"),
    [
        ("10.0.0.1", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.0.1", "a private address"),
        ("fd00::1", "a private address"),
        ("100.64.0.1", "a non-public address"),  # shared address space (carrier-grade NAT)
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("255.255.255.255", "a reserved address"),
        ("::ffff:10.0.0.1", "it leads to 10.0.0.1, a private address"),
        ("::ffff:127.0.0.1", "it leads to 127.0.0.1, a loopback address"),
        ("64:ff9b::a00:1", "it leads to 10.0.0.1, a private address"),  # NAT64
        ("::a00:1", "it leads to 10.0.0.1, a private address"),  # IPv4-compatible
    ],
)
def test_every_non_public_address_is_refused_by_its_kind(address: str, refusal: str):
    assert address_refusal(ipaddress.ip_address(address), allow_loopback=False) == refusal


@pytest.mark.parametrize(
    ("address", "refusal"),
    [
        ("169.254.169.254", "a link-local address"),  # the instance metadata service
        ("169.254.0.1", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("fe80::1%eth0", "a link-local address"),  # as a resolver may answer, with a scope
        ("::ffff:169.254.169.254", "it leads to 169.254.169.254, a link-local address"),
        ("2002:a9fe:a9fe::", "it leads to 169.254.169.254, a link-local address"),  # 6to4
    ],
)
def test_link_local_addresses_are_named_link_local_not_private(address: str, refusal: str):
    # ipaddress counts link-local as private too; the refusal names the precise kind, in local mode too.
    for allow_loopback in (False, True):
        assert address_refusal(ipaddress.ip_address(address), allow_loopback) == refusal


@pytest.mark.parametrize("address", ["8.8.8.8", "196.201.214.200", "2001:4860:4860::8888", "2002:808:808::"])
def test_public_addresses_are_allowed(address: str):
    assert address_refusal(ipaddress.ip_address(address), allow_loopback=False) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "127.5.6.7", "::1"])
def test_loopback_is_allowed_only_when_asked(address: str):
    assert address_refusal(ipaddress.ip_address(address), allow_loopback=True) is None
    assert address_refusal(ipaddress.ip_address(address), allow_loopback=False) == "a loopback address"


def test_loopback_in_ipv6_clothing_stays_refused_when_loopback_is_allowed():
    # The IPv4-mapped range is itself reserved: only plain loopback addresses are let through locally.
    mapped = ipaddress.ip_address("::ffff:127.0.0.1")
    assert address_refusal(mapped, allow_loopback=True) == "a reserved address"


# --- post ---------------------------------------------------------------------------------------------


def test_a_2xx_answer_succeeds_and_the_request_carries_body_and_headers(receiver):
    before = datetime.now(UTC)
    attempt = _attempt(f"http://127.0.0.1:{receiver.port}/ok")
    assert attempt.succeeded
    assert (attempt.status_code, attempt.error) == (200, None)
    assert before <= attempt.at <= datetime.now(UTC)
    assert attempt.at.tzinfo is UTC
    assert 0 <= attempt.latency_ms < 2000
    [request] = receiver.requests
    assert request["body"] == BODY
    assert request["headers"]["Mpesa-Gateway-Signature"] == "t=1,v1=ab"
    assert request["headers"]["Mpesa-Gateway-Event-Id"] == "evt_1"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Host"] == f"127.0.0.1:{receiver.port}"


def test_any_2xx_succeeds(receiver):
    attempt = _attempt(f"http://127.0.0.1:{receiver.port}/accepted")
    assert attempt.succeeded
    assert attempt.status_code == 202


def test_a_500_fails(receiver):
    attempt = _attempt(f"http://127.0.0.1:{receiver.port}/fail")
    assert not attempt.succeeded
    assert (attempt.status_code, attempt.error) == (500, "answered 500")


@pytest.mark.parametrize("status", [302, 307, 308])
def test_a_redirect_is_not_followed(receiver, status: int):
    attempt = _attempt(f"http://127.0.0.1:{receiver.port}/redirect/{status}")
    assert not attempt.succeeded
    assert (attempt.status_code, attempt.error) == (status, f"redirect ({status}) not followed")
    # The body was not re-posted to the Location (/ok).
    assert [request["path"] for request in receiver.requests] == [f"/redirect/{status}"]


def test_the_answer_comes_back_whole_when_it_fits(receiver):
    outcome = _post(f"http://127.0.0.1:{receiver.port}/ok")
    assert (outcome.answer, outcome.complete, outcome.refused) == (b"thanks", True, False)
    # Asked for as it is: no compressed stream to inflate.
    assert receiver.requests[0]["headers"]["Accept-Encoding"] == "identity"


def test_a_chunked_answer_is_read_to_the_end(receiver):
    outcome = _post(f"http://127.0.0.1:{receiver.port}/chunked")
    assert (outcome.attempt.status_code, outcome.answer, outcome.complete) == (200, CHUNKED_ANSWER, True)


def test_a_long_answer_is_not_read_whole(receiver):
    outcome = _post(f"http://127.0.0.1:{receiver.port}/big")
    assert outcome.attempt.succeeded
    assert (outcome.answer, outcome.complete) == (b"y" * MAX_ANSWER, False)


def test_an_answer_slower_than_the_timeout_times_out(receiver):
    started = time.monotonic()
    attempt = _attempt(f"http://127.0.0.1:{receiver.port}/slow")
    assert (attempt.status_code, attempt.error) == (None, "timed out after 0.5 s")
    assert not attempt.succeeded
    assert time.monotonic() - started < 2
    assert 400 <= attempt.latency_ms < 2000


def test_a_tls_handshake_that_never_comes_is_cut_at_the_deadline():
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (the kernel's backlog), never answers
    started = time.monotonic()
    try:
        attempt = _attempt(f"https://127.0.0.1:{silent.getsockname()[1]}/ok")
    finally:
        silent.close()
    assert (attempt.status_code, attempt.error) == (None, "timed out after 0.5 s")
    assert time.monotonic() - started < 1.5


def test_an_answer_dripping_byte_by_byte_is_cut_off_by_the_whole_attempts_deadline(receiver):
    # Every byte comes within the 0.5 s read timeout, so only the attempt's own deadline stops it.
    started = time.monotonic()
    attempt = _attempt(f"http://127.0.0.1:{receiver.port}/drip")
    assert (attempt.status_code, attempt.error) == (None, "timed out after 0.5 s")
    assert time.monotonic() - started < 2


def test_a_closed_port_is_connection_refused():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = _post(f"http://127.0.0.1:{port}/ok")
    assert (outcome.attempt.status_code, outcome.attempt.error) == (None, "connection refused")
    assert not outcome.refused  # a network failure, not the policy


def test_an_unknown_host_is_not_found(monkeypatch):
    def no_such_host(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(outbound.socket, "getaddrinfo", no_such_host)
    outcome = _post("https://hooks.example.com/hook", local_mode=False)
    assert outcome.attempt.error == "host hooks.example.com not found"
    assert not outcome.refused


def test_a_refused_url_is_an_attempt_that_says_why(receiver):
    outcome = _post(f"http://127.0.0.1:{receiver.port}/ok#x")
    assert outcome.attempt.error == "the URL must not have a fragment (#...)"
    assert (outcome.refused, outcome.answer, outcome.complete) == (True, b"", False)
    assert receiver.connections == 0


def test_production_refuses_a_loopback_address_without_connecting(receiver):
    outcome = _post(f"https://127.0.0.1:{receiver.port}/ok", local_mode=False)
    attempt = outcome.attempt
    assert outcome.refused
    assert not attempt.succeeded
    assert attempt.status_code is None
    assert attempt.error == "the URL's host 127.0.0.1 is not public (a loopback address)"
    assert receiver.connections == 0
    assert receiver.requests == []


class FakeDns:
    """Host names that resolve as a test says, each lookup of them counted; other names resolve as usual."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.lookups: dict[str, int] = {}
        self._real = socket.getaddrinfo

    def getaddrinfo(self, host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in self.answers:
            return self._real(host, port, *args, **kwargs)
        self.lookups[host] = self.lookups.get(host, 0) + 1
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in self.answers[host]
        ]


@pytest.fixture
def fake_dns(monkeypatch) -> FakeDns:
    dns = FakeDns()
    monkeypatch.setattr(outbound.socket, "getaddrinfo", dns.getaddrinfo)
    return dns


def test_production_refuses_a_name_that_resolves_to_loopback_when_connecting(receiver, fake_dns):
    # The URL passes check_url (a public-looking name); only the connection-time check can stop it.
    fake_dns.answers["hooks.example.com"] = ["127.0.0.1"]
    url = f"https://hooks.example.com:{receiver.port}/ok"
    assert check_url(url, local_mode=False) == url
    outcome = _post(url, local_mode=False)
    assert outcome.attempt.error == (
        "hooks.example.com resolves to 127.0.0.1, which is not public (a loopback address)"
    )
    assert outcome.refused
    assert receiver.connections == 0


def test_one_refused_address_among_several_refuses_the_host(receiver, fake_dns):
    fake_dns.answers["mixed.example.test"] = ["127.0.0.1", "10.0.0.7"]
    attempt = _attempt(f"http://mixed.example.test:{receiver.port}/ok", local_mode=True)
    assert attempt.error == "mixed.example.test resolves to 10.0.0.7, which is not public (a private address)"
    assert receiver.connections == 0


def test_the_connection_goes_to_the_address_checked_and_keeps_the_host_name(receiver, fake_dns):
    # One lookup, whose answer is both checked and connected to; the Host header keeps the name.
    fake_dns.answers["hooks.example.test"] = ["127.0.0.1"]
    attempt = _attempt(f"http://hooks.example.test:{receiver.port}/ok", local_mode=True)
    assert attempt.succeeded
    assert receiver.requests[0]["headers"]["Host"] == f"hooks.example.test:{receiver.port}"
    assert fake_dns.lookups == {"hooks.example.test": 1}


def test_a_lookup_that_outlasts_the_deadline_times_out_without_connecting(fake_dns, monkeypatch):
    fake_dns.answers["slow.example.test"] = ["127.0.0.1"]
    answer = fake_dns.getaddrinfo

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(TIMEOUT + 0.1)
        return answer(*args, **kwargs)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", slow)
    monkeypatch.setattr(outbound, "create_connection", lambda *a, **k: pytest.fail("connected"))
    attempt = _attempt("http://slow.example.test:8080/ok")
    assert (attempt.status_code, attempt.error) == (None, "timed out after 0.5 s")


def test_connections_outside_post_follow_the_production_rules(receiver):
    with requests.Session() as session:
        session.mount("http://", outbound._VettingAdapter())
        with pytest.raises(outbound._Refused, match=r"127\.0\.0\.1 is not public"):
            session.post(f"http://127.0.0.1:{receiver.port}/ok", data=b"{}", timeout=1)
    assert receiver.connections == 0


def test_an_attempt_is_frozen():
    attempt = Attempt(at=datetime.now(UTC), status_code=204, latency_ms=3, error=None)
    assert attempt.succeeded
    with pytest.raises(ValidationError):
        attempt.status_code = 500
    assert not Attempt(at=attempt.at - timedelta(1), status_code=None, latency_ms=1, error="x").succeeded


# --- https: the vetted address is connected to, the name is what TLS checks -----------------------------

TLS_NAME = "hooks.example.test"


def _certificate(
    subject: str, issuer_key: Any, public_key: Any, issuer: str, *, ca: bool
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture
def tls_receiver(tmp_path: Path, monkeypatch) -> Iterator[Receiver]:
    """A receiver serving https with a certificate for TLS_NAME only, from a CA that requests is told to
    trust (in place of certifi's bundle)."""
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("test CA", ca_key, ca_key.public_key(), "test CA", ca=True)
    leaf = _certificate(TLS_NAME, ca_key, leaf_key.public_key(), "test CA", ca=False)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.key").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", str(tmp_path / "ca.pem"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    server = Receiver()
    server.socket = context.wrap_socket(server.socket, server_side=True)
    yield from _serve(server)


def test_https_connects_to_the_vetted_address_and_checks_the_certificate_against_the_name(
    tls_receiver, fake_dns
):
    fake_dns.answers[TLS_NAME] = ["127.0.0.1"]
    attempt = _attempt(f"https://{TLS_NAME}:{tls_receiver.port}/ok", local_mode=True)
    assert (attempt.status_code, attempt.error) == (200, None)
    assert tls_receiver.requests[0]["headers"]["Host"] == f"{TLS_NAME}:{tls_receiver.port}"


def test_https_to_a_name_the_certificate_does_not_cover_fails(tls_receiver, fake_dns):
    fake_dns.answers["other.example.test"] = ["127.0.0.1"]
    attempt = _attempt(f"https://other.example.test:{tls_receiver.port}/ok", local_mode=True)
    assert (attempt.status_code, attempt.error) == (None, "TLS handshake or certificate check failed")
    assert tls_receiver.requests == []
