"""daraja.token_cache.SharedTokenCache over an in-memory store with DynamoDB's lease semantics."""

from __future__ import annotations

import threading
import time

import pytest

from mpesa_gateway.daraja.errors import DarajaNotSent
from mpesa_gateway.daraja.token_cache import AccessToken, SharedTokenCache, cache_key
from tests.unit.fakes import CountingFetcher, FakeClock, InMemoryTokenStore

KEY = cache_key("https://sandbox.safaricom.co.ke", "consumer-key")
MARGIN = 60
LEASE = 10
WAIT = 8
POLL = 0.5  # exact in binary, so the fake clock lands on the deadline without rounding noise


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> InMemoryTokenStore:
    return InMemoryTokenStore()


def container(store: InMemoryTokenStore, clock: FakeClock) -> SharedTokenCache:
    """One Lambda container's cache; several of them share one store."""
    return SharedTokenCache(
        store,
        refresh_margin_seconds=MARGIN,
        lease_seconds=LEASE,
        wait_seconds=WAIT,
        poll_seconds=POLL,
        clock=clock,
        sleep=clock.sleep,
    )


def test_cache_key_depends_on_host_and_consumer_key_and_hides_the_key() -> None:
    keys = {
        cache_key("https://sandbox.safaricom.co.ke", "consumer-key"),
        cache_key("https://api.safaricom.co.ke", "consumer-key"),
        cache_key("https://sandbox.safaricom.co.ke", "other-key"),
    }
    assert len(keys) == 3
    assert all("consumer-key" not in key and len(key) == 40 for key in keys)


def test_first_get_fetches_once_and_publishes_the_token(store: InMemoryTokenStore, clock: FakeClock) -> None:
    fetch = CountingFetcher(clock)
    cache = container(store, clock)

    assert cache.get(KEY, fetch) == "tok-1"
    assert cache.get(KEY, fetch) == "tok-1"

    assert fetch.calls == 1
    assert store.read(KEY) == AccessToken("tok-1", clock.now + 3599)
    assert store.lease_owner(KEY) is None  # released by the save
    assert clock.sleeps == []


def test_two_containers_sharing_a_store_fetch_once_in_total(
    store: InMemoryTokenStore, clock: FakeClock
) -> None:
    fetch = CountingFetcher(clock)
    first, second = container(store, clock), container(store, clock)

    assert first.get(KEY, fetch) == "tok-1"
    assert second.get(KEY, fetch) == "tok-1"
    assert second.get(KEY, fetch) == first.get(KEY, fetch) == "tok-1"

    assert fetch.calls == 1
    assert store.leases_granted == 1


def test_a_memory_hit_does_not_read_the_store(store: InMemoryTokenStore, clock: FakeClock) -> None:
    fetch = CountingFetcher(clock)
    cache = container(store, clock)
    cache.get(KEY, fetch)
    reads = store.reads

    for _ in range(5):
        clock.advance(60)
        assert cache.get(KEY, fetch) == "tok-1"

    assert store.reads == reads
    assert fetch.calls == 1


def test_a_second_container_reads_the_store_once_then_uses_memory(
    store: InMemoryTokenStore, clock: FakeClock
) -> None:
    fetch = CountingFetcher(clock)
    container(store, clock).get(KEY, fetch)
    other = container(store, clock)
    reads = store.reads

    other.get(KEY, fetch)
    other.get(KEY, fetch)

    assert store.reads == reads + 1
    assert fetch.calls == 1


@pytest.mark.parametrize(
    ("seconds_left", "refreshed"),
    [
        (3599, False),
        (600, False),
        (61, False),
        (60.5, False),
        (60, True),  # exactly at the margin: no longer good enough
        (59, True),
        (1, True),
        (0, True),
        (-30, True),  # already expired
    ],
)
def test_refresh_happens_within_the_margin_and_not_before(
    store: InMemoryTokenStore, clock: FakeClock, seconds_left: float, refreshed: bool
) -> None:
    fetch = CountingFetcher(clock, prefix="new")
    store.put(KEY, AccessToken("old", clock.now + seconds_left))
    cache = container(store, clock)

    token = cache.get(KEY, fetch)

    assert token == ("new-1" if refreshed else "old")
    assert fetch.calls == (1 if refreshed else 0)
    assert store.read(KEY).value == token  # type: ignore[union-attr]


def test_a_remembered_token_is_refreshed_when_time_brings_it_into_the_margin(
    store: InMemoryTokenStore, clock: FakeClock
) -> None:
    fetch = CountingFetcher(clock, lifetime=3599)
    cache = container(store, clock)
    cache.get(KEY, fetch)

    clock.advance(3599 - MARGIN - 1)
    assert cache.get(KEY, fetch) == "tok-1"
    assert fetch.calls == 1

    clock.advance(1)
    assert cache.get(KEY, fetch) == "tok-2"
    assert fetch.calls == 2


