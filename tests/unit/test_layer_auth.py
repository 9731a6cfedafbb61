"""Merchant authentication: client credentials (scrypt) and bearer tokens (JWT)."""

from __future__ import annotations

import base64

import pytest

from mpesa_gateway.auth import ClientCredentials, MerchantAuthenticator, basic_credentials, bearer_token
from mpesa_gateway.secrets import hash_client_secret, matches_sha256, sha256_hex, verify_client_secret
from mpesa_gateway.store.registry import Merchant
from mpesa_gateway.tokens import MerchantTokens, SigningKeys
from tests.unit.fakes import FakeMerchantRegistry

SECRET = "s3cr3t-client-secret"
KEYS = SigningKeys.from_secret({"active": "k1", "k1": "a-test-signing-key-of-forty-eight-characters-abcd"})


@pytest.fixture(scope="module")
def secret_hash() -> str:
    return hash_client_secret(SECRET)  # scrypt is slow on purpose: hash once per module


@pytest.fixture
def registry(secret_hash: str) -> FakeMerchantRegistry:
    return FakeMerchantRegistry(
        Merchant(merchant_id="m_acme", name="Acme", client_secret_hash=secret_hash),
        Merchant(merchant_id="m_gone", name="Gone", client_secret_hash=secret_hash, enabled=False),
    )


@pytest.fixture
def tokens() -> MerchantTokens:
    return MerchantTokens(lambda _fresh: KEYS)


@pytest.fixture
def authenticator(registry: FakeMerchantRegistry, tokens: MerchantTokens) -> MerchantAuthenticator:
    return MerchantAuthenticator(registry, tokens)


def basic(user_and_secret: str, scheme: str = "Basic") -> str:
    return f"{scheme} {base64.b64encode(user_and_secret.encode()).decode()}"


def credentials(client_id: str, secret: str) -> ClientCredentials:
    return ClientCredentials(client_id=client_id, client_secret=secret)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (basic(f"m_acme:{SECRET}"), ("m_acme", SECRET)),
        (basic(f"m_acme:{SECRET}", scheme="basic"), ("m_acme", SECRET)),
        ("  " + basic("m_acme:with:colons") + "  ", ("m_acme", "with:colons")),
        (basic("no-colon"), None),
        (basic(":no-id"), None),
        (basic("no-secret:"), None),
        ("Basic not base64!", None),
        ("Basic", None),
        (basic(f"m_acme:{SECRET}", scheme="Bearer"), None),
        ("", None),
        (None, None),
    ],
)
def test_basic_credentials_are_parsed_strictly(header, expected) -> None:
    assert basic_credentials(header) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer  xyz ", "xyz"),
        ("Bearer", None),
        ("Basic abc", None),
        (None, None),
    ],
)
def test_bearer_token_is_taken_from_the_bearer_scheme_only(header, expected) -> None:
    assert bearer_token(header) == expected


def test_right_client_secret_gives_the_merchant(authenticator: MerchantAuthenticator) -> None:
    assert authenticator.verify_client(credentials("m_acme", SECRET)) == "m_acme"


@pytest.mark.parametrize(
    ("client_id", "secret"), [("m_acme", SECRET + "x"), ("m_nobody", SECRET), ("m_gone", SECRET)]
)
def test_wrong_unknown_or_disabled_clients_are_refused(authenticator, client_id: str, secret: str) -> None:
    assert authenticator.verify_client(credentials(client_id, secret)) is None


def test_a_merchant_with_a_corrupt_hash_is_refused_not_crashed(tokens: MerchantTokens) -> None:
    corrupt = Merchant(merchant_id="m_bad", name="Bad", client_secret_hash="scrypt$-1$8$1$AAAA$AAAA")
    authenticator = MerchantAuthenticator(FakeMerchantRegistry(corrupt), tokens)
    assert authenticator.verify_client(credentials("m_bad", SECRET)) is None


def test_a_bearer_token_names_its_merchant(authenticator, tokens: MerchantTokens) -> None:
    token = tokens.issue("m_acme").token

    assert authenticator.verify_bearer(f"Bearer {token}") == "m_acme"


def test_a_token_of_a_merchant_disabled_since_is_refused(authenticator, tokens, registry) -> None:
    token = tokens.issue("m_acme").token
    registry.merchants["m_acme"] = registry.merchants["m_acme"].model_copy(update={"enabled": False})

    assert authenticator.verify_bearer(f"Bearer {token}") is None


@pytest.mark.parametrize("header", ["Bearer garbage", basic(f"m_acme:{SECRET}"), "", None])
def test_anything_but_a_valid_bearer_token_is_refused(authenticator, registry, header) -> None:
    assert authenticator.verify_bearer(header) is None
    assert registry.lookups == []  # refused before touching the registry


def test_hash_and_verify_round_trip() -> None:
    stored = hash_client_secret("correct horse")
    assert stored.startswith("scrypt$16384$8$1$")
    assert len(stored.split("$")) == 6
    assert "correct horse" not in stored
    assert verify_client_secret("correct horse", stored)
    assert not verify_client_secret("correct horse!", stored)
    assert not verify_client_secret("", stored)


def test_each_hash_is_salted() -> None:
    first, second = hash_client_secret("same"), hash_client_secret("same")
    assert first != second
    assert verify_client_secret("same", first)
    assert verify_client_secret("same", second)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "garbage",
        "scrypt$16384$8$1$only-five",
        "bcrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
        "scrypt$sixteen$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
        "scrypt$16384$8$1$%%%$AAAA",
        "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$",
        "scrypt$3$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",  # n not a power of two
        "scrypt$0$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
        "scrypt$16384$8$1$\u00e9$AAAA",
        "scrypt$-16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",  # negative cost parameter
        "scrypt$16384$99999999999999999999$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",  # r beyond an unsigned long
    ],
)
def test_a_garbage_stored_hash_verifies_nothing(stored: str) -> None:
    assert verify_client_secret(SECRET, stored) is False


def test_sha256_helpers() -> None:
    digest = sha256_hex("callback-secret")
    assert digest == "03a5492d930e0b1bce9ee271f51d54c95017fe7ce8e4e550e688740b30dedf9c"
    assert matches_sha256("callback-secret", digest)
    assert not matches_sha256("callback-secreT", digest)
