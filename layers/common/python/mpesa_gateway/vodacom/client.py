"""Vodacom's OpenAPI over HTTP: one app's session, its bearer, and answers read by the money rule.

Sessions are shared by every container through the same table and lease as Daraja's tokens
(daraja.token_cache). A session is renewed `renew_margin` before it expires; a new one is usable only
after Vodacom activates it, so until then the session it replaced keeps serving. When no session is
active a request waits for one only as long as its invocation allows, else it is refused before
anything is sent (SessionNotActive).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from pydantic import ValidationError

from mpesa_gateway import budget
from mpesa_gateway.daraja.client import MIN_READ_SECONDS, Timeouts, bounded_request
from mpesa_gateway.daraja.errors import DarajaNotSent, DarajaOutcomeUnknown
from mpesa_gateway.daraja.token_cache import AccessToken, SharedTokenCache, cache_key
from mpesa_gateway.vodacom import codes
from mpesa_gateway.vodacom.errors import (
    SessionNotActive,
    VodacomNotSent,
    VodacomOutcomeUnknown,
    VodacomRefused,
)
from mpesa_gateway.vodacom.markets import Market
from mpesa_gateway.vodacom.payloads import GET_SESSION, VodacomAnswer, VodacomBody
from mpesa_gateway.vodacom.security import bearer

# Vodacom's portal and SDKs send an Origin header; its value is not checked.
ORIGIN = "*"


@dataclass(frozen=True)
class SessionTimes:
    lifetime_seconds: float  # how long a session lives after it is issued
    activation_seconds: float  # how long Vodacom takes to activate a new one
    # A request waits at most this long for a session to become active (and never past its deadline).
    wait_seconds: float


class _SessionRefused(Exception):
    def __init__(self, code: str, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code


class VodacomClient:
    """Calls one market of Vodacom's OpenAPI with one app's API key."""

    def __init__(
        self,
        host: str,
        *,
        is_live: bool,
        market: Market,
        api_key: str,
        public_key: str,
        http: requests.Session,
        sessions: SharedTokenCache,
        timeouts: Timeouts,
        times: SessionTimes,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        environment = "openapi" if is_live else "sandbox"
        self._base_url = f"{host.rstrip('/')}/{environment}/ipg/v2/{market.name}/"
        self._api_key = api_key
        self._public_key = public_key
        self._http = http
        self._sessions = sessions
        self._timeouts = timeouts
        self._times = times
        self._clock = clock
        self._sleep = sleep
        self._key = cache_key(self._base_url, api_key)

    def call(
        self, method: str, endpoint: str, body: VodacomBody, timeouts: Timeouts | None = None
    ) -> VodacomAnswer:
        """The answer to one request, sent once. A session Vodacom says has expired is renewed and the
        request sent again: Vodacom refused the first before doing anything with it."""
        token = self._session_token()
        session = self._usable(token)
        try:
            return self._send(method, endpoint, body, session, timeouts or self._timeouts)
        except _SessionRefused as refused:
            if refused.code != codes.SESSION_EXPIRED:
                raise SessionNotActive(
                    f"Vodacom's session is not active yet ({refused}); retry shortly"
                ) from None
        renewed = self._renew(session)
        try:
            return self._send(method, endpoint, body, self._usable(renewed), timeouts or self._timeouts)
        except _SessionRefused as refused:
            raise SessionNotActive(f"Vodacom refused a new session ({refused}); retry shortly") from None

    def ready(self) -> None:
        """Raises unless a session is active (or becomes so within the wait): checked before a request
        is claimed, so that one that cannot be sent is not marked as sent."""
        self._usable(self._session_token())

    # Sessions ------------------------------------------------------------------------------------

    def _session_token(self) -> AccessToken:
        try:
            return self._sessions.get_token(self._key, self._new_session)
        except DarajaNotSent as error:  # another container's renewal took too long
            raise VodacomNotSent(f"no Vodacom session: {error}") from error

    def _renew(self, rejected: str) -> AccessToken:
        try:
            return self._sessions.replace_token(self._key, rejected, self._new_session)
        except DarajaNotSent as error:
            raise VodacomNotSent(f"no Vodacom session: {error}") from error

    def _usable(self, token: AccessToken) -> str:
        """The session to send with: the newest if active, else the one it replaced; else wait for the
        newest if it becomes active soon enough, else refuse (nothing is sent)."""
        now = self._clock()
        if token.is_active(now):
            return token.value
        if token.previous is not None and token.previous.is_active(now):
            return token.previous.value
        wait = token.active_at - now
        allowed = min(self._times.wait_seconds, budget.remaining() - MIN_READ_SECONDS)
        if token.is_valid(now) and wait <= allowed:
            self._sleep(wait)
            return token.value
        raise SessionNotActive(
            f"Vodacom is activating the app's new session (in about {max(wait, 0):.0f} s); "
            "nothing was sent: retry then"
        )

    def _new_session(self) -> AccessToken:
        """getSession with the encrypted API key; its session serves once Vodacom has activated it."""
        issued = self._clock()
        try:
            response = bounded_request(
                self._http,
                self._timeouts,
                "GET",
                self._base_url + GET_SESSION,
                upstream="Vodacom",
                headers=self._headers(bearer(self._api_key, self._public_key)),
            )
        except (DarajaNotSent, DarajaOutcomeUnknown) as error:
            # Only a session was asked for: the product request itself has not left.
            raise VodacomNotSent(f"no Vodacom session: {error}") from error
        answer = _answer(response)
        if answer is None or answer.output_ResponseCode != codes.SUCCESS or not answer.output_SessionID:
            said = f"{answer.output_ResponseCode}: {answer.output_ResponseDesc}" if answer else "no answer"
            raise VodacomNotSent(f"Vodacom gave no session (HTTP {response.status_code}, {said})")
        # Both ends on the safe side: Vodacom issued it after we asked (it expires no sooner) and before
        # its answer came (it activates no later).
        return AccessToken(
            answer.output_SessionID,
            issued + self._times.lifetime_seconds,
            active_at=self._clock() + self._times.activation_seconds,
        )

    # Requests ------------------------------------------------------------------------------------

    def _headers(self, bearer_value: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {bearer_value}", "Origin": ORIGIN}

    def _send(
        self, method: str, endpoint: str, body: VodacomBody, session: str, timeouts: Timeouts
    ) -> VodacomAnswer:
        values = body.as_json()
        fields: dict[str, Any] = {"params": values} if method == "GET" else {"json": values}
        try:
            response = bounded_request(
                self._http,
                timeouts,
                method,
                self._base_url + endpoint,
                upstream="Vodacom",
                headers=self._headers(bearer(session, self._public_key)),
                **fields,
            )
        except DarajaNotSent as error:
            raise VodacomNotSent(str(error)) from error
        except DarajaOutcomeUnknown as error:
            raise VodacomOutcomeUnknown(str(error)) from error
        return _read(response)


def _answer(response: requests.Response) -> VodacomAnswer | None:
    try:
        return VodacomAnswer.model_validate(response.json())
    except (ValueError, ValidationError):
        return None


def _read(response: requests.Response) -> VodacomAnswer:
    """Vodacom's answer; a refusal only when its code says nothing was done (vodacom.codes)."""
    answer = _answer(response)
    code = answer.output_ResponseCode if answer else None
    if answer is not None and response.ok and code == codes.SUCCESS:
        return answer
    if (
        answer is not None
        and response.status_code == 401
        and code
        in (
            codes.SESSION_NOT_ACTIVE,
            codes.SESSION_EXPIRED,
        )
    ):
        raise _SessionRefused(answer.output_ResponseCode, answer.output_ResponseDesc)
    status = codes.refusal_status(code)
    if answer is not None and status is not None and response.status_code < 500:
        raise VodacomRefused(
            response.status_code, answer.output_ResponseCode, answer.output_ResponseDesc, status
        )
    said = f", {code}: {answer.output_ResponseDesc}" if answer else ""
    raise VodacomOutcomeUnknown(f"unusable answer from Vodacom (HTTP {response.status_code}{said})", code)
