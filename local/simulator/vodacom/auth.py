"""getSession, the session guard of every other Vodacom endpoint, and the portal's public key.

A client sends `Authorization: Bearer base64(RSA PKCS#1 v1.5 encryption of X)` with the portal's public
key, X being its API key for getSession and the session id for everything else, plus an `Origin`
header (any value).
"""

from __future__ import annotations

import base64
import functools
import hmac
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

from cryptography.hazmat.primitives import serialization
from flask import Response, g, jsonify, request

from local.simulator.logs import note_outcome
from local.simulator.security import decrypt_base64, process_key
from local.simulator.state import get_state
from local.simulator.vodacom.codes import (
    INVALID_API_KEY,
    SESSION_EXPIRED,
    SESSION_NOT_ACTIVE,
    SUCCESS,
    VALIDATION_FAILED,
    VodacomError,
    answer,
    vodacom_blueprint,
)
from local.simulator.vodacom.markets import Market, route
from local.simulator.vodacom.sessions import SessionState

blueprint = vodacom_blueprint("vodacom_auth")

PORTAL_KEY = "Vodacom portal"  # the purpose the process's key pair is filed under
PUBLIC_KEY_PATH = "/simulator/vodacom/public-key"
APP_KEY = "vodacom_app"  # flask.g: the app (API key name) whose session the request carries

P = ParamSpec("P")
R = TypeVar("R")


def portal_public_key() -> str:
    """The portal's public key as Vodacom's portal shows it: base64 DER (SubjectPublicKeyInfo)."""
    der = (
        process_key(PORTAL_KEY)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode()


@blueprint.get(PUBLIC_KEY_PATH)
def public_key() -> Response:
    return jsonify({"public_key": portal_public_key()})


def _bearer_plaintext() -> str | None:
    """What the bearer decrypts to, or None when it is missing or not made with the portal's key."""
    if "Origin" not in request.headers:
        raise VodacomError(VALIDATION_FAILED)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    plaintext = decrypt_base64(process_key(PORTAL_KEY), token.strip())
    try:
        return None if plaintext is None else plaintext.decode()
    except UnicodeDecodeError:  # implicit rejection's random bytes
        return None


def _api_key_name(api_key: str, keys: Mapping[str, str]) -> str | None:
    matches = [name for name, key in keys.items() if hmac.compare_digest(key.encode(), api_key.encode())]
    return matches[0] if matches else None


@route(blueprint, "getSession", "GET")
def get_session(market: Market) -> tuple[Response, int]:
    state = get_state()
    api_key = _bearer_plaintext()
    name = None if api_key is None else _api_key_name(api_key, state.settings.vodacom_api_keys)
    if name is None:
        raise VodacomError(INVALID_API_KEY)
    session_id = state.vodacom_sessions.issue(name)
    note_outcome(market=market.name, app=name)  # never the session id: it is a credential
    return answer(SUCCESS, SessionID=session_id)


def session_app() -> str | None:
    """The app whose session the current (guarded) request carries."""
    app: str | None = g.get(APP_KEY)
    return app


def require_session(view: Callable[P, R]) -> Callable[P, R]:
    """Guards a Vodacom endpoint: the bearer must be an active session, checked before the request."""

    @functools.wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        session_id = _bearer_plaintext()
        if session_id is None:
            raise VodacomError(INVALID_API_KEY)
        sessions = get_state().vodacom_sessions
        session = sessions.state(session_id)
        if session is SessionState.NOT_ACTIVE:
            raise VodacomError(SESSION_NOT_ACTIVE)
        if session is SessionState.EXPIRED:
            raise VodacomError(SESSION_EXPIRED)
        setattr(g, APP_KEY, sessions.api_key_name(session_id))
        return view(*args, **kwargs)

    return guarded
