"""Vodacom's INS- response codes, their HTTP statuses, and the error answer every Vodacom view raises.

The statuses follow Vodacom's published table (see /work/ISSUE15_FACTS.md for where they differ from
what was first pinned); the simulator's own session codes INS-989 and INS-991 are not in that table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, jsonify


@dataclass(frozen=True)
class InsCode:
    http_status: int
    description: str


SUCCESS = "INS-0"
INTERNAL_ERROR = "INS-1"
INVALID_API_KEY = "INS-2"
CANCELLED = "INS-5"
FAILED = "INS-6"
TIMEOUT = "INS-9"
DUPLICATE = "INS-10"
INVALID_SHORTCODE = "INS-13"
INVALID_REFERENCE = "INS-14"
INVALID_AMOUNT = "INS-15"
OVERLOADED = "INS-16"
INVALID_REFERENCE_LENGTH = "INS-17"
INVALID_TRANSACTION_ID = "INS-18"
INVALID_THIRD_PARTY_ID = "INS-19"
MISSING_PARAMETERS = "INS-20"
VALIDATION_FAILED = "INS-21"
RECEIVER_INVALID = "INS-2002"
INSUFFICIENT_BALANCE = "INS-2006"
INVALID_MSISDN = "INS-2051"
INVALID_MARKET = "INS-998"
SESSION_NOT_ACTIVE = "INS-989"
SESSION_EXPIRED = "INS-991"

CODES: dict[str, InsCode] = {
    SUCCESS: InsCode(200, "Request processed successfully"),
    INTERNAL_ERROR: InsCode(500, "Internal Error"),
    INVALID_API_KEY: InsCode(401, "Invalid API Key"),
    "INS-4": InsCode(401, "User is not active"),
    CANCELLED: InsCode(401, "Transaction cancelled by customer"),
    FAILED: InsCode(401, "Transaction Failed"),
    TIMEOUT: InsCode(408, "Request timeout"),
    DUPLICATE: InsCode(409, "Duplicate Transaction"),
    INVALID_SHORTCODE: InsCode(400, "Invalid Shortcode Used"),
    INVALID_REFERENCE: InsCode(400, "Invalid Reference Used"),
    INVALID_AMOUNT: InsCode(400, "Invalid Amount Used"),
    OVERLOADED: InsCode(503, "Unable to handle the request due to a temporary overloading"),
    INVALID_REFERENCE_LENGTH: InsCode(
        400, "Invalid Transaction Reference. Length Should Be Between 1 and 20."
    ),
    INVALID_TRANSACTION_ID: InsCode(400, "Invalid TransactionID Used"),
    INVALID_THIRD_PARTY_ID: InsCode(400, "Invalid ThirdPartyReference Used"),
    MISSING_PARAMETERS: InsCode(400, "Not All Parameters Provided. Please try again."),
    VALIDATION_FAILED: InsCode(400, "Parameter validations failed. Please try again."),
    "INS-22": InsCode(400, "Invalid Operation Type"),
    "INS-23": InsCode(400, "Unknown Status. Contact M-Pesa Support"),
    "INS-24": InsCode(400, "Invalid InitiatorIdentifier Used"),
    "INS-25": InsCode(400, "Invalid SecurityCredential Used"),
    "INS-26": InsCode(400, "Not authorized"),
    "INS-993": InsCode(400, "Direct Debit Missing"),
    "INS-994": InsCode(400, "Direct Debit Already Exists"),
    "INS-995": InsCode(400, "Customer's Profile Has Problems"),
    "INS-996": InsCode(400, "Customer Account Status Not Active"),
    "INS-997": InsCode(400, "Linking Transaction Not Found"),
    INVALID_MARKET: InsCode(400, "Invalid Market"),
    "INS-2001": InsCode(400, "Initiator authentication error."),
    RECEIVER_INVALID: InsCode(400, "Receiver invalid."),
    INSUFFICIENT_BALANCE: InsCode(422, "Insufficient balance"),
    INVALID_MSISDN: InsCode(400, "MSISDN invalid."),
    "INS-2057": InsCode(400, "Language code invalid."),
    SESSION_NOT_ACTIVE: InsCode(401, "Session is not active"),
    SESSION_EXPIRED: InsCode(401, "Session expired"),
}


def code_for_rule(result_code: int) -> str:
    """A rule's result_code read as an INS- number (5: INS-5); one Vodacom has no code for fails (INS-6)."""
    code = f"INS-{result_code}"
    return code if code in CODES else FAILED


class VodacomError(Exception):
    """Raised in a Vodacom view; answered as `{"output_ResponseCode", "output_ResponseDesc", ...}`."""

    def __init__(self, code: str, **outputs: str) -> None:
        super().__init__(code)
        self.code = code
        self.outputs = outputs  # more output_* fields, e.g. the ConversationID of a declined payment


def answer(code: str, status: int | None = None, /, **outputs: str) -> tuple[Response, int]:
    """Vodacom's answer: the code, its description, then `outputs` as output_<name> fields."""
    known = CODES[code]
    body: dict[str, Any] = {"output_ResponseCode": code, "output_ResponseDesc": known.description}
    body.update({f"output_{name}": value for name, value in outputs.items()})
    return jsonify(body), status or known.http_status


def error_response(error: VodacomError) -> tuple[Response, int]:
    return answer(error.code, **error.outputs)


def vodacom_blueprint(name: str) -> Blueprint:
    """A blueprint whose views answer VodacomError in Vodacom's shape."""
    blueprint = Blueprint(name, __name__)
    blueprint.register_error_handler(VodacomError, error_response)
    return blueprint
