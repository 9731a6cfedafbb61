"""Customer to Business (C2B): URL registration, simulated payments (validation, then confirmation)
and confirmations without validation for the control API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import requests
from flask import Blueprint, Response, jsonify

from local.simulator.callbacks import post_json
from local.simulator.clock import daraja_timestamp, nairobi_now
from local.simulator.errors import ControlInputError, DarajaError, invalid_field
from local.simulator.ids import new_receipt_number, random_digits
from local.simulator.oauth import require_access_token
from local.simulator.receipts import register_customer_payment
from local.simulator.rules import MAX_CALLBACK_DELAY_MS, Rule
from local.simulator.state import Exchange, SimulatorState, get_state
from local.simulator.validation import (
    FieldChecks,
    as_text,
    digits,
    is_http_url,
    is_msisdn,
    is_whole_amount,
    json_object_body,
    one_of,
    validate_fields,
    whole_amount,
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


# --- simulated payments ------------------------------------------------------------------------

SIMULATE_V1 = "/mpesa/c2b/v1/simulate"
SIMULATE_V2 = "/mpesa/c2b/v2/simulate"
PAYBILL = "CustomerPayBillOnline"
BUY_GOODS = "CustomerBuyGoodsOnline"
TRANSACTION_TYPES = {PAYBILL: "Pay Bill", BUY_GOODS: "Buy Goods"}
BILL_REF_MAX_LENGTH = 20
# M-Pesa gives up on a validation URL after about 8 s, whatever our callback timeout is.
VALIDATION_DEADLINE_SECONDS = 8.0
OPENING_BALANCE = 1000  # a short code's balance before its first simulated payment
CUSTOMER_NAME = ("JOHN", "", "DOE")  # FirstName, MiddleName, LastName

SIMULATE_CHECKS: FieldChecks = (
    ("ShortCode", digits(5, 7)),
    ("CommandID", one_of(PAYBILL, BUY_GOODS)),
    ("Amount", is_whole_amount),
    ("Msisdn", is_msisdn),
)


@dataclass(frozen=True)
class C2BPayment:
    """One customer payment and what became of it; `validation` is None until the URL was called."""

    trans_id: str
    trans_time: str  # Nairobi YYYYMMDDHHmmss
    short_code: str
    command_id: str
    amount: int
    msisdn: str
    bill_ref: str
    originator_conversation_id: str | None  # None for a confirmation sent through the control API
    validation: dict[str, Any] | None = None
    confirmed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "trans_id": self.trans_id,
            "trans_time": self.trans_time,
            "short_code": self.short_code,
            "command_id": self.command_id,
            "msisdn": self.msisdn,
            "amount": self.amount,
            "bill_ref": self.bill_ref,
            "originator_conversation_id": self.originator_conversation_id,
            "validation": self.validation,
            "confirmed": self.confirmed,
        }


def no_urls_registered() -> DarajaError:
    return DarajaError(500, "500.003.1001", "No URLs registered for the short code")


def bill_ref_number(value: Any, command_id: str) -> str | None:
    """The account number a payment carries, or None when invalid: a paybill needs one (at most
    20 characters); a till has none, so whatever was sent (a string, a number or null) becomes ""."""
    if value is None and command_id == BUY_GOODS:
        return ""
    text = as_text(value)
    if text is None or len(text) > BILL_REF_MAX_LENGTH:
        return None
    if command_id == BUY_GOODS:
        return ""
    return text if text.strip() else None


def masked_msisdn(msisdn: str) -> str:
    # Production v2 callbacks hide the middle of the number, e.g. "2547 ***** 149".
    return f"{msisdn[:4]} ***** {msisdn[-3:]}"


def callback_body(
    payment: C2BPayment, version: str, *, balance: str = "", third_party_trans_id: str = ""
) -> dict[str, Any]:
    """The validation body, or the confirmation body when given the balance after the payment."""
    first_name, middle_name, last_name = CUSTOMER_NAME
    return {
        "TransactionType": TRANSACTION_TYPES[payment.command_id],
        "TransID": payment.trans_id,
        "TransTime": payment.trans_time,
        "TransAmount": f"{payment.amount}.00",
        "BusinessShortCode": payment.short_code,
        "BillRefNumber": payment.bill_ref,
        "InvoiceNumber": "",
        "OrgAccountBalance": balance,
        "ThirdPartyTransID": third_party_trans_id,
        "MSISDN": masked_msisdn(payment.msisdn) if version == "v2" else payment.msisdn,
        "FirstName": first_name,
        "MiddleName": middle_name,
        "LastName": last_name,
    }


def http_exchange(url: str, body: dict[str, Any], timeout_seconds: float) -> tuple[int, Any]:
    response = requests.post(url, json=body, timeout=timeout_seconds)
    try:
        return response.status_code, response.json()
    except ValueError:  # not JSON: no answer M-Pesa can read
        return response.status_code, None


def exchange_for(state: SimulatorState) -> Exchange:
    """The set exchange; else HTTP, or the injected `deliver`, which yields a status but no answer."""
    if state.c2b_exchange is not None:
        return state.c2b_exchange
    if state.deliver is post_json:
        return http_exchange
    deliver = state.deliver
    return lambda url, body, timeout_seconds: (deliver(url, body, timeout_seconds), None)


def record_payment(
    state: SimulatorState,
    *,
    short_code: str,
    command_id: str,
    amount: int,
    msisdn: str,
    bill_ref: str,
    originator_conversation_id: str | None,
) -> C2BPayment:
    while True:  # 36^9 receipts per first letter: a retry is all but never needed
        payment = C2BPayment(
            trans_id=new_receipt_number(),
            trans_time=daraja_timestamp(nairobi_now()),
            short_code=short_code,
            command_id=command_id,
            amount=amount,
            msisdn=msisdn,
            bill_ref=bill_ref,
            originator_conversation_id=originator_conversation_id,
        )
        if state.c2b_payments.add(payment.trans_id, payment):
            return payment


def _settle(
    state: SimulatorState, payment: C2BPayment, validation: dict[str, Any] | None, confirmed: bool
) -> None:
    # A record cleared through the control API in the meantime stays cleared.
    state.c2b_payments.update(
        payment.trans_id,
        lambda current: (
            None if current is None else replace(current, validation=validation, confirmed=confirmed)
        ),
    )


def _confirm(
    state: SimulatorState,
    registration: C2BRegistration,
    payment: C2BPayment,
    *,
    validation: dict[str, Any] | None,
    third_party_trans_id: str = "",
    delay_ms: int = 0,
    extra_copies: int = 0,
    drop: bool = False,
) -> None:
    balance = state.c2b_balances.update(
        payment.short_code, lambda current: (OPENING_BALANCE if current is None else current) + payment.amount
    )
    _settle(state, payment, validation, confirmed=True)
    register_customer_payment(
        state.receipts,  # known to reversals and status queries from now on
        payment.trans_id,
        amount=payment.amount,
        msisdn=payment.msisdn,
        short_code=payment.short_code,
        reason_type=TRANSACTION_TYPES[payment.command_id],
    )
    if drop:  # the money moved, but M-Pesa never sends the confirmation: only Pull Transactions lists it
        return
    body = callback_body(
        payment, registration.version, balance=f"{balance}.00", third_party_trans_id=third_party_trans_id
    )
    state.dispatcher.schedule(
        registration.confirmation_url, body, delay_ms=delay_ms, extra_copies=extra_copies
    )


def _call_validation(state: SimulatorState, url: str, body: dict[str, Any]) -> tuple[int | None, Any]:
    """POSTs the validation body; logs it with the other callbacks; (status, answer), None when none."""
    timeout_seconds = min(state.settings.callback_timeout_seconds, VALIDATION_DEADLINE_SECONDS)
    status: int | None = None
    answer: Any = None
    error: str | None = None
    try:
        status, answer = exchange_for(state)(url, body, timeout_seconds)
    except Exception as exc:  # unreachable, refused or too slow: the ResponseType decides
        error = f"{type(exc).__name__}: {exc}"
    state.callback_log.append(
        {"url": url, "body": body, "attempt": 1, "status": status, "error": error, "answer": answer}
    )
    return status, answer


def _is_accepting(result_code: Any) -> bool:
    # "0" or 0; not False or 0.0, which merely compare equal to 0.
    return result_code == "0" or (type(result_code) is int and result_code == 0)


def _validate_then_confirm(
    state: SimulatorState, registration: C2BRegistration, payment: C2BPayment, rule: Rule
) -> None:
    status, answer = _call_validation(
        state, registration.validation_url, callback_body(payment, registration.version)
    )
    # Only an HTTP 200 JSON answer with a ResultCode is a verdict; the log keeps any other answer.
    verdict = status == 200 and isinstance(answer, dict) and "ResultCode" in answer
    result_code = answer["ResultCode"] if verdict else None
    validation = {"status": status, "result_code": result_code}
    # Without a verdict, M-Pesa does what the registration's ResponseType says.
    accepted = _is_accepting(result_code) if verdict else registration.response_type == "Completed"
    if not accepted or state.jobs.stopping:
        _settle(state, payment, validation, confirmed=False)
        return
    third_party = as_text(answer.get("ThirdPartyTransID")) if isinstance(answer, dict) else None
    _confirm(
        state,
        registration,
        payment,
        validation=validation,
        third_party_trans_id=third_party or "",
        extra_copies=rule.duplicate_callbacks,
        drop=rule.drop_callback,
    )


@blueprint.post(SIMULATE_V1)
@blueprint.post(SIMULATE_V2)
@require_access_token
def simulate() -> Response:
    body = json_object_body()
    validate_fields(body, SIMULATE_CHECKS)
    command_id: str = body["CommandID"]
    bill_ref = bill_ref_number(body.get("BillRefNumber"), command_id)
    if bill_ref is None:
        raise invalid_field("BillRefNumber")
    state = get_state()
    registration = state.c2b_registrations.get(as_text(body["ShortCode"]) or "")
    if registration is None:
        raise no_urls_registered()
    conversation_id = new_originator_conversation_id()
    payment = record_payment(
        state,
        short_code=registration.short_code,
        command_id=command_id,
        amount=whole_amount(body["Amount"]) or 0,  # validated above, so never 0
        msisdn=as_text(body["Msisdn"]) or "",
        bill_ref=bill_ref,
        originator_conversation_id=conversation_id,
    )
    rule = state.rules.for_msisdn(payment.msisdn)
    state.jobs.schedule(
        rule.callback_delay_ms,
        lambda: _validate_then_confirm(state, registration, payment, rule),
    )
    return jsonify(
        {
            "OriginatorCoversationID": conversation_id,  # Safaricom's spelling
            "ResponseCode": "0",
            "ResponseDescription": "Accept the service request successfully.",
        }
    )


# --- confirmations without validation (control API) ---------------------------------------------

CONFIRMATION_FIELDS = ("short_code", "msisdn", "amount", "bill_ref_number", "command_id", "delay_ms")


@dataclass(frozen=True)
class DirectConfirmation:
    short_code: str
    msisdn: str
    amount: int
    command_id: str
    bill_ref: str
    delay_ms: int


def parse_direct_confirmation(body: Any) -> DirectConfirmation:
    """Like simulate's fields, but an empty account number is allowed: confirmations carry what the
    customer typed, and the gateway must cope with an empty one."""
    if not isinstance(body, dict):
        raise ControlInputError("body", "must be a JSON object")
    unknown = sorted(set(body) - set(CONFIRMATION_FIELDS))
    if unknown:
        raise ControlInputError(unknown[0], "is not a confirmation field")
    if not digits(5, 7)(body.get("short_code")):
        raise ControlInputError("short_code", "must be 5 to 7 digits")
    if not is_msisdn(body.get("msisdn")):
        raise ControlInputError("msisdn", "must be 2547XXXXXXXX or 2541XXXXXXXX")
    amount = whole_amount(body.get("amount"))
    if amount is None:
        raise ControlInputError("amount", "must be a whole number of shillings, at least 1")
    command_id = body.get("command_id", PAYBILL)
    if not one_of(PAYBILL, BUY_GOODS)(command_id):
        raise ControlInputError("command_id", f"must be {PAYBILL} or {BUY_GOODS}")
    raw_bill_ref = body.get("bill_ref_number")
    bill_ref = "" if raw_bill_ref is None else as_text(raw_bill_ref)
    if bill_ref is None or len(bill_ref) > BILL_REF_MAX_LENGTH:
        raise ControlInputError(
            "bill_ref_number", f"must be text of at most {BILL_REF_MAX_LENGTH} characters"
        )
    delay_ms = body.get("delay_ms", 0)
    if (
        isinstance(delay_ms, bool)
        or not isinstance(delay_ms, int)
        or not 0 <= delay_ms <= MAX_CALLBACK_DELAY_MS
    ):
        raise ControlInputError("delay_ms", f"must be an integer between 0 and {MAX_CALLBACK_DELAY_MS}")
    return DirectConfirmation(
        short_code=as_text(body["short_code"]) or "",
        msisdn=as_text(body["msisdn"]) or "",
        amount=amount,
        command_id=command_id,
        bill_ref=bill_ref if command_id == PAYBILL else "",  # a till payment has no account number
        delay_ms=delay_ms,
    )


def confirm_without_validation(state: SimulatorState, request: DirectConfirmation) -> C2BPayment | None:
    """Sends a confirmation to the registered ConfirmationURL; None when the short code has none."""
    registration = state.c2b_registrations.get(request.short_code)
    if registration is None:
        return None
    payment = record_payment(
        state,
        short_code=request.short_code,
        command_id=request.command_id,
        amount=request.amount,
        msisdn=request.msisdn,
        bill_ref=request.bill_ref,
        originator_conversation_id=None,
    )
    rule = state.rules.for_msisdn(request.msisdn)
    _confirm(
        state,
        registration,
        payment,
        validation=None,
        delay_ms=request.delay_ms,
        extra_copies=rule.duplicate_callbacks,
        drop=rule.drop_callback,
    )
    return payment
