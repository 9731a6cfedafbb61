"""Requests to URLs that merchants choose: which URLs are allowed, and one POST to one of them. Webhook
deliveries and the C2B validation forwarder both go out this one way.

A merchant chooses the URL, so it must not become a way into the gateway's own network. In production
only https reaches public addresses: a URL naming a private, loopback, link-local or otherwise non-public
address (however it is written: shorthand IPv4, or IPv4 inside IPv6), or a local-only host name, is
refused (check_url), and when the POST connects, every address its host resolves to is checked again and
the connection goes to a checked address (see _connect_vetted), so a DNS answer that changes between the
two (rebinding) gains nothing. The certificate is checked against the URL's host name; no proxy or .netrc
from the environment applies. Redirects are not followed: a 3xx is a failed attempt. One deadline covers
connecting, the TLS handshake, sending and reading, however slowly the answer trickles in (a DNS lookup
that outlasts it leaves no time to connect), and the answer is read up to a size the caller chooses. In
local mode (the local stack and tests) http and loopback are allowed, and nothing else that is not public.
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3
from pydantic import BaseModel, ConfigDict
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

from mpesa_gateway.errors import InvalidRequest

MAX_URL_LENGTH = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOCAL_ONLY_SUFFIXES = (".localhost", ".internal", ".local")
# NAT64's well-known prefixes: 64:ff9b::10.0.0.1 reaches 10.0.0.1 where a NAT64 gateway exists.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


class Attempt(BaseModel):
    """One delivery attempt: when, the HTTP status if one came, how long it took, what went wrong."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    # None when no answer came, or nothing went wrong (and a stored attempt leaves None out).
    status_code: int | None = None
    latency_ms: int
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Outcome(BaseModel):
    """What one POST came to: the attempt (as a webhook delivery records it) and the answer's first bytes."""

    model_config = ConfigDict(frozen=True)

    attempt: Attempt
    # Nothing was sent: the URL, or an address its host resolves to, is not allowed (attempt.error says why).
    refused: bool
    # The answer's body as sent (asked for without compression), at most the max_answer_bytes asked for.
    answer: bytes
    # Whether answer is the whole body: not cut at max_answer_bytes, by a failure or by the deadline.
    complete: bool


