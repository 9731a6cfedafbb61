"""M-Pesa Ratiba: standing orders, approved (or not) by the customer as their number's rule says.

Like STK, the customer's rule (POST /simulator/rules) sets the callback's result code and delay, and
may drop or repeat it. The customer's active standing orders are kept: a second one by the same name
ends in 1050, as on Daraja.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify

from local.simulator.errors import invalid_field
from local.simulator.faults import callback_delay_ms, send_callback
from local.simulator.ids import new_receipt_number
from local.simulator.oauth import require_access_token
from local.simulator.outcomes import SUCCESS, result_description
from local.simulator.state import SimulatorState, get_state
from local.simulator.validation import (
    FieldChecks,
    digits,
    is_http_url,
    is_msisdn,
    is_whole_amount,
    json_object_body,
    one_of,
    text_length,
    validate_fields,
)

blueprint = Blueprint("daraja_ratiba", __name__)

CREATE = "/standingorder/v1/createStandingOrderExternal"
PAYBILL = "Standing Order Customer Pay Bill"
BUY_GOODS = "Standing Order Customer Pay Marchant"  # Safaricom's spelling
# Which ReceiverPartyIdentifierType each TransactionType needs: 4 a paybill, 2 a till.
RECEIVER_TYPES = {PAYBILL: "4", BUY_GOODS: "2"}
DUPLICATE_NAME = 1050
ACCEPTED = "Request accepted for processing"
NO_TRANSACTION = "0000000000"  # a failed callback's TransactionID in Safaricom's sample
RATIBA_DESCRIPTIONS = {DUPLICATE_NAME: "The user already has a standing order with the same name."}


@dataclass(frozen=True)
class StandingOrder:
    name: str
    msisdn: str
    short_code: str
    amount: int
    start_date: str
    end_date: str
    frequency: str
    account_reference: str
    transaction_id: str


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 8 or not value.isdigit():
        return False
    try:
        datetime.strptime(value, "%Y%m%d")
    except ValueError:
        return False
    return True


CHECKS: FieldChecks = (
    ("StandingOrderName", text_length(1, 100)),
    ("StartDate", _is_date),
    ("EndDate", _is_date),
    ("BusinessShortCode", digits(5, 7)),
    ("TransactionType", one_of(PAYBILL, BUY_GOODS)),
    ("ReceiverPartyIdentifierType", one_of("2", "4")),
    ("Amount", is_whole_amount),
    ("PartyA", is_msisdn),
    ("CallBackURL", is_http_url),
    ("AccountReference", text_length(1, 12)),
    ("TransactionDesc", text_length(0, 13)),
    ("Frequency", one_of(*(str(frequency) for frequency in range(1, 9)))),
)


@blueprint.post(CREATE)
@require_access_token
def create_standing_order() -> Response:
    state = get_state()
    body = json_object_body()
    validate_fields(body, CHECKS)
    if RECEIVER_TYPES[body["TransactionType"]] != body["ReceiverPartyIdentifierType"]:
        raise invalid_field("ReceiverPartyIdentifierType")
    if body["EndDate"] <= body["StartDate"]:
        raise invalid_field("EndDate")
    ref_id = str(uuid.uuid4())
    rule = state.rules.for_msisdn(body["PartyA"])
    delay_ms = callback_delay_ms(rule.callback_delay_ms)
    result_code, transaction_id = _decide(state, body, rule.result_code)
    if not rule.drop_callback:
        send_callback(
            state,
            body["CallBackURL"],
            callback_body(ref_id, result_code, transaction_id, body["PartyA"]),
            delay_ms=delay_ms,
            extra_copies=rule.duplicate_callbacks,
        )
    header = {"responseRefID": ref_id, "responseCode": "200", "responseDescription": ACCEPTED}
    return jsonify(
        {
            "ResponseHeader": {**header, "ResultDesc": result_description(SUCCESS)},
            "ResponseBody": {"responseDescription": ACCEPTED, "responseCode": "200"},
        }
    )


def _decide(state: SimulatorState, body: dict[str, Any], rule_code: int) -> tuple[int, str]:
    """The customer's answer, and the standing order kept when they approve a new name."""
    if rule_code != SUCCESS:
        return rule_code, NO_TRANSACTION
    order = StandingOrder(
        name=body["StandingOrderName"],
        msisdn=body["PartyA"],
        short_code=str(body["BusinessShortCode"]),
        amount=int(body["Amount"]),
        start_date=body["StartDate"],
        end_date=body["EndDate"],
        frequency=body["Frequency"],
        account_reference=body["AccountReference"],
        transaction_id=new_receipt_number(),
    )
    if not state.standing_orders.add(f"{order.msisdn}#{order.name.lower()}", order):
        return DUPLICATE_NAME, NO_TRANSACTION
    return SUCCESS, order.transaction_id


def callback_body(ref_id: str, result_code: int, transaction_id: str, msisdn: str) -> dict[str, Any]:
    """As Safaricom's samples show it: the success one with lower-case keys, a failure capitalised."""
    succeeded = result_code == SUCCESS
    description = RATIBA_DESCRIPTIONS.get(result_code, result_description(result_code))
    items = [
        ("TransactionID", transaction_id),
        ("responseCode", str(result_code)),
        ("Status", "OKAY" if succeeded else "ERROR"),
        ("Msisdn", f"{msisdn[:3]}******{msisdn[-3:]}"),
    ]
    if succeeded:
        return {
            "responseHeader": {
                "responseRefID": ref_id,
                "requestRefID": ref_id,
                "responseCode": "0",
                "responseDescription": description,
            },
            "responseBody": {"responseData": [{"name": name, "value": value} for name, value in items]},
        }
    return {
        "ResponseHeader": {
            "responseRefID": ref_id,
            "requestRefID": ref_id,
            "responseCode": str(result_code),
            "responseDescription": description,
        },
        "ResponseBody": {"ResponseData": [{"Name": name, "Value": value} for name, value in items]},
    }


@blueprint.get("/simulator/standingOrders")
def list_standing_orders() -> Response:
    """Every standing order a customer approved."""
    return jsonify({"standing_orders": [asdict(order) for order in get_state().standing_orders.all()]})
