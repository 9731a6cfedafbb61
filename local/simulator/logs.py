"""Bounded, thread-safe logs that the control API exposes to tests."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import g

# A long-running dev server must not grow without bound.
MAX_ENTRIES = 10_000
OUTCOME_KEY = "simulator_outcome"

Entry = dict[str, Any]


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class EventLog:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: deque[Entry] = deque(maxlen=max_entries)

    def append(self, entry: Entry) -> None:
        with self._lock:
            self._entries.append({"time": iso_now(), **entry})

    def entries(self, keep: Callable[[Entry], bool] | None = None) -> list[Entry]:
        with self._lock:
            snapshot = list(self._entries)
        return [entry for entry in snapshot if keep is None or keep(entry)]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def note_outcome(**fields: Any) -> None:
    """Called by a view that acted on its request: what Daraja did (ids, result, callback), for the logs."""
    setattr(g, OUTCOME_KEY, fields)


def noted_outcome() -> Entry | None:
    outcome: Entry | None = g.get(OUTCOME_KEY)
    return outcome
