"""Merchant bearer tokens: HS256 JWTs signed with keys kept in Secrets Manager.

The signing secret is JSON `{"active": "<kid>", "<kid>": "<key>", ...}`. New tokens are signed with the
active key; every key still listed verifies, so a key can be rotated without downtime: add a key and make
it active, then drop the old one once its tokens (one hour at most) have expired.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from pydantic import BaseModel, SecretStr

ISSUER = "mpesa-gateway"
AUDIENCE = "mpesa-gateway-api"
TOKEN_LIFETIME_SECONDS = 3600
ALGORITHM = "HS256"


class SigningKeys(BaseModel):
    active: str
    keys: dict[str, SecretStr]

    @classmethod
    def from_secret(cls, value: dict[str, str]) -> SigningKeys:
        keys = {kid: key for kid, key in value.items() if kid != "active"}
        return cls.model_validate({"active": value["active"], "keys": keys})

    def key(self, kid: str) -> bytes | None:
        found = self.keys.get(kid)
        return found.get_secret_value().encode() if found else None


def new_key() -> str:
    """384 random bits, URL-safe: far beyond HS256's 256-bit minimum."""
    return secrets.token_urlsafe(48)


def initial_signing_keys(kid: str = "k1") -> dict[str, str]:
    return {"active": kid, kid: new_key()}


def rotated(current: dict[str, str], kid: str) -> dict[str, str]:
    """A new active key; the old ones keep verifying the tokens they signed until retired."""
    if kid == "active" or kid in current:
        raise ValueError(f"key id {kid!r} is taken")
    return {**current, kid: new_key(), "active": kid}


def retired(current: dict[str, str], kid: str) -> dict[str, str]:
    """Without key `kid`; the active key cannot be retired."""
    if kid == current.get("active") or kid not in current:
        raise ValueError(f"key id {kid!r} is the active key or unknown")
    return {name: value for name, value in current.items() if name != kid}


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


# Loads the signing keys; True asks for a fresh copy (a kid we do not know may be a new key).
KeyLoader = Callable[[bool], SigningKeys]


class MerchantTokens:
    def __init__(self, load_keys: KeyLoader, clock: Callable[[], float] = time.time) -> None:
        self._load_keys = load_keys
        self._clock = clock

    def issue(self, merchant_id: str) -> IssuedToken:
        keys = self._load_keys(False)
        signing_key = keys.key(keys.active)
        if signing_key is None:
            raise ValueError("the active signing key is not among the keys")
        now = int(self._clock())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": merchant_id,
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, signing_key, algorithm=ALGORITHM, headers={"kid": keys.active})
        return IssuedToken(token, TOKEN_LIFETIME_SECONDS)

    def verify(self, token: str) -> str | None:
        """The merchant id a valid, unexpired token of ours names; None for anything else."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._key_for(kid) if isinstance(kid, str) else None
            if key is None:
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],  # never the token's own choice (alg=none, RS/HS confusion)
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            return None
        subject = claims.get("sub")
        return subject if isinstance(subject, str) and subject else None

    def _key_for(self, kid: str) -> bytes | None:
        return self._load_keys(False).key(kid) or self._load_keys(True).key(kid)