def check_url(url: str, *, local_mode: bool) -> str:
    """The URL, normalised (lower-case scheme and host, no default port, "/" for an empty path).

    Raises InvalidRequest(field="url") naming the problem.
    """
    if len(url) > MAX_URL_LENGTH:
        raise _invalid(f"the URL is longer than {MAX_URL_LENGTH} characters")
    # urlsplit drops tabs and newlines silently; the URL used must be the URL that was checked.
    if not all(character.isprintable() and not character.isspace() for character in url):
        raise _invalid("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise _invalid(f"the URL cannot be parsed: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise _invalid(f"the URL's scheme must be https, not {scheme or 'missing'!r}")
    host = parts.hostname
    if not host:
        raise _invalid("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise _invalid("the URL must not contain a user name or password")
    if "#" in url:
        raise _invalid("the URL must not have a fragment (#...)")
    if scheme == "http" and not local_mode:
        raise _invalid("the URL must use https (http is allowed only in local mode)")
    if port == 0:
        raise _invalid("the URL's port must not be 0")
    if reason := _host_refusal(host, local_mode):
        raise _invalid(reason)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout_seconds: float,
    local_mode: bool,
    max_answer_bytes: int,
) -> Outcome:
    """POST body to url once; never raises for a refused URL or a network problem (see Attempt.error).

    timeout_seconds is one deadline for the whole attempt: it bounds connecting (with what is left of it)
    and each read, and a watchdog shuts the connection when it passes, so neither a TLS handshake that
    never comes nor an answer that trickles in byte by byte can hold the worker.
    """
    at = datetime.now(UTC)
    started = time.monotonic()
    status: int | None = None
    answer, complete, refused = b"", False, False
    guard = _Guard(allow_loopback=local_mode, deadline=started + timeout_seconds)
    token = _GUARD.set(guard)
    watchdog = threading.Timer(timeout_seconds, guard.expire)
    watchdog.daemon = True
    try:
        checked = check_url(url, local_mode=local_mode)
        watchdog.start()
        with requests.Session() as session:
            session.trust_env = False  # no proxy or .netrc from the environment: connect to the vetted host
            adapter = _VettingAdapter()
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            with session.post(
                checked,
                data=body,
                # identity: the answer's bytes are the body itself, never a compressed stream to inflate.
                headers={"Content-Type": "application/json", "Accept-Encoding": "identity", **headers},
                timeout=(timeout_seconds, timeout_seconds),
                allow_redirects=False,
                stream=True,
            ) as response:
                status = response.status_code
                answer, complete = _read_answer(response, max_answer_bytes, guard)
        error = _judge(status)
    except InvalidRequest as refusal:
        error, refused = refusal.message, True
    except _Refused as refusal:
        error, refused = str(refusal), True
    except _NotFound as failure:
        error = str(failure)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as failure:
        error = (
            f"timed out after {timeout_seconds:g} s" if guard.expired else _describe(failure, timeout_seconds)
        )
    finally:
        watchdog.cancel()
        _GUARD.reset(token)
        guard.release()
    latency_ms = round((time.monotonic() - started) * 1000)
    attempt = Attempt(at=at, status_code=status, latency_ms=latency_ms, error=error)
    return Outcome(attempt=attempt, refused=refused, answer=answer, complete=complete)


def address_refusal(address: IPAddress, allow_loopback: bool) -> str | None:
    """Why connecting to address is refused ("a private address", "it leads to 10.0.0.1, a private
    address" for an IPv4 address hidden in an IPv6 one), or None for a public one (or loopback when allowed).
    """
    for candidate in (*_embedded_ipv4(address), address):
        if reason := _kind_refused(candidate, allow_loopback):
            return (
                f"{reason} address" if candidate == address else f"it leads to {candidate}, {reason} address"
            )
    return None


def _invalid(message: str) -> InvalidRequest:
    return InvalidRequest(message, field="url")


def _host_refusal(host: str, local_mode: bool) -> str | None:
    """Why the URL's host (a name or an address literal) is not allowed, or None."""
    address = _literal_address(host)
    if address is not None:
        reason = address_refusal(address, local_mode)
        return f"the URL's host {address} is not public ({reason})" if reason else None
    name = host.rstrip(".")
    if local_mode and (name == "localhost" or name.endswith(".localhost")):
        return None
    if name == "localhost" or name.endswith(_LOCAL_ONLY_SUFFIXES):
        return f"the URL's host {name!r} is a local name, not reachable from the internet"
    return None


def _literal_address(host: str) -> IPAddress | None:
    """The address a host written as one means, including shorthand IPv4 (127.1, 0x7f.0.0.1, 2130706433)
    that resolvers accept although ipaddress does not."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _kind_refused(address: IPAddress, allow_loopback: bool) -> str | None:
    """The kind of non-public address this is ("a link-local"), most precise first, or None."""
    if address.is_loopback:
        return None if allow_loopback else "a loopback"
    # Link-local (169.254.169.254, the instance metadata service; fe80::/10) and the unspecified, multicast
    # and reserved ranges are private too in ipaddress's terms: name them before "private".
    checks = {
        "a link-local": address.is_link_local,
        "an unspecified": address.is_unspecified,
        "a multicast": address.is_multicast,
        "a reserved": address.is_reserved,
        "a private": address.is_private,
        "a non-public": not address.is_global,
    }
    return next((name for name, failed in checks.items() if failed), None)


def _embedded_ipv4(address: IPAddress) -> Iterator[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address leads to: IPv4-mapped, 6to4, NAT64 and the deprecated
    IPv4-compatible form."""
    if isinstance(address, ipaddress.IPv4Address):
        return
    if address.ipv4_mapped is not None:
        yield address.ipv4_mapped
    if address.sixtofour is not None:
        yield address.sixtofour
    # ::/96 holds IPv4-compatible addresses except :: and ::1, which are IPv6's own unspecified and loopback.
    compatible = address in _IPV4_COMPATIBLE and int(address) > 1
    if compatible or any(address in network for network in _NAT64):
        yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise _NotFound(f"host {host} not found") from None
    # An IPv6 link-local answer may carry a scope ("fe80::1%eth0"), which ipaddress accepts.
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in found))


def _judge(status: int) -> str | None:
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return f"redirect ({status}) not followed"
    return f"answered {status}"


def _describe(failure: BaseException, timeout_seconds: float) -> str:
    """A short name for a network failure, from the most specific of its causes."""
    causes = list(_causes(failure))
    # Checked in this order because urllib3's NewConnectionError is itself a (connect) TimeoutError.
    names: list[tuple[type[BaseException] | tuple[type[BaseException], ...], str]] = [
        (ConnectionRefusedError, "connection refused"),
        (ConnectionResetError, "connection reset"),
        (requests.exceptions.SSLError, "TLS handshake or certificate check failed"),
        ((requests.Timeout, TimeoutError), f"timed out after {timeout_seconds:g} s"),
    ]
    for kind, name in names:
        if any(isinstance(cause, kind) for cause in causes):
            return name
    return f"connection failed ({type(failure).__name__})"


