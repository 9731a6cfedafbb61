"""auth.MerchantAuthenticator and the scrypt hashing of merchant client secrets."""

from __future__ import annotations

import base64

import pytest

from mpesa_gateway.auth import MerchantAuthenticator
from mpesa_gateway.secrets import hash_client_secret, matches_sha256, sha256_hex, verify_client_secret
from mpesa_gateway.store.registry import Merchant
from tests.unit.fakes import FakeClock, FakeMerchantRegistry

SECRET = "s3cr3t-client-secret"
TTL = 300  # auth._VERIFIED_TTL_SECONDS


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
def clock() -> FakeClock:
    return FakeClock(start=1000.0)


@pytest.fixture
def authenticator(registry: FakeMerchantRegistry, clock: FakeClock) -> MerchantAuthenticator:
    return MerchantAuthenticator(registry, clock=clock)


def basic(user_and_secret: str, scheme: str = "Basic") -> str:
    return f"{scheme} {base64.b64encode(user_and_secret.encode()).decode()}"


@pytest.mark.parametrize(
    "header",
    [
        basic(f"m_acme:{SECRET}"),
        basic(f"m_acme:{SECRET}", scheme="basic"),
        basic(f"m_acme:{SECRET}", scheme="BASIC"),
        "  " + basic(f"m_acme:{SECRET}") + "  ",
    ],
)
def test_good_basic_credentials_give_the_merchant_id(
    authenticator: MerchantAuthenticator, header: str
) -> None:
    assert authenticator.authenticate(header) == "m_acme"


def test_a_secret_containing_colons_is_kept_whole(secret_hash: str) -> None:
    colon_secret = "a:b:c"
    registry = FakeMerchantRegistry(
        Merchant(merchant_id="m_colon", name="Colon", client_secret_hash=hash_client_secret(colon_secret))
    )
    authenticator = MerchantAuthenticator(registry, clock=FakeClock())
    assert authenticator.authenticate(basic("m_colon:a:b:c")) == "m_colon"
    assert authenticator.authenticate(basic("m_colon:a:b")) is None


@pytest.mark.parametrize(
    ("header", "looked_up"),
    [
        (basic("m_acme:wrong-secret"), ["m_acme"]),
        (basic(f"m_acme:{SECRET}x"), ["m_acme"]),
        (basic(f"m_nobody:{SECRET}"), ["m_nobody"]),
        (basic(f"m_gone:{SECRET}"), ["m_gone"]),  # disabled merchant
        ("Basic !!!not-base64!!!", []),
        ("Basic bm9jb2xvbg", []),  # base64 without padding
        (basic("no-colon-here"), []),
        (basic(f":{SECRET}"), []),  # empty client id
        (basic("m_acme:"), []),  # empty secret
        ("Basic " + base64.b64encode(b"\xff\xfe:\xfd").decode(), []),  # not UTF-8
        (f"Bearer {SECRET}", []),
        (basic(f"m_acme:{SECRET}", scheme="Bearer"), []),
        (basic(f"m_acme:{SECRET}", scheme="Digest"), []),
        ("Basic", []),
        ("Basic ", []),
        ("", []),
        ("   ", []),
        (None, []),
    ],
)
def test_bad_headers_give_none(
    authenticator: MerchantAuthenticator,
    registry: FakeMerchantRegistry,
    header: str | None,
    looked_up: list[str],
) -> None:
    assert authenticator.authenticate(header) is None
    assert registry.lookups == looked_up  # malformed headers never reach the registry


def test_a_refused_header_is_not_remembered(
    authenticator: MerchantAuthenticator, registry: FakeMerchantRegistry
) -> None:
    header = basic("m_acme:wrong-secret")
    assert authenticator.authenticate(header) is None
    assert authenticator.authenticate(header) is None
    assert registry.lookups == ["m_acme", "m_acme"]


def test_a_verified_header_is_remembered_for_the_ttl_only(
    authenticator: MerchantAuthenticator, registry: FakeMerchantRegistry, clock: FakeClock
) -> None:
    header = basic(f"m_acme:{SECRET}")
    assert authenticator.authenticate(header) == "m_acme"
    assert registry.lookups == ["m_acme"]

    clock.advance(TTL - 1)
    assert authenticator.authenticate(header) == "m_acme"
    assert registry.lookups == ["m_acme"]  # not consulted within the TTL

    clock.advance(1)
    assert authenticator.authenticate(header) == "m_acme"
    assert registry.lookups == ["m_acme", "m_acme"]  # consulted again once it lapsed


def test_after_the_ttl_a_since_disabled_merchant_is_refused(
    authenticator: MerchantAuthenticator, registry: FakeMerchantRegistry, clock: FakeClock, secret_hash: str
) -> None:
    header = basic(f"m_acme:{SECRET}")
    assert authenticator.authenticate(header) == "m_acme"
    registry.merchants["m_acme"] = Merchant(
        merchant_id="m_acme", name="Acme", client_secret_hash=secret_hash, enabled=False
    )
    clock.advance(TTL)
    assert authenticator.authenticate(header) is None


def test_remembering_one_header_does_not_admit_another(
    authenticator: MerchantAuthenticator, registry: FakeMerchantRegistry
) -> None:
    assert authenticator.authenticate(basic(f"m_acme:{SECRET}")) == "m_acme"
    assert authenticator.authenticate(basic("m_acme:guess")) is None
    assert registry.lookups == ["m_acme", "m_acme"]


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


def test_a_merchant_with_a_corrupt_hash_is_refused_not_crashed() -> None:
    # The authorizer must answer "deny", not fail, when a registry item holds a corrupt hash.
    corrupt = Merchant(merchant_id="m_bad", name="Bad", client_secret_hash="scrypt$-1$8$1$AAAA$AAAA")
    authenticator = MerchantAuthenticator(FakeMerchantRegistry(corrupt), clock=FakeClock())
    assert authenticator.authenticate(basic(f"m_bad:{SECRET}")) is None
