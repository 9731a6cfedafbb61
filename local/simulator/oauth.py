"""OAuth token endpoint and the bearer-token guard every product endpoint uses."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Blueprint, Response, jsonify, request

from local.simulator.errors import invalid_access_token, invalid_authentication, invalid_grant_type
from local.simulator.state import get_state

blueprint = Blueprint("daraja_oauth", __name__)

GENERATE = "/oauth/v1/generate"

P = ParamSpec("P")
R = TypeVar("R")


@blueprint.get(GENERATE)
def generate_token() -> Response:
    if request.args.get("grant_type") != "client_credentials":
        raise invalid_grant_type()
    state = get_state()
    consumer_key = _authenticated_consumer_key(state.settings.credentials)
    token = state.tokens.issue(consumer_key)
    # expires_in is a string in Daraja's answer; clients that expect a number break on it.
    return jsonify({"access_token": token, "expires_in": str(state.tokens.ttl_seconds)})


def _authenticated_consumer_key(credentials: dict[str, str]) -> str:
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username or auth.password is None:
        raise invalid_authentication()
    secret = credentials.get(auth.username)
    if secret is None or not hmac.compare_digest(secret.encode(), auth.password.encode()):
        raise invalid_authentication()
    return auth.username


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def require_access_token(view: Callable[P, R]) -> Callable[P, R]:
    """Guards a Daraja product view: Daraja checks the token before it reads the body."""

    @functools.wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        token = _bearer_token()
        if token is None or not get_state().tokens.is_valid(token):
            raise invalid_access_token()
        return view(*args, **kwargs)

    return guarded


def caller_consumer_key() -> str | None:
    """The consumer key of the request's bearer token (after require_access_token accepted it)."""
    token = _bearer_token()
    return get_state().tokens.consumer_key(token) if token else None