def test_replace_after_rejection_fetches_once_across_containers(
    store: InMemoryTokenStore, clock: FakeClock
) -> None:
    store.put(KEY, AccessToken("T", clock.now + 3000))
    fetch = CountingFetcher(clock, prefix="U")
    first, second = container(store, clock), container(store, clock)
    assert first.get(KEY, fetch) == second.get(KEY, fetch) == "T"
    assert fetch.calls == 0

    # Daraja rejects T on both containers.
    assert first.replace(KEY, "T", fetch) == "U-1"
    assert second.replace(KEY, "T", fetch) == "U-1"

    assert fetch.calls == 1
    reads = store.reads
    assert second.get(KEY, fetch) == first.get(KEY, fetch) == "U-1"  # both remember the new token
    assert store.reads == reads


def test_replace_never_hands_back_the_rejected_token(store: InMemoryTokenStore, clock: FakeClock) -> None:
    store.put(KEY, AccessToken("T", clock.now + 3000))  # T looks perfectly valid, but Daraja refused it
    fetch = CountingFetcher(clock, prefix="U")
    cache = container(store, clock)
    cache.get(KEY, fetch)

    assert cache.replace(KEY, "T", fetch) == "U-1"
    assert cache.get(KEY, fetch) == "U-1"
    assert fetch.calls == 1


def test_replace_of_an_unknown_token_returns_the_stored_one(
    store: InMemoryTokenStore, clock: FakeClock
) -> None:
    store.put(KEY, AccessToken("current", clock.now + 3000))
    fetch = CountingFetcher(clock)

    assert container(store, clock).replace(KEY, "long-gone", fetch) == "current"
    assert fetch.calls == 0


def test_while_another_container_renews_it_waits_for_their_token_rather_than_use_the_doomed_one(
    store: InMemoryTokenStore, clock: FakeClock
) -> None:
    # The race: T is inside the refresh margin, still valid, and another container holds the lease.
    # Daraja kills T the moment it issues theirs, so a push sent with T now would likely be refused
    # (measured: bench/token_economy.py --token-lifetime 80 had 3 pushes refused at each renewal).
    store.put(KEY, AccessToken("T", clock.now + 30))
    store.hold_lease(KEY, "other-container", clock.now + LEASE)

    def holder_saves(sleep_number: int) -> None:
        if sleep_number == 2:
            assert store.save(KEY, "other-container", AccessToken("theirs", clock.now + 3599))

    clock.on_sleep = holder_saves
    fetch = CountingFetcher(clock)

    assert container(store, clock).get(KEY, fetch) == "theirs"

    assert fetch.calls == 0
    assert clock.sleeps == [POLL] * 2


def test_a_renewal_that_outlasts_the_wait_falls_back_on_the_still_valid_token(
    store: InMemoryTokenStore, clock: FakeClock
) -> None:
    # Their OAuth call may never have reached Daraja, so T may still be good: better than failing.
    store.put(KEY, AccessToken("T", clock.now + 30))
    store.hold_lease(KEY, "slow-container", clock.now + 100)
    fetch = CountingFetcher(clock)
    start = clock.now

    assert container(store, clock).get(KEY, fetch) == "T"

    assert fetch.calls == 0
    assert clock.now - start == WAIT
    assert store.lease_owner(KEY) == "slow-container"


@pytest.mark.parametrize("stored", [None, AccessToken("T", 1_700_000_000.0 - 5)], ids=["nothing", "expired"])
def test_with_no_usable_token_it_waits_and_rereads_until_the_holder_saves(
    store: InMemoryTokenStore, clock: FakeClock, stored: AccessToken | None
) -> None:
    if stored is not None:
        store.put(KEY, stored)
    store.hold_lease(KEY, "other-container", clock.now + 100)

    def holder_finishes(sleep_number: int) -> None:
        if sleep_number == 3:
            assert store.save(KEY, "other-container", AccessToken("theirs", clock.now + 3599))

    clock.on_sleep = holder_finishes
    fetch = CountingFetcher(clock)
    reads = store.reads

    assert container(store, clock).get(KEY, fetch) == "theirs"

    assert fetch.calls == 0
    assert clock.sleeps == [POLL] * 3
    assert store.reads - reads == 4  # once before each pause and once after the last


