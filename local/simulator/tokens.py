"""OAuth access tokens with Daraja's rule: a new token for a consumer key kills the previous one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from local.simulator.ids import new_access_token


@dataclass(frozen=True)
class _Issued:
    consumer_key: str
    expires_at: float  # on the store's monotonic clock


class TokenStore:
    def __init__(self, ttl_seconds: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._by_token: dict[str, _Issued] = {}
        self._current: dict[str, str] = {}  # consumer_key -> its only live token

    @property
    def ttl_seconds(self) -> int:
        return self._ttl_seconds

    def issue(self, consumer_key: str) -> str:
        token = new_access_token()
        with self._lock:
            previous = self._current.get(consumer_key)
            if previous is not None:
                # The Daraja trap: concurrent callers each fetching a token break one another.
                self._by_token.pop(previous, None)
            self._current[consumer_key] = token
            self._by_token[token] = _Issued(consumer_key, self._clock() + self._ttl_seconds)
        return token

    def is_valid(self, token: str) -> bool:
        with self._lock:
            issued = self._by_token.get(token)
            return issued is not None and self._clock() < issued.expires_at

    def consumer_key(self, token: str) -> str | None:
        """The consumer key a live token was issued to (Daraja knows the app behind each token)."""
        with self._lock:
            issued = self._by_token.get(token)
            return issued.consumer_key if issued is not None and self._clock() < issued.expires_at else None
