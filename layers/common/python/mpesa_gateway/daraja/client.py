"""Daraja HTTP client: pooled session, explicit timeouts, one token refresh on rejection, no blind retries."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NameResolutionError, NewConnectionError
from urllib3.util.retry import Retry

from mpesa_gateway import budget
from mpesa_gateway.daraja.errors import (
    NOT_DONE_SERVER_CODES,
    DarajaError,
    DarajaNotSent,
    DarajaOutcomeUnknown,
)
from mpesa_gateway.daraja.payloads import DarajaArray, DarajaBody
from mpesa_gateway.daraja.token_cache import AccessToken, SharedTokenCache, cache_key

OAUTH_PATH = "/oauth/v1/generate"
# Connection set-up is tried this many times (see pooled_session); each may take the connect timeout.
CONNECT_ATTEMPTS = 3
# Below this much read time a request is not worth sending: it would likely end "outcome unknown".
MIN_READ_SECONDS = 2.0


def pooled_session(pool_size: int = 10) -> requests.Session:
    """A keep-alive session that retries only connection set-up, which never reaches Daraja.

    Reads and status codes are never retried: a POST that was sent may already have charged someone.
    """
    retry = Retry(
        total=None, connect=CONNECT_ATTEMPTS - 1, read=0, status=0, other=0, redirect=0, backoff_factor=0.2
    )
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=retry)
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@dataclass(frozen=True)
class Timeouts:
    connect: float
    read: float

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)

    def within(self, seconds: float) -> Timeouts | None:
        """These timeouts cut so that every connect attempt plus the read fit in `seconds`; None when
        too little would be left to read an answer."""
        available = seconds - CONNECT_ATTEMPTS * self.connect
        if available < min(self.read, MIN_READ_SECONDS):
            return None
        return Timeouts(self.connect, min(self.read, available))


class DarajaClient:
    """Calls one Daraja host with one app's consumer credentials."""

    def __init__(
        self,
        base_url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        session: requests.Session,
        tokens: SharedTokenCache,
        timeouts: Timeouts,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self._session = session
        self._tokens = tokens
        self._timeouts = timeouts
        self._token_key = cache_key(self._base_url, consumer_key)

    def post(self, path: str, body: DarajaBody | DarajaArray[Any]) -> dict[str, Any]:
        """POST a product request; a rejected token is refreshed once and the call retried once.

        The retry is safe: Daraja refused the first attempt before doing anything with it.
        """
        payload = body.as_json()
        token = self._tokens.get(self._token_key, self._fetch_token)
        try:
            return self._post_with(token, path, payload)
        except DarajaError as error:
            if not error.is_invalid_token:
                raise
        token = self._tokens.replace(self._token_key, token, self._fetch_token)
        return self._post_with(token, path, payload)

    def _post_with(
        self, token: str, path: str, payload: dict[str, Any] | list[dict[str, Any]]
    ) -> dict[str, Any]:
        response = self._send("POST", path, json=payload, headers={"Authorization": f"Bearer {token}"})
        return _json_or_raise(response)

    def _fetch_token(self) -> AccessToken:
        try:
            response = self._send(
                "GET",
                OAUTH_PATH,
                params={"grant_type": "client_credentials"},
                auth=(self._consumer_key, self._consumer_secret),
            )
            body = _json_or_raise(response)
        except DarajaOutcomeUnknown as error:
            # Only a token was asked for: the product request itself has not left.
            raise DarajaNotSent(f"no Daraja token: {error}") from error
        try:
            # expires_in comes as a string ("3599").
            return AccessToken(body["access_token"], time.time() + float(body["expires_in"]))
        except (KeyError, TypeError, ValueError) as error:
            raise DarajaError(response.status_code, "invalid_oauth_answer", "no usable token") from error

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return bounded_request(self._session, self._timeouts, method, f"{self._base_url}{path}", **kwargs)


def bounded_request(
    session: requests.Session,
    timeouts: Timeouts,
    method: str,
    url: str,
    *,
    upstream: str = "Daraja",
    **kwargs: Any,
) -> requests.Response:
    """One request to an M-Pesa API (Daraja's, or Vodacom's) within the invocation's time; what went
    wrong says whether it may have been acted on (DarajaOutcomeUnknown) or surely was not (DarajaNotSent)."""
    what = f"{method} {urlsplit(url).path}"
    bounded = timeouts.within(budget.remaining())
    if bounded is None:
        raise DarajaNotSent(f"too little time left to call {upstream} ({what})")
    try:
        return session.request(method, url, timeout=bounded.as_tuple(), **kwargs)
    except requests.ConnectTimeout as error:
        raise DarajaNotSent(f"could not connect to {upstream} ({what})") from error
    except requests.ConnectionError as error:
        if _never_connected(error):
            raise DarajaNotSent(f"could not connect to {upstream} ({what})") from error
        raise DarajaOutcomeUnknown(f"connection lost waiting for {upstream} ({what})") from error
    except requests.Timeout as error:
        raise DarajaOutcomeUnknown(f"no answer from {upstream} in time ({what})") from error


def _never_connected(error: requests.ConnectionError) -> bool:
    """True when the connection was never established (refused, DNS), so nothing was sent."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError | NameResolutionError)


def _json_or_raise(response: requests.Response) -> dict[str, Any]:
    """Daraja's answer; a refusal only when Daraja's own error JSON says nothing was done."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.ok and isinstance(body, dict):
        return body
    error = None
    if isinstance(body, dict) and "errorCode" in body:
        error = DarajaError(response.status_code, str(body["errorCode"]), str(body.get("errorMessage", "")))
        if response.status_code < 500 or error.error_code in NOT_DONE_SERVER_CODES:
            raise error
    # A proxy's HTML page, another server error, or an answer we cannot read: it may have been done.
    raise DarajaOutcomeUnknown(
        f"unusable answer from Daraja (HTTP {response.status_code}{f', {error}' if error else ''})", error
    )