@pytest.mark.parametrize(
    ("stored", "rejected"),
    [
        (None, None),
        (AccessToken("T", 1_700_000_000.0 - 5), None),
        (AccessToken("T", 1_700_000_000.0 + 3000), "T"),  # valid in time, but Daraja just refused it
    ],
    ids=["nothing", "expired", "rejected"],
)
def test_it_gives_up_with_not_sent_after_wait_seconds(
    store: InMemoryTokenStore, clock: FakeClock, stored: AccessToken | None, rejected: str | None
) -> None:
    if stored is not None:
        store.put(KEY, stored)
    store.hold_lease(KEY, "stuck-container", clock.now + 100)
    fetch = CountingFetcher(clock)
    cache = container(store, clock)
    start = clock.now

    def obtain() -> str:
        return cache.get(KEY, fetch) if rejected is None else cache.replace(KEY, rejected, fetch)

    with pytest.raises(DarajaNotSent, match="timed out"):
        obtain()

    assert fetch.calls == 0
    assert clock.now - start == WAIT
    assert clock.sleeps == [POLL] * int(WAIT / POLL)


def test_an_expired_lease_of_a_crashed_holder_is_taken_over(
    store: InMemoryTokenStore, clock: FakeClock
) -> None:
    store.put(KEY, AccessToken("T", clock.now - 5))
    store.hold_lease(KEY, "crashed-container", clock.now - 1)
    fetch = CountingFetcher(clock, prefix="mine")

    assert container(store, clock).get(KEY, fetch) == "mine-1"
    assert fetch.calls == 1
    assert store.lease_owner(KEY) is None
    assert clock.sleeps == []


def test_a_lost_lease_on_save_rereads_the_store(store: InMemoryTokenStore, clock: FakeClock) -> None:
    slow, fast = container(store, clock), container(store, clock)
    fast_fetch = CountingFetcher(clock, prefix="fast")

    def slow_fetch_outlives_its_lease() -> None:
        clock.advance(LEASE + 1)
        # Meanwhile another container finds the lease expired, takes it and saves its own token.
        assert fast.get(KEY, fast_fetch) == "fast-1"

    slow_fetch = CountingFetcher(clock, prefix="slow", during=slow_fetch_outlives_its_lease)

    assert slow.get(KEY, slow_fetch) == "fast-1"

    assert (slow_fetch.calls, fast_fetch.calls) == (1, 1)
    assert store.saves_refused == 1
    assert store.read(KEY).value == "fast-1"  # type: ignore[union-attr]
    reads = store.reads
    assert slow.get(KEY, slow_fetch) == "fast-1"  # and it remembers the winner's token
    assert store.reads == reads


def test_a_failed_fetch_propagates_and_fetches_nothing_else(
    store: InMemoryTokenStore, clock: FakeClock
) -> None:
    def failing_fetch() -> AccessToken:
        raise DarajaNotSent("could not connect to Daraja")

    with pytest.raises(DarajaNotSent, match="could not connect"):
        container(store, clock).get(KEY, failing_fetch)
    assert store.read(KEY) is None


def test_a_failed_fetch_gives_the_lease_up_so_the_next_caller_fetches_at_once(
    store: InMemoryTokenStore, clock: FakeClock
) -> None:
    def failing_fetch() -> AccessToken:
        raise DarajaNotSent("could not connect to Daraja")

    with pytest.raises(DarajaNotSent):
        container(store, clock).get(KEY, failing_fetch)
    fetcher = CountingFetcher(clock)
    started = clock.now

    assert store.lease_owner(KEY) is None
    assert container(store, clock).get(KEY, fetcher) == "tok-1"
    assert clock.now == started  # no waiting out a dead lease
    assert fetcher.calls == 1


@pytest.mark.parametrize("operation", ["get", "replace"])
def test_threads_on_two_containers_fetch_exactly_once(operation: str) -> None:
    store = InMemoryTokenStore()
    caches = [SharedTokenCache(store, poll_seconds=0.005, wait_seconds=10) for _ in range(2)]
    if operation == "replace":
        store.put(KEY, AccessToken("rejected", time.time() + 3000))
    threads_per_cache = 8
    start = threading.Barrier(threads_per_cache * len(caches))
    fetch = CountingFetcher(time.time, during=lambda: time.sleep(0.05))
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(cache: SharedTokenCache) -> None:
        try:
            start.wait(timeout=10)
            value = cache.get(KEY, fetch) if operation == "get" else cache.replace(KEY, "rejected", fetch)
            with lock:
                results.append(value)
        except BaseException as error:  # reported by the assertions below
            with lock:
                errors.append(error)

    threads = [
        threading.Thread(target=worker, args=(cache,)) for cache in caches for _ in range(threads_per_cache)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert fetch.calls == 1
    assert results == ["tok-1"] * threads_per_cache * len(caches)
    assert store.leases_granted == 1
