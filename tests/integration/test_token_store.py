"""The shared Daraja token's DynamoDB record: the lease is a real conditional write (moto, DynamoDB Local)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from mpesa_gateway.daraja.token_cache import AccessToken, SharedTokenCache
from mpesa_gateway.errors import StorageUnavailable
from mpesa_gateway.store.registry import DynamoTokenStore
from tests.integration.dynamodb_backends import BACKENDS, gateway_tables

KEY = "consumer-key-hash"
NOW = 1_800_000_000.0


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoTokenStore]:
    with gateway_tables(request, monkeypatch):
        yield DynamoTokenStore("mpesa-gateway-registry")


def test_only_one_holder_at_a_time_until_the_lease_expires(store: DynamoTokenStore):
    assert store.try_lease(KEY, "a", NOW, NOW + 10, replacing=None)
    assert not store.try_lease(KEY, "b", NOW + 5, NOW + 15, replacing=None)
    assert store.try_lease(KEY, "b", NOW + 12, NOW + 22, replacing=None)  # a's lease ran out


def test_save_needs_the_lease_and_publishes_the_token(store: DynamoTokenStore):
    token = AccessToken("tok-1", NOW + 3599)
    store.try_lease(KEY, "a", NOW, NOW + 10, replacing=None)

    assert not store.save(KEY, "b", token)
    assert store.save(KEY, "a", token)
    assert store.read(KEY) == AccessToken("tok-1", int(NOW + 3599))
    assert store.try_lease(KEY, "b", NOW, NOW + 10, replacing="tok-1")  # released by the save


def test_a_vodacom_session_keeps_its_activation_and_the_session_it_replaces_until_the_next(
    store: DynamoTokenStore,
):
    old = AccessToken("s1", NOW + 3600)
    new = AccessToken("s2", NOW + 7000, active_at=NOW + 30.5, previous=old)
    store.try_lease(KEY, "a", NOW, NOW + 10, replacing=None)
    store.save(KEY, "a", new)
    # Activation rounds up (never used early); the previous session comes back as saved.
    assert store.read(KEY) == AccessToken("s2", int(NOW + 7000), active_at=NOW + 31, previous=old)

    store.try_lease(KEY, "a", NOW + 100, NOW + 110, replacing="s2")
    store.save(KEY, "a", AccessToken("s3", NOW + 8000))
    assert store.read(KEY) == AccessToken("s3", int(NOW + 8000))


def test_a_lease_to_replace_a_token_that_already_changed_is_refused(store: DynamoTokenStore):
    store.try_lease(KEY, "a", NOW, NOW + 10, replacing=None)
    store.save(KEY, "a", AccessToken("tok-2", NOW + 3599))

    assert not store.try_lease(KEY, "b", NOW + 1, NOW + 11, replacing="tok-1")
    assert not store.try_lease(KEY, "b", NOW + 1, NOW + 11, replacing=None)


def test_release_frees_the_lease_for_its_owner_only(store: DynamoTokenStore):
    store.try_lease(KEY, "a", NOW, NOW + 10, replacing=None)

    store.release(KEY, "b")
    assert not store.try_lease(KEY, "c", NOW + 1, NOW + 11, replacing=None)
    store.release(KEY, "a")
    assert store.try_lease(KEY, "c", NOW + 1, NOW + 11, replacing=None)


def test_containers_racing_for_a_token_fetch_it_once(store: DynamoTokenStore):
    fetches: list[int] = []
    lock = threading.Lock()

    def fetch() -> AccessToken:
        with lock:
            fetches.append(1)
            return AccessToken(f"tok-{len(fetches)}", 4_000_000_000)

    containers = [SharedTokenCache(store, poll_seconds=0.05) for _ in range(4)]
    tokens: list[str] = []
    threads = [
        threading.Thread(target=lambda c=cache: tokens.append(c.get(KEY, fetch))) for cache in containers * 2
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(fetches) == 1
    assert tokens == ["tok-1"] * 8


def test_a_throttled_lease_raises_the_stores_error_not_botocores(
    store: DynamoTokenStore, monkeypatch: pytest.MonkeyPatch
):
    def throttled(operation: str, params: dict):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, operation)

    monkeypatch.setattr(store._table.meta.client, "_make_api_call", throttled)

    with pytest.raises(StorageUnavailable) as raised:
        store.try_lease(KEY, "a", NOW, NOW + 10, replacing=None)

    assert isinstance(raised.value.__cause__, ClientError)
