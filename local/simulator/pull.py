"""Pull Transactions: a short code registers for pull, then lists its C2B payments of the last 48 hours,
a page at a time by OffSetValue. Every payment M-Pesa completed is listed, including those whose
confirmation was dropped (a `drop_callback` rule) or never reached the gateway: that is what the API is for.

Shapes as in Safaricom's portal documentation (see mpesa_gateway.c2b.pull): the register answer carries
ResponseRefID, ResponseStatus, ShortCode and ResponseDescription; the query answer ResponseRefID,
ResponseCode, ResponseMessage and Response, a list holding one list of transactions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify

from local.simulator.c2b import BUY_GOODS, CUSTOMER_NAME, C2BPayment, is_registrable_url
from local.simulator.clock import NAIROBI, nairobi_now, parse_daraja_timestamp
from local.simulator.errors import DarajaError, invalid_field
from local.simulator.oauth import require_access_token
from local.simulator.state import get_state
from local.simulator.validation import (
    FieldChecks,
    as_text,
    digits,
    is_msisdn,
    json_object_body,
    one_of,
    validate_fields,
)

blueprint = Blueprint("daraja_pull", __name__)

REGISTER = "/pulltransactions/v1/register"
QUERY = "/pulltransactions/v1/query"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
RETENTION = timedelta(hours=48)
# The caller's clock and the time its request takes: a start this much older than 48 hours passes.
RETENTION_TOLERANCE = timedelta(minutes=2)
SUCCESS = "1000"
# Safaricom's transaction types as the query lists them.
TRANSACTION_TYPES = {BUY_GOODS: "c2b-buy-goods-debit"}
PAYBILL_TYPE = "c2b-pay-bill-debit"


@dataclass(frozen=True)
class PullRegistration:
    short_code: str
    nominated_number: str
    callback_url: str

    def to_json(self) -> dict[str, Any]:
        return {
            "short_code": self.short_code,
            "nominated_number": self.nominated_number,
            "callback_url": self.callback_url,
        }


def is_pull_date(value: Any) -> bool:
    return pull_date(value) is not None


def pull_date(value: Any) -> datetime | None:
    """A "YYYY-MM-DD HH:MM:SS" Nairobi moment, or None."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=NAIROBI)
    except ValueError:
        return None


REGISTER_CHECKS: FieldChecks = (
    ("ShortCode", digits(5, 7)),
    ("RequestType", one_of("Pull")),
    ("NominatedNumber", is_msisdn),
    ("CallBackURL", is_registrable_url),
)
QUERY_CHECKS: FieldChecks = (
    ("ShortCode", digits(5, 7)),
    ("StartDate", is_pull_date),
    ("EndDate", is_pull_date),
    ("OffSetValue", digits(1, 9)),
)


def response_ref_id() -> str:
    return uuid.uuid4().hex[:20]


@blueprint.post(REGISTER)
@require_access_token
def register() -> Response:
    body = json_object_body()
    validate_fields(body, REGISTER_CHECKS)
    short_code = as_text(body["ShortCode"]) or ""
    registration = PullRegistration(short_code, as_text(body["NominatedNumber"]) or "", body["CallBackURL"])
    added = get_state().pull_registrations.add(short_code, registration)
    return jsonify(
        {
            "ResponseRefID": response_ref_id(),
            "ResponseStatus": SUCCESS,
            "ShortCode": short_code,
            "ResponseDescription": "Shortcode Registered Successfully"
            if added
            else "Shortcode already registered",
        }
    )


@blueprint.post(QUERY)
@require_access_token
def query() -> Response:
    body = json_object_body()
    validate_fields(body, QUERY_CHECKS)
    start, end = pull_date(body["StartDate"]), pull_date(body["EndDate"])
    if start is None or end is None:  # validated above; kept for the type checker
        raise invalid_field("StartDate")
    now = nairobi_now()
    if start < now - RETENTION - RETENTION_TOLERANCE:
        raise invalid_field("StartDate")  # Daraja keeps 48 hours
    if end < start:
        raise invalid_field("EndDate")
    state = get_state()
    short_code = as_text(body["ShortCode"]) or ""
    if state.pull_registrations.get(short_code) is None:
        # The simulator's answer: Safaricom does not document the one for an unregistered short code.
        raise DarajaError(400, "400.002.02", "Bad Request - Invalid ShortCode: not registered for pull")
    offset = int(as_text(body["OffSetValue"]) or "0")
    listed = completed_payments(short_code, start, end)
    page = [pulled(payment) for payment in listed[offset : offset + state.pull_page_size]]
    return jsonify(
        {
            "ResponseRefID": response_ref_id(),
            "ResponseCode": SUCCESS,
            "ResponseMessage": "Success",
            "Response": [page] if page else [],
        }
    )


def completed_payments(short_code: str, start: datetime, end: datetime) -> list[C2BPayment]:
    """The short code's completed payments made in [start, end], oldest first: an order that paging keeps."""

    def made_at(payment: C2BPayment) -> datetime | None:
        return parse_daraja_timestamp(payment.trans_time)

    found = [
        payment
        for payment in get_state().c2b_payments.all()
        if payment.short_code == short_code and payment.confirmed
        and (moment := made_at(payment)) is not None and start <= moment <= end
    ]  # fmt: skip
    return sorted(found, key=lambda payment: payment.trans_time)  # stable: payments of one second in order


def pulled(payment: C2BPayment) -> dict[str, Any]:
    moment = parse_daraja_timestamp(payment.trans_time)
    return {
        "transactionId": payment.trans_id,
        "trxDate": moment.isoformat() if moment else payment.trans_time,
        "msisdn": payment.msisdn,
        "sender": " ".join(part for part in CUSTOMER_NAME if part),
        "transactiontype": TRANSACTION_TYPES.get(payment.command_id, PAYBILL_TYPE),
        "billreference": payment.bill_ref,
        "amount": f"{payment.amount}.00",
        "organizationname": f"Simulated organisation {payment.short_code}",
    }
