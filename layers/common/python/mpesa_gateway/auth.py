"""Merchant authentication for the API's Lambda authorizer.

Until merchant tokens exist, merchants authenticate with HTTP Basic client_id:client_secret, checked
against the scrypt hash in the registry.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from typing import Protocol

from mpesa_gateway.secrets import sha256_hex, verify_client_secret
from mpesa_gateway.store.registry import Merchant

# A verified header is remembered briefly so scrypt's deliberate cost is not paid on every request.
_VERIFIED_TTL_SECONDS = 300


class MerchantRegistry(Protocol):
    def get_merchant(self, merchant_id: str) -> Merchant | None: ...


class MerchantAuthenticator:
    def __init__(self, registry: MerchantRegistry, clock: Callable[[], float] = time.monotonic) -> None:
        self._registry = registry
        self._clock = clock
        self._verified: dict[str, tuple[str, float]] = {}

    def authenticate(self, authorization: str | None) -> str | None:
        """The merchant id the Authorization header proves, or None."""
        credentials = _basic_credentials(authorization)
        if credentials is None:
            return None
        fingerprint = sha256_hex(authorization or "")
        remembered = self._verified.get(fingerprint)
        if remembered and remembered[1] > self._clock():
            return remembered[0]
        client_id, client_secret = credentials
        merchant = self._registry.get_merchant(client_id)
        if merchant is None or not merchant.enabled:
            return None
        if not verify_client_secret(client_secret, merchant.client_secret_hash):
            return None
        self._verified[fingerprint] = (merchant.merchant_id, self._clock() + _VERIFIED_TTL_SECONDS)
        return merchant.merchant_id


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, client_secret = decoded.partition(":")
    return (client_id, client_secret) if separator and client_id and client_secret else None
