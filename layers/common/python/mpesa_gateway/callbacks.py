"""What every Safaricom callback shares: where it is sent, and reading its body without losing it."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mpesa_gateway.models import DarajaCredentials, PaymentApp

Model = TypeVar("Model", bound=BaseModel)
# Enough of an unparseable body to inspect, without storing whatever a stranger sends whole.
_KEPT_CHARACTERS = 10_000


def callback_url(base_url: str, app: PaymentApp, credentials: DarajaCredentials, route: str) -> str:
    """An app's callback route, carrying the app's secret (Safaricom signs nothing)."""
    secret = credentials.callback_secret.get_secret_value()
    return f"{base_url}/api/pay/{app.app_id}/{route}?secret={secret}"


def read_callback(raw_body: str | None, model: type[Model]) -> tuple[dict[str, Any], Model | None]:
    """The body to store as received (always), and the parsed model when the body is one."""
    try:
        body = json.loads(raw_body or "")
    except ValueError:
        return {"unparseable": (raw_body or "")[:_KEPT_CHARACTERS]}, None
    if not isinstance(body, dict):
        return {"unparseable": body}, None
    try:
        return body, model.model_validate(body)
    except ValidationError:
        return body, None
