"""Customer to Business (C2B): URL registration; simulate will build on the stored registrations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify

from local.simulator.errors import DarajaError
from local.simulator.ids import random_digits
from local.simulator.oauth import require_access_token
from local.simulator.state import get_state
from local.simulator.validation import (
    FieldChecks,
    as_text,
    digits,
    is_http_url,
    json_object_body,
    one_of,
    validate_fields,
)

blueprint = Blueprint("daraja_c2b", __name__)

REGISTER_V1 = "/mpesa/c2b/v1/registerurl"
REGISTER_V2 = "/mpesa/c2b/v2/registerurl"
# What M-Pesa does with a payment when the validation URL cannot be reached.
RESPONSE_TYPES = ("Completed", "Cancelled")
# Daraja refuses callback URLs that contain any of these, in any case, anywhere in the URL.
FORBIDDEN_URL_WORDS = ("m-pesa", "mpesa", "safaricom", "exe", "exec", "cmd", "sql", "query")


@dataclass(frozen=True)
class C2BRegistration:
    """The URLs M-Pesa calls for payments to one short code; `version` decides the callback shape."""

    short_code: str
    version: str  # "v1" or "v2"
    response_type: str
    confirmation_url: str
    validation_url: str
    registered_at: datetime  # UTC

    def to_json(self) -> dict[str, Any]:
        return {
            "short_code": self.short_code,
            "version": self.version,
            "response_type": self.response_type,
            "confirmation_url": self.confirmation_url,
            "validation_url": self.validation_url,
            "registered_at": self.registered_at.isoformat(timespec="milliseconds"),
        }


def has_forbidden_word(url: str) -> bool:
    lowered = url.lower()
    return any(word in lowered for word in FORBIDDEN_URL_WORDS)


def is_registrable_url(value: Any) -> bool:
    return is_http_url(value) and not has_forbidden_word(value)


REGISTER_CHECKS: FieldChecks = (
    ("ShortCode", digits(5, 7)),
    ("ResponseType", one_of(*RESPONSE_TYPES)),
    ("ConfirmationURL", is_registrable_url),
    ("ValidationURL", is_registrable_url),
)


def urls_already_registered() -> DarajaError:
    # Production answers a second registration like this; the sandbox has been seen to overwrite.
    return DarajaError(500, "500.003.1001", "Urls are already registered")


def new_originator_conversation_id() -> str:
    # Shaped like Daraja's, e.g. 6e86-45dd-91ac-fd5d4178ab523268581: a UUID's tail plus 7 digits.
    tail = uuid.uuid4().hex
    return f"{tail[:4]}-{tail[4:8]}-{tail[8:12]}-{tail[12:24]}{random_digits(7)}"


def registration_for(short_code: str) -> C2BRegistration | None:
    """The current app's registration for a short code; what C2B simulate will call."""
    return get_state().c2b_registrations.get(short_code)


@blueprint.post(REGISTER_V1, defaults={"version": "v1"})
@blueprint.post(REGISTER_V2, defaults={"version": "v2"})
@require_access_token
def register_url(version: str) -> Response:
    body = json_object_body()
    validate_fields(body, REGISTER_CHECKS)
    registration = C2BRegistration(
        short_code=as_text(body["ShortCode"]) or "",  # validated above, so never empty
        version=version,
        response_type=body["ResponseType"],
        confirmation_url=body["ConfirmationURL"],
        validation_url=body["ValidationURL"],
        registered_at=datetime.now(UTC),
    )
    # Check and store in one step, so two concurrent registrations cannot both succeed.
    if not get_state().c2b_registrations.add(registration.short_code, registration):
        raise urls_already_registered()
    return jsonify(
        {
            "OriginatorCoversationID": new_originator_conversation_id(),  # Safaricom's spelling
            "ResponseCode": "0",
            "ResponseDescription": "Success",
        }
    )
