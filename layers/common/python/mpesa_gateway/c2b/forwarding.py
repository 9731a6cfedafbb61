"""Asking the merchant's own validation URL, which anyone who can set a rule chooses: one POST, nothing more.

The URL must be https (http and loopback only where the local-mode setting allows them), every address its
host resolves to must be public, and the connection goes to the checked address, so a DNS answer that
changes between the check and the connection (rebinding) cannot redirect the payment. A redirect is not
followed: it counts as no answer. One deadline covers connecting, sending and reading, however slowly
the answer trickles in, and the answer is read up to a small size.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import json
import socket
import ssl
import time
from typing import Any, cast
from urllib.parse import urlsplit

import certifi

from mpesa_gateway.inputs import load_json
from mpesa_gateway.observability import logger

# A validation answer is a small JSON object; anything longer is not one.
MAX_ANSWER_BYTES = 16 * 1024
_DEFAULT_PORTS = {"https": 443, "http": 80}
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The URL or where it leads is not allowed; the message says why (it is logged, never answered)."""


def forward_to_merchant(url: str, body: dict[str, Any], timeout: float, *, allow_local: bool) -> Any:
    """The merchant's JSON answer, or None when it is refused, fails, redirects or is late."""
    deadline = time.monotonic() + timeout
    try:
        return _exchange(url, json.dumps(body).encode(), deadline, allow_local)
    except Refused as refusal:
        logger.warning("merchant validation URL refused", extra={"reason": str(refusal)})
    except (OSError, ValueError, http.client.HTTPException) as error:
        logger.info("merchant validation URL did not answer", extra={"error": type(error).__name__})
    return None


def _exchange(url: str, payload: bytes, deadline: float, allow_local: bool) -> Any:
    # urlsplit drops tabs and newlines silently; the request line must be the URL that was checked.
    if not all(character.isprintable() and not character.isspace() for character in url):
        raise Refused("the URL contains spaces or control characters")
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    if not secure and not (parts.scheme == "http" and allow_local):
        raise Refused(f"scheme {parts.scheme!r}: only https is allowed")
    host = parts.hostname
    if not host:
        raise Refused("the URL has no host")
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    address = _checked_address(host, port, allow_local)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    authority = parts.netloc.rpartition("@")[2]  # the Host header never carries user:password
    with socket.create_connection((str(address), port), timeout=_remaining(deadline)) as raw:
        if secure:
            context = ssl.create_default_context(cafile=certifi.where())
            # The handshake as a whole is bounded by the socket's timeout: what is left of the deadline.
            raw.settimeout(_remaining(deadline))
            # The certificate is checked against the URL's host, not the address connected to.
            with context.wrap_socket(raw, server_hostname=host) as tls:
                return _post(tls, authority, target, payload, deadline)
        return _post(raw, authority, target, payload, deadline)


def _checked_address(host: str, port: int, allow_local: bool) -> IPAddress:
    """The address to connect to, once every address the host has is allowed."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [ipaddress.ip_address(info[4][0]) for info in found]
    for address in addresses:
        if reason := _forbidden(address, allow_local):
            raise Refused(f"{host} resolves to {reason} address {address}")
    if not addresses:
        raise Refused(f"{host} has no address")
    return addresses[0]


def _forbidden(address: IPAddress, allow_local: bool) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    if address.is_loopback:
        return None if allow_local else "a loopback"
    checks = {
        "a private": address.is_private,
        "a link-local": address.is_link_local,
        "a multicast": address.is_multicast,
        "a reserved": address.is_reserved,
        "an unspecified": address.is_unspecified,
        "a non-public": not address.is_global,
    }
    return next((name for name, failed in checks.items() if failed), None)


def _post(connection: socket.socket, netloc: str, target: str, payload: bytes, deadline: float) -> Any:
    request = (
        f"POST {target} HTTP/1.1\r\nHost: {netloc}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    ).encode() + payload
    connection.settimeout(_remaining(deadline))
    connection.sendall(request)
    answer = _read(connection, deadline)
    # http.client reads the answer through the socket's makefile() only, which _Recorded provides.
    response = http.client.HTTPResponse(cast("socket.socket", _Recorded(answer)), method="POST")
    response.begin()
    # Anything but a 2xx (a redirect included) is no answer: the app's default decides.
    if not 200 <= response.status < 300:
        return None
    return load_json(response.read().decode())


def _read(connection: socket.socket, deadline: float) -> bytes:
    """The whole answer, until the merchant closes the connection or has sent all its Content-Length."""
    received = bytearray()
    while not _complete(received):
        connection.settimeout(_remaining(deadline))
        chunk = connection.recv(4096)
        if not chunk:
            break
        received += chunk
        if len(received) > MAX_ANSWER_BYTES:
            raise ValueError(f"the answer is longer than {MAX_ANSWER_BYTES} bytes")
    return bytes(received)


def _complete(received: bytearray) -> bool:
    """Whether the headers are in and say a Content-Length the body has reached (chunked waits for close)."""
    head, separator, body = bytes(received).partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return len(body) >= int(value.strip())
    return False


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the merchant's deadline passed")
    return left


class _Recorded:
    """An answer already read, served to http.client's parser as if from the socket."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def makefile(self, mode: str) -> io.BytesIO:
        return io.BytesIO(self._data)
