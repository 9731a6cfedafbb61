"""Vodacom sessions: usable after an activation delay, until their lifetime ends."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum

from local.simulator.clock import Monotonic
from local.simulator.ids import new_hex_id

# A dev server that issues a session per request must not grow without bound.
MAX_SESSIONS = 10_000


class SessionState(StrEnum):
    ACTIVE = "active"
    NOT_ACTIVE = "not_active"  # issued, still within its activation delay
    EXPIRED = "expired"  # past its lifetime, or never issued


@dataclass(frozen=True)
class _Session:
    api_key_name: str  # which configured key it was made with, for the control API
    active_at: float
    expires_at: float


class SessionStore:
    def __init__(self, clock: Monotonic, activation_seconds: float, lifetime_seconds: float) -> None:
        self._clock = clock
        self._activation_seconds = activation_seconds
        self._lifetime_seconds = lifetime_seconds
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}

    def issue(self, api_key_name: str) -> str:
        now = self._clock()
        session_id = new_hex_id()
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                self._forget_expired(now)
            self._sessions[session_id] = _Session(
                api_key_name, now + self._activation_seconds, now + self._lifetime_seconds
            )
        return session_id

    def state(self, session_id: str) -> SessionState:
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None or now >= session.expires_at:
            return SessionState.EXPIRED
        return SessionState.ACTIVE if now >= session.active_at else SessionState.NOT_ACTIVE

    def api_key_name(self, session_id: str) -> str | None:
        """Which configured API key the session was made with (None when unknown)."""
        with self._lock:
            session = self._sessions.get(session_id)
        return None if session is None else session.api_key_name

    def _forget_expired(self, now: float) -> None:
        for session_id in [key for key, session in self._sessions.items() if now >= session.expires_at]:
            del self._sessions[session_id]
        if len(self._sessions) >= MAX_SESSIONS:  # all alive: the oldest goes
            del self._sessions[next(iter(self._sessions))]
