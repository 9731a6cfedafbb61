"""Signing webhook deliveries, and checking a signature the way a merchant's receiver does.

A delivery carries `Mpesa-Gateway-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where each v1 is
the HMAC-SHA256, keyed by one of the merchant's secrets, of `<t>.<raw body>`. While a secret is being
rotated both the new and the old one sign, so the header has one v1 per secret and a receiver that knows
either accepts it. The timestamp is inside the signed text, so an old delivery cannot be replayed with a
fresh one; `verify` refuses timestamps further than `tolerance` seconds from its clock, either way.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence
from secrets import token_urlsafe

SIGNATURE_HEADER = "Mpesa-Gateway-Signature"
EVENT_ID_HEADER = "Mpesa-Gateway-Event-Id"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix that marks a secret, not one)
DEFAULT_TOLERANCE_SECONDS = 300
_SECRET_BYTES = 32
_SCHEME = "v1"


class SignatureMismatch(ValueError):
    """The signature header does not prove the body came, recently, from the holder of the secret."""


def new_secret() -> str:
    """A fresh signing secret: the prefix, then 32 random bytes in url-safe base64."""
    return SECRET_PREFIX + token_urlsafe(_SECRET_BYTES)


def signature_header(secrets: Sequence[str], body: bytes, timestamp: int) -> str:
    """The header's value: the timestamp, then one v1 signature per secret, in the order given."""
    if not secrets:
        raise ValueError("a signature needs at least one secret")
    signatures = "".join(f",{_SCHEME}={_sign(secret, timestamp, body)}" for secret in secrets)
    return f"t={timestamp}{signatures}"


def verify(
    secret: str,
    header: str,
    body: bytes | str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
) -> int:
    """The delivery's timestamp, once one v1 signature in `header` is `secret`'s for exactly `body`.

    `body` is the raw request body as received (a str is taken as its UTF-8 bytes): parsing and
    re-serialising the JSON first would change the bytes and fail the check. Raises SignatureMismatch
    saying what is wrong: a malformed header, no signature that matches, or a timestamp more than
    `tolerance` seconds old or ahead of `now` (default: this machine's clock).
    """
    timestamp, candidates = _parse(header)
    raw = body.encode() if isinstance(body, str) else body
    expected = _sign(secret, timestamp, raw).encode()
    # Every candidate is compared in constant time, so timing tells nothing about how close a guess was.
    matches = [hmac.compare_digest(expected, candidate.encode()) for candidate in candidates]
    if not any(matches):
        raise SignatureMismatch(f"no {_SCHEME} signature in the header matches this secret and body")
    age = (time.time() if now is None else now) - timestamp
    if age > tolerance:
        raise SignatureMismatch(f"the timestamp is {age:.0f} s old, beyond the {tolerance} s tolerance")
    if -age > tolerance:
        raise SignatureMismatch(
            f"the timestamp is {-age:.0f} s in the future, beyond the {tolerance} s tolerance"
        )
    return timestamp


def _sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _parse(header: str) -> tuple[int, list[str]]:
    """The timestamp and the v1 signatures; other schemes (v0=...) are skipped, for later versions."""
    timestamps: list[str] = []
    signatures: list[str] = []
    for item in header.split(","):
        name, separator, value = item.strip().partition("=")
        if not separator or not name or not value:
            raise SignatureMismatch(
                "the signature header is malformed: each comma-separated item is key=value"
            )
        if name == "t":
            timestamps.append(value)
        elif name == _SCHEME:
            signatures.append(value)
    if len(timestamps) != 1:
        raise SignatureMismatch(
            "the signature header has no timestamp (t=)" if not timestamps else "the header has several t="
        )
    if not (timestamps[0].isascii() and timestamps[0].isdigit()):
        raise SignatureMismatch("the signature header's timestamp (t=) is not whole unix seconds")
    if not signatures:
        raise SignatureMismatch(f"the signature header has no {_SCHEME} signature")
    return int(timestamps[0]), signatures
