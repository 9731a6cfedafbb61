"""One Daraja access token per consumer key, shared by every Lambda container.

Daraja invalidates the previous token whenever a new one is generated, so per-container caches make
containers knock each other's tokens out. Each container keeps an in-memory copy backed by one
DynamoDB item; a conditional write acts as a lease so exactly one caller fetches a new token, while
the others wait briefly and re-read (the current token, which the new one kills, only if that takes
too long).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from mpesa_gateway import budget
from mpesa_gateway.daraja.errors import DarajaNotSent


@dataclass(frozen=True)
class AccessToken:
    """A Daraja token, or a Vodacom session (usable only from `active_at`: Vodacom activates a new
    session some seconds after issuing it, and the one it replaces stays usable meanwhile)."""

    value: str
    expires_at: float  # epoch seconds
    active_at: float = 0.0  # epoch seconds; Daraja's tokens are usable at once
    # The token this one replaced, kept while this one is not yet active.
    previous: AccessToken | None = None

    def is_valid(self, now: float, margin: float = 0) -> bool:
        return now < self.expires_at - margin

    def is_active(self, now: float) -> bool:
        return self.active_at <= now < self.expires_at


class TokenStore(Protocol):
    """Persistence of the shared token: one record per cache key."""

    def read(self, key: str) -> AccessToken | None: ...

    def try_lease(self, key: str, owner: str, now: float, until: float, replacing: str | None) -> bool:
        """Take the refresh lease unless another holder's lease is live or the token already changed."""
        ...

    def save(self, key: str, owner: str, token: AccessToken) -> bool:
        """Store a fetched token and release the lease; False if the lease was lost meanwhile."""
        ...

    def release(self, key: str, owner: str) -> None:
        """Give the lease up without a token (the fetch failed), if still held by `owner`."""
        ...


TokenFetcher = Callable[[], AccessToken]


def cache_key(base_url: str, consumer_key: str) -> str:
    """Tokens belong to a consumer key on one Daraja host; the key itself is not stored in clear."""
    return hashlib.sha256(f"{base_url}\n{consumer_key}".encode()).hexdigest()[:40]


class SharedTokenCache:
    def __init__(
        self,
        store: TokenStore,
        *,
        refresh_margin_seconds: float = 60,
        lease_seconds: float = 10,
        wait_seconds: float = 8,
        poll_seconds: float = 0.2,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._margin = refresh_margin_seconds
        self._lease_seconds = lease_seconds
        self._wait_seconds = wait_seconds
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._sleep = sleep
        self._memory: dict[str, AccessToken] = {}
        self._owner = uuid.uuid4().hex  # this container, as lease holder

    def get(self, key: str, fetch: TokenFetcher) -> str:
        """A token that is valid for at least the refresh margin, refreshing it if needed."""
        return self.get_token(key, fetch).value

    def get_token(self, key: str, fetch: TokenFetcher) -> AccessToken:
        """As get, with the token's times and the token it replaced (Vodacom's sessions need both)."""
        remembered = self._memory.get(key)
        if remembered and remembered.is_valid(self._clock(), self._margin):
            return remembered
        return self._obtain(key, fetch, rejected=None)

    def replace(self, key: str, rejected: str, fetch: TokenFetcher) -> str:
        """Daraja refused `rejected`: get the token that replaced it, or fetch one exactly once."""
        return self.replace_token(key, rejected, fetch).value

    def replace_token(self, key: str, rejected: str, fetch: TokenFetcher) -> AccessToken:
        if (remembered := self._memory.get(key)) and remembered.value == rejected:
            del self._memory[key]
        return self._obtain(key, fetch, rejected=rejected)

    def _obtain(self, key: str, fetch: TokenFetcher, rejected: str | None) -> AccessToken:
        # Waiting must leave the invocation time to make the call the token is for.
        deadline = self._clock() + min(self._wait_seconds, budget.remaining())
        while True:
            now = self._clock()
            current = self._store.read(key)
            usable = current if current is not None and current.value != rejected else None
            if usable and usable.is_valid(now, self._margin):
                return self._remember(key, usable)
            replacing = current.value if current else None
            if self._store.try_lease(key, self._owner, now, now + self._lease_seconds, replacing):
                return self._fetch_and_share(key, fetch, usable)
            # Someone else is refreshing. Daraja kills the current token the moment it issues theirs, so
            # a request sent with it now would likely be refused: wait for theirs, and fall back on the
            # current one only if they take too long (their OAuth call may not have reached Daraja).
            if now >= deadline:
                if usable and usable.is_valid(now):
                    return usable
                raise DarajaNotSent("timed out waiting for another caller to refresh the Daraja token")
            self._sleep(self._poll_seconds)

    def _fetch_and_share(self, key: str, fetch: TokenFetcher, current: AccessToken | None) -> AccessToken:
        try:
            token = fetch()
        except Exception:
            # Let the next caller try at once rather than wait out a lease nobody is using.
            self._store.release(key, self._owner)
            raise
        now = self._clock()
        if not token.is_active(now) and current is not None and current.is_active(now):
            # Not usable yet (a Vodacom session): the one it replaces serves until it is.
            token = replace(token, previous=replace(current, previous=None))
        if not self._store.save(key, self._owner, token):
            # Our lease expired and someone else took over: their token is the live one.
            return self._obtain(key, fetch, rejected=token.value)
        return self._remember(key, token)

    def _remember(self, key: str, token: AccessToken) -> AccessToken:
        self._memory[key] = token
        return token
