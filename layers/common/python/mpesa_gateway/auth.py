"""Merchant authentication: client credentials at the token endpoint, bearer tokens on the API."""

from __future__ import annotations

import base64
import binascii
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from mpesa_gateway.secrets import verify_client_secret
from mpesa_gateway.store.registry import Merchant
from mpesa_gateway.tokens import MerchantTokens


class MerchantRegistry(Protocol):
    def get_merchant(self, merchant_id: str) -> Merchant | None: ...


class ClientCredentials(BaseModel):
    """OAuth 2.0 client credentials, from HTTP Basic or the request body (JSON or form)."""

    model_config = ConfigDict(extra="ignore")

    client_id: str = Field(min_length=1, max_length=64)
    client_secret: SecretStr = Field(min_length=1, max_length=256)
    grant_type: Literal["client_credentials"] | None = None


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, client_secret = decoded.partition(":")
    return (client_id, client_secret) if separator and client_id and client_secret else None


def bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class MerchantAuthenticator:
    def __init__(self, registry: MerchantRegistry, tokens: MerchantTokens) -> None:
        self._registry = registry
        self._tokens = tokens

    def verify_client(self, credentials: ClientCredentials) -> str | None:
        """The merchant whose (slow-hashed) client secret this is, if enabled."""
        merchant = self._registry.get_merchant(credentials.client_id)
        if merchant is None or not merchant.enabled:
            return None
        secret = credentials.client_secret.get_secret_value()
        return merchant.merchant_id if verify_client_secret(secret, merchant.client_secret_hash) else None

    def verify_bearer(self, authorization: str | None) -> str | None:
        """The merchant a valid bearer token names, while that merchant is still enabled."""
        token = bearer_token(authorization)
        merchant_id = self._tokens.verify(token) if token else None
        if merchant_id is None:
            return None
        merchant = self._registry.get_merchant(merchant_id)
        return merchant_id if merchant is not None and merchant.enabled else None
