"""Callback delivery in the background, like Safaricom: no signature, no retries."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import requests

from local.simulator.logs import EventLog

# deliver(url, body, timeout_seconds) -> HTTP status; raising means the POST failed.
Deliver = Callable[[str, dict[str, Any], float], int]

DUPLICATE_GAP_SECONDS = 0.05


def post_json(url: str, body: dict[str, Any], timeout_seconds: float) -> int:
    response = requests.post(url, json=body, timeout=timeout_seconds)
    return response.status_code


class CallbackDispatcher:
    def __init__(self, deliver: Deliver, timeout_seconds: float, log: EventLog) -> None:
        self._deliver = deliver
        self._timeout_seconds = timeout_seconds
        self._log = log
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._timers: set[threading.Timer] = set()

    def schedule(
        self, url: str, body: dict[str, Any], *, delay_ms: int, extra_copies: int = 0, first_attempt: int = 1
    ) -> None:
        """Sends `body` after the delay, then `extra_copies` duplicates; never blocks the caller."""
        timer: threading.Timer

        def run() -> None:
            try:
                self._send_copies(url, body, first_attempt, first_attempt + extra_copies)
            finally:
                with self._lock:
                    self._timers.discard(timer)

        timer = threading.Timer(delay_ms / 1000, run)
        timer.daemon = True  # a pending callback must not keep a dev server or test run alive
        with self._lock:
            if self._stopping.is_set():
                return
            self._timers.add(timer)
        timer.start()

    def schedule_each(self, url: str, body: dict[str, Any], delays_ms: list[int]) -> None:
        """One copy of `body` per delay, each on its own timer: copies may overtake one another."""
        for attempt, delay_ms in enumerate(delays_ms, start=1):
            self.schedule(url, body, delay_ms=delay_ms, first_attempt=attempt)

    def deliver_now(self, url: str, body: dict[str, Any], *, extra_copies: int = 0) -> None:
        """Delivers `body` on the caller's thread and waits for the receiver's answer; duplicates follow."""
        if self._stopping.is_set():
            return
        self._send_once(url, body, 1)
        if extra_copies:
            gap_ms = int(DUPLICATE_GAP_SECONDS * 1000)
            self.schedule(url, body, delay_ms=gap_ms, extra_copies=extra_copies - 1, first_attempt=2)

    def shutdown(self) -> None:
        """Cancels pending deliveries; tests call it so no timer outlives its app."""
        self._stopping.set()
        with self._lock:
            timers = list(self._timers)
            self._timers.clear()
        for timer in timers:
            timer.cancel()

    def _send_copies(self, url: str, body: dict[str, Any], first_attempt: int, last_attempt: int) -> None:
        for attempt in range(first_attempt, last_attempt + 1):
            if attempt > first_attempt and self._stopping.wait(DUPLICATE_GAP_SECONDS):
                return
            self._send_once(url, body, attempt)

    def _send_once(self, url: str, body: dict[str, Any], attempt: int) -> None:
        status: int | None = None
        error: str | None = None
        try:
            status = self._deliver(url, body, self._timeout_seconds)
        except Exception as exc:  # any failure is recorded, never retried: Safaricom does not retry
            error = f"{type(exc).__name__}: {exc}"
        self._log.append({"url": url, "body": body, "attempt": attempt, "status": status, "error": error})
