"""Vodacom's bearer: a value (the API key, then a session id) RSA-encrypted (PKCS#1 v1.5) with the
portal's public key, base64. The key comes as the portal shows it: base64 DER (SubjectPublicKeyInfo),
or PEM. cryptography is imported on first use, as daraja.security does, for the other functions' cold
starts. The encryption is random, so each call makes a new bearer (nothing to cache but the key)."""

from __future__ import annotations

import base64
import binascii
from functools import cache
from typing import TYPE_CHECKING

from mpesa_gateway.errors import InvalidRequest

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey


@cache
def load_public_key(source: str) -> RSAPublicKey:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415 - see the docstring
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey  # noqa: PLC0415

    text = source.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = serialization.load_der_public_key(base64.b64decode("".join(text.split()), validate=True))
    except (ValueError, binascii.Error) as error:
        raise InvalidRequest(f"The Vodacom public key is not readable: {error}", field="public_key") from None
    if not isinstance(key, RSAPublicKey):
        raise InvalidRequest("The Vodacom public key is not an RSA key", field="public_key")
    return key


def bearer(value: str, public_key: str) -> str:
    from cryptography.hazmat.primitives.asymmetric import padding  # noqa: PLC0415

    encrypted = load_public_key(public_key).encrypt(value.encode(), padding.PKCS1v15())
    return base64.b64encode(encrypted).decode("ascii")
