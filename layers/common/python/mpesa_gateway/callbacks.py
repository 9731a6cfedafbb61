"""What every Safaricom callback shares: where it is sent, and reading its body without losing it."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mpesa_gateway.inputs import load_json
from mpesa_gateway.models import DarajaCredentials, PaymentApp

Model = TypeVar("Model", bound=BaseModel)
# Enough of an unparseable body to inspect, without storing whatever a stranger sends whole.
_KEPT_CHARACTERS = 10_000
# Daraja's callbacks are a few kilobytes; a larger body is kept as unparseable (a DynamoDB item holds 400 KB).
MAX_CALLBACK_CHARACTERS = 64 * 1024


def callback_url(base_url: str, app: PaymentApp, credentials: DarajaCredentials, route: str) -> str:
    """An app's callback route, carrying the app's secret (Safaricom signs nothing)."""
    secret = credentials.callback_secret.get_secret_value()
    return f"{base_url}/api/pay/{app.app_id}/{route}?secret={secret}"


def read_callback(raw_body: str | None, model: type[Model]) -> tuple[dict[str, Any], Model | None]:
    """The body to store as received (always), and the parsed model when the body is one.

    What is not a JSON object of sane size and depth is stored as its first characters, "unparseable".
    """
    text = raw_body or ""
    unparseable = {"unparseable": text[:_KEPT_CHARACTERS]}
    if len(text) > MAX_CALLBACK_CHARACTERS:
        return unparseable, None
    try:
        body = load_json(text)
    except ValueError:  # not JSON, or nested too deeply
        return unparseable, None
    if not isinstance(body, dict):
        return unparseable, None
    try:
        return body, model.model_validate(body)
    except ValidationError:
        return body, None


def stored_as(body: dict[str, Any], model: type[Model]) -> Model | None:
    """A stored callback's body as the model, when it is one (the reconciler re-applies these)."""
    try:
        return model.model_validate(body)
    except ValidationError:
        return None
