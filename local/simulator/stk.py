"""Lipa Na M-Pesa Online: STK push and STK push query."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, jsonify

from local.simulator.clock import daraja_timestamp, nairobi_now
from local.simulator.credentials import check_merchant_password
from local.simulator.errors import invalid_field, overloaded
from local.simulator.faults import Delivery, callback_delay_ms, send_callback
from local.simulator.ids import new_checkout_request_id, new_merchant_request_id, new_receipt_number
from local.simulator.logs import note_outcome
from local.simulator.oauth import require_access_token
from local.simulator.outcomes import Outcome
from local.simulator.receipts import register_customer_payment
from local.simulator.rules import Rule
from local.simulator.settings import SimulatorSettings
from local.simulator.state import SimulatorState, get_state
from local.simulator.validation import (
    FieldChecks,
    as_text,
    digits,
    is_http_url,
    is_msisdn,
    is_whole_amount,
    json_object_body,
    one_of,
    recent_timestamp,
    text_length,
    validate_fields,
    whole_amount,
)

blueprint = Blueprint("daraja_stk", __name__)

PUSH = "/mpesa/stkpush/v1/processrequest"
ACCEPTED = "Success. Request accepted for processing"
SHORTCODE = digits(5, 7)
PASSWORD = text_length(1, 1024)


@dataclass(frozen=True)
class StkTransaction:
    merchant_request_id: str
    checkout_request_id: str
    shortcode: str
    amount: int
    phone_number: str
    outcome: Outcome


def _push_checks(settings: SimulatorSettings) -> FieldChecks:
    return (
        ("BusinessShortCode", SHORTCODE),
        ("Password", PASSWORD),
        ("Timestamp", recent_timestamp(settings.timestamp_tolerance_seconds)),
        ("TransactionType", one_of("CustomerPayBillOnline", "CustomerBuyGoodsOnline")),
        ("Amount", is_whole_amount),
        ("PartyA", is_msisdn),
        ("PartyB", SHORTCODE),
        ("PhoneNumber", is_msisdn),
        ("CallBackURL", is_http_url),
        ("AccountReference", text_length(1, 12)),
        ("TransactionDesc", text_length(0, 13)),
    )


def _query_checks(settings: SimulatorSettings) -> FieldChecks:
    return (
        ("BusinessShortCode", SHORTCODE),
        ("Password", PASSWORD),
        ("Timestamp", recent_timestamp(settings.timestamp_tolerance_seconds)),
        ("CheckoutRequestID", text_length(1, 64)),
    )


@blueprint.post(PUSH)
@require_access_token
def stk_push() -> Response:
    state = get_state()
    body = json_object_body()
    validate_fields(body, _push_checks(state.settings))
    shortcode = check_merchant_password(body, state.settings.passkeys)
    phone_number = as_text(body["PhoneNumber"]) or ""
    rule = state.rules.for_msisdn(phone_number)
    delay_ms = callback_delay_ms(rule.callback_delay_ms)
    transaction = _record_transaction(state, shortcode, whole_amount(body["Amount"]) or 0, rule, delay_ms)
    delivery = Delivery.DROPPED
    if not rule.drop_callback:
        delivery = send_callback(
            state,
            body["CallBackURL"],
            _callback_body(transaction, delay_ms),
            delay_ms=delay_ms,
            extra_copies=rule.duplicate_callbacks,
        )
    note_outcome(
        checkout_request_id=transaction.checkout_request_id,
        merchant_request_id=transaction.merchant_request_id,
        result_code=transaction.outcome.result_code,
        callback=delivery.value,
    )
    # The push is already under way, so a client that times out here must reconcile by query.
    time.sleep(rule.response_delay_ms / 1000)
    return jsonify(
        {
            "MerchantRequestID": transaction.merchant_request_id,
            "CheckoutRequestID": transaction.checkout_request_id,
            "ResponseCode": "0",
            "ResponseDescription": ACCEPTED,
            "CustomerMessage": ACCEPTED,
        }
    )


@blueprint.post("/mpesa/stkpushquery/v1/query")
@require_access_token
def stk_query() -> Response:
    state = get_state()
    body = json_object_body()
    validate_fields(body, _query_checks(state.settings))
    shortcode = check_merchant_password(body, state.settings.passkeys)
    transaction = state.stk.get(body["CheckoutRequestID"])
    if transaction is None or transaction.shortcode != shortcode:
        raise invalid_field("CheckoutRequestID")
    if not transaction.outcome.is_settled():
        # Daraja's way of saying PENDING; a client must not read it as a failure.
        raise overloaded("The transaction is being processed")
    return jsonify(
        {
            "ResponseCode": "0",
            "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": transaction.merchant_request_id,
            "CheckoutRequestID": transaction.checkout_request_id,
            "ResultCode": str(transaction.outcome.result_code),
            "ResultDesc": transaction.outcome.result_desc,
        }
    )


def _record_transaction(
    state: SimulatorState, shortcode: str, amount: int, rule: Rule, delay_ms: int
) -> StkTransaction:
    outcome = Outcome.after(rule.result_code, delay_ms)
    while True:  # ids carry 10 random digits, so a retry is all but never needed
        transaction = StkTransaction(
            merchant_request_id=new_merchant_request_id(),
            checkout_request_id=new_checkout_request_id(nairobi_now()),
            shortcode=shortcode,
            amount=amount,
            phone_number=rule.msisdn,
            outcome=outcome,
        )
        if state.stk.add(transaction.checkout_request_id, transaction):
            return transaction


def _callback_body(transaction: StkTransaction, delay_ms: int) -> dict[str, Any]:
    outcome = transaction.outcome
    callback: dict[str, Any] = {
        "MerchantRequestID": transaction.merchant_request_id,
        "CheckoutRequestID": transaction.checkout_request_id,
        "ResultCode": outcome.result_code,
        "ResultDesc": outcome.result_desc,
    }
    if outcome.is_success:
        settled_at = nairobi_now() + timedelta(milliseconds=delay_ms)
        items = _success_items(transaction, int(daraja_timestamp(settled_at)))
        callback["CallbackMetadata"] = {"Item": items}
    return {"Body": {"stkCallback": callback}}


def _success_items(transaction: StkTransaction, transaction_date: int) -> list[dict[str, Any]]:
    receipt = register_customer_payment(
        get_state().receipts,  # known to reversals and status queries from now on
        new_receipt_number(),
        amount=transaction.amount,
        msisdn=transaction.phone_number,
        short_code=transaction.shortcode,
        reason_type="Lipa Na M-Pesa Online Payment",
    )
    return [
        # Daraja sends e.g. 1.00, which JSON readers see as a float; so do we.
        {"Name": "Amount", "Value": float(transaction.amount)},
        {"Name": "MpesaReceiptNumber", "Value": receipt},
        {"Name": "Balance"},  # Daraja sends Balance without a Value
        {"Name": "TransactionDate", "Value": transaction_date},
        {"Name": "PhoneNumber", "Value": int(transaction.phone_number)},
    ]
