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

    def schedule(self, url: str, body: dict[str, Any], *, delay_ms: int, extra_copies: int = 0) -> None:
        """Sends `body` after the delay, then `extra_copies` duplicates; never blocks the caller."""
        timer: threading.Timer

        def run() -> None:
            try:
                self._send_copies(url, body, 1 + extra_copies)
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

    def shutdown(self) -> None:
        """Cancels pending deliveries; tests call it so no timer outlives its app."""
        self._stopping.set()
        with self._lock:
            timers = list(self._timers)
            self._timers.clear()
        for timer in timers:
            timer.cancel()

    def _send_copies(self, url: str, body: dict[str, Any], copies: int) -> None:
        for attempt in range(1, copies + 1):
            if attempt > 1 and self._stopping.wait(DUPLICATE_GAP_SECONDS):
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
