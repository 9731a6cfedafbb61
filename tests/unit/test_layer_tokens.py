"""Merchant bearer tokens: issue, verify, and every way a token must fail."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from mpesa_gateway.tokens import (
    AUDIENCE,
    ISSUER,
    TOKEN_LIFETIME_SECONDS,
    MerchantTokens,
    SigningKeys,
    initial_signing_keys,
    retired,
    rotated,
)
from tests.unit.fakes import FakeClock

K1 = "first-signing-key-with-enough-length-for-hs256-ok"
K2 = "second-signing-key-with-enough-length-for-hs256-ok"


class KeyVault:
    """Secrets Manager with a cache: `current` is what a fresh read returns."""

    def __init__(self, secret: dict[str, str]) -> None:
        self.current = secret
        self.cached = secret
        self.fresh_reads = 0

    def __call__(self, fresh: bool) -> SigningKeys:
        if fresh:
            self.fresh_reads += 1
            self.cached = self.current
        return SigningKeys.from_secret(self.cached)


@pytest.fixture
def clock() -> FakeClock:
    # PyJWT judges exp/iat against the real clock, so tokens are issued at (or before) real time.
    return FakeClock(start=time.time())


@pytest.fixture
def vault() -> KeyVault:
    return KeyVault({"active": "k1", "k1": K1})


@pytest.fixture
def tokens(vault: KeyVault, clock: FakeClock) -> MerchantTokens:
    return MerchantTokens(vault, clock=clock)


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_an_issued_token_verifies_and_names_the_merchant(tokens: MerchantTokens, clock: FakeClock):
    issued = tokens.issue("demo")

    assert issued.expires_in == TOKEN_LIFETIME_SECONDS == 3600
    assert jwt.get_unverified_header(issued.token)["kid"] == "k1"
    claims = claims_of(issued.token)
    assert (claims["sub"], claims["iss"], claims["aud"]) == ("demo", ISSUER, AUDIENCE)
    assert claims["exp"] - claims["iat"] == 3600
    assert tokens.verify(issued.token) == "demo"


def test_a_token_expires_after_an_hour(vault: KeyVault):
    issued_59_minutes_ago = MerchantTokens(vault, clock=lambda: time.time() - 3540).issue("demo").token
    issued_61_minutes_ago = MerchantTokens(vault, clock=lambda: time.time() - 3660).issue("demo").token
    checker = MerchantTokens(vault)

    assert checker.verify(issued_59_minutes_ago) == "demo"
    assert checker.verify(issued_61_minutes_ago) is None


def test_a_token_with_a_changed_payload_is_refused(tokens: MerchantTokens):
    header, payload, signature = tokens.issue("demo").token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "other"}).encode()).rstrip(b"=").decode()

    assert tokens.verify(f"{header}.{forged}.{signature}") is None


def test_a_token_signed_with_another_key_is_refused(tokens: MerchantTokens, clock: FakeClock):
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "demo", "iat": int(clock()), "exp": int(clock()) + 60}
    forged = jwt.encode(claims, "not-the-gateways-key-but-long-enough-for-hs256", headers={"kid": "k1"})

    assert tokens.verify(forged) is None


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "someone-else"},
        {"iss": "someone-else"},
        {"sub": ""},
    ],
)
def test_a_token_for_another_audience_issuer_or_nobody_is_refused(tokens, clock, change):
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "demo", "iat": int(clock()), "exp": int(clock()) + 60}

    token = jwt.encode({**claims, **change}, K1, headers={"kid": "k1"})

    assert tokens.verify(token) is None


def test_an_unsigned_token_is_refused(tokens: MerchantTokens, clock: FakeClock):
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "demo", "iat": int(clock()), "exp": int(clock()) + 60}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k1"})

    assert tokens.verify(unsigned) is None


@pytest.mark.parametrize("garbage", ["", "a.b", "a.b.c", "Bearer x", "eyJhbGciOiJIUzI1NiJ9.e30."])
def test_garbage_is_refused(tokens: MerchantTokens, garbage: str):
    assert tokens.verify(garbage) is None


def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(vault, tokens):
    old = tokens.issue("demo").token
    vault.current = rotated(vault.current, "k2")

    # A token of the new key is met before this container's cache has it: one fresh read finds it.
    newer = MerchantTokens(lambda fresh: SigningKeys.from_secret(vault.current)).issue("demo").token
    assert jwt.get_unverified_header(newer)["kid"] == "k2"
    assert tokens.verify(newer) == "demo"
    assert vault.fresh_reads == 1
    assert tokens.verify(old) == "demo"

    vault.current = retired(vault.current, "k1")
    vault(True)
    assert tokens.verify(old) is None
    assert tokens.verify(newer) == "demo"


def test_an_unknown_key_id_is_refused_after_one_fresh_read(vault: KeyVault, tokens: MerchantTokens, clock):
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "demo", "iat": int(clock()), "exp": int(clock()) + 60}
    token = jwt.encode(claims, K2, headers={"kid": "k9"})

    assert tokens.verify(token) is None
    assert vault.fresh_reads == 1


def test_key_rotation_helpers_refuse_mistakes():
    keys = initial_signing_keys("k1")
    assert keys["active"] == "k1"
    assert len(keys["k1"]) >= 60

    with pytest.raises(ValueError, match="taken"):
        rotated(keys, "k1")
    with pytest.raises(ValueError, match="taken"):
        rotated(keys, "active")
    with pytest.raises(ValueError, match="active key or unknown"):
        retired(keys, "k1")
    with pytest.raises(ValueError, match="active key or unknown"):
        retired(rotated(keys, "k2"), "k7")