def _causes(failure: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = failure
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        # urllib3's MaxRetryError keeps the real failure as .reason; requests wraps it as args[0].
        reason = getattr(current, "reason", None)
        wrapped = current.args[0] if current.args else None
        current = next(
            (
                candidate
                for candidate in (reason, wrapped, current.__cause__, current.__context__)
                if isinstance(candidate, BaseException)
            ),
            None,
        )


def _read_answer(response: requests.Response, limit: int, guard: _Guard) -> tuple[bytes, bool]:
    """Up to limit bytes of the answer's body, and whether they are all of it. Reading stops there; a failure
    once the status is in leaves the attempt as its status says, with an incomplete answer."""
    try:
        data = response.raw.read(limit + 1, decode_content=False)
    except (urllib3.exceptions.HTTPError, OSError):
        return b"", False
    # A body without a length ends when the connection does, which is also what the watchdog does.
    return data[:limit], len(data) <= limit and not guard.expired


class _Refused(Exception):
    """The host resolves to an address that is not allowed; nothing was sent."""


class _NotFound(Exception):
    """The host has no address; nothing was sent."""


@dataclass
class _Guard:
    """One attempt's rules, deadline and open sockets, for the connections that requests creates on its own.

    requests builds the urllib3 connections itself, with no way to hand them a parameter, so the attempt
    passes its rules through a context variable set for the duration of post().
    """

    allow_loopback: bool
    deadline: float  # time.monotonic()
    expired: bool = False
    # Duplicates of the connected sockets: shutting one down ends the connection whatever wraps it (TLS
    # takes the original socket's descriptor over during its handshake) and whenever the watchdog fires.
    sockets: list[socket.socket] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expire(self) -> None:
        """The watchdog: the attempt's time is up, so shut its sockets, waking any blocked read."""
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                _shut(sock)

    def watch(self, sock: socket.socket) -> bool:
        """Keep a way to shut sock when the deadline passes; False when it has already passed."""
        with self.lock:
            if self.expired:
                return False
            self.sockets.append(sock.dup())
            return True

    def release(self) -> None:
        with self.lock:
            for sock in self.sockets:
                sock.close()
            self.sockets.clear()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        return


_GUARD: contextvars.ContextVar[_Guard | None] = contextvars.ContextVar("outbound_guard", default=None)


def _connect_vetted(connection: HTTPConnection) -> socket.socket:
    """In place of urllib3's HTTPConnection._new_conn: resolve the host here, refuse it if any address is
    not allowed, and open the socket to a vetted address. The connection's host stays the name, so the
    Host header, TLS's SNI and the certificate check all use the name, while the address connected to is
    the one that was checked: no second lookup happens between checking and connecting."""
    # Outside post() (no attempt running) the production rules apply: fail closed.
    guard = _GUARD.get()
    allow_loopback = guard is not None and guard.allow_loopback
    host = connection.host
    addresses = _resolve(host, connection.port)
    for address in addresses:
        if reason := address_refusal(address, allow_loopback):
            if str(address) == host:
                raise _Refused(f"address {address} is not public ({reason})")
            raise _Refused(f"{host} resolves to {address}, which is not public ({reason})")
    failure: OSError | None = None
    for address in addresses:
        # What is left of the attempt's deadline bounds the connection and then the TLS handshake on it.
        timeout = connection.timeout if guard is None else guard.deadline - time.monotonic()
        if timeout is not None and timeout <= 0:
            raise ConnectTimeoutError(connection, f"connecting to {host} timed out")
        try:
            sock = create_connection(
                (str(address), connection.port),
                timeout,
                source_address=connection.source_address,
                socket_options=connection.socket_options,
            )
        except TimeoutError as timeout_error:
            raise ConnectTimeoutError(connection, f"connecting to {host} timed out") from timeout_error
        except OSError as error:
            failure = error
            continue
        if guard is not None and not guard.watch(sock):
            sock.close()
            raise ConnectTimeoutError(connection, f"connecting to {host} timed out")
        return sock
    raise NewConnectionError(connection, f"cannot connect to {host}: {failure}") from failure


class _VettedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _connect_vetted(self)


class _VettedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _connect_vetted(self)


class _VettedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _VettedHTTPConnection


class _VettedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _VettedHTTPSConnection


class _VettingAdapter(HTTPAdapter):
    """A requests adapter whose connections are _VettedHTTP(S)Connections."""

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _VettedHTTPPool, "https": _VettedHTTPSPool}
