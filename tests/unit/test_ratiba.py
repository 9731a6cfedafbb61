"""Ratiba: the merchant's request and its limits, the callback in both of Safaricom's spellings, the
settlement each code means, and the webhook event each outcome is. Pure; the flow is in integration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from mpesa_gateway.daraja.formats import nairobi_now
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.events.derive import transaction_events
from mpesa_gateway.events.models import EventType
from mpesa_gateway.models import TransactionStatus, TransactionType
from mpesa_gateway.ratiba.models import StandingOrderCallback, StandingOrderRequest
from mpesa_gateway.ratiba.service import check_dates_and_amount, settlement
from tests.unit.test_events import transaction

TODAY = nairobi_now().date()
ORDER: dict[str, Any] = {
    "name": "Gym membership",
    "phone_number": "0712345678",
    "amount": 1500,
    "start_date": TODAY.isoformat(),
    "end_date": (TODAY + timedelta(days=30)).isoformat(),
    "frequency": 4,
    "reference": "MEMBER-42",
}


def test_a_request_normalises_the_phone_and_keeps_the_frequency():
    order = StandingOrderRequest.model_validate(ORDER)

    assert (order.phone_number, order.frequency.value, order.description) == (
        "254712345678",
        4,
        "Recurring",
    )
    check_dates_and_amount(order, 250_000)  # starting today is allowed


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"frequency": 9}, "frequency"),
        ({"frequency": 0}, "frequency"),
        ({"frequency": "monthly"}, "frequency"),
        ({"amount": 0}, "amount"),
        ({"amount": True}, "amount"),
        ({"phone_number": "0812345678"}, "phone_number"),
        ({"start_date": "2026-12-01T00:00:00Z"}, "start_date"),
        ({"end_date": "next year"}, "end_date"),
        ({"reference": "THIRTEEN-CHAR"}, "reference"),
        ({"description": "fourteen chars"}, "description"),
        ({"name": ""}, "name"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_malformed_request_is_refused_naming_the_field(change: dict[str, Any], field: str):
    with pytest.raises(ValidationError) as refused:
        StandingOrderRequest.model_validate({**ORDER, **change})

    assert refused.value.errors()[0]["loc"][0] == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_date": (TODAY - timedelta(days=1)).isoformat()}, "start_date"),
        ({"end_date": TODAY.isoformat()}, "end_date"),
        ({"amount": 250_001}, "amount"),
    ],
)
def test_dates_against_today_and_each_other_and_the_amount_ceiling_are_checked(
    change: dict[str, Any], field: str
):
    order = StandingOrderRequest.model_validate({**ORDER, **change})

    with pytest.raises(InvalidRequest) as refused:
        check_dates_and_amount(order, 250_000)

    assert refused.value.details["field"] == field


SUCCESS_CALLBACK = {  # Safaricom's sample: lower-case keys
    "responseHeader": {
        "responseRefID": "0acc0239-20fa-4a52-8b9d-9bd64c0465c3",
        "requestRefID": "0acc0239-20fa-4a52-8b9d-9bd64c0465c3",
        "responseCode": "0",
        "responseDescription": "The service request is processed successfully",
    },
    "responseBody": {
        "responseData": [
            {"name": "TransactionID", "value": "SC8F2IQMH5"},
            {"name": "responseCode", "value": "0"},
            {"name": "Status", "value": "OKAY"},
            {"name": "Msisdn", "value": "254******867"},
        ]
    },
}
FAILED_CALLBACK = {  # Safaricom's sample: capitalised keys
    "ResponseHeader": {
        "responseRefID": "4dd9b5d9-d738-42ba-9326-2cc99e966000",
        "requestRefID": "c8c2bb31-3b3a-402e-84fc-21ef35161e48",
        "responseCode": "1037",
        "responseDescription": "Error",
    },
    "ResponseBody": {
        "ResponseData": [
            {"Name": "TransactionID", "Value": "0000000000"},
            {"Name": "responseCode", "Value": "1037"},
            {"Name": "Status", "Value": "ERROR"},
        ]
    },
}


def test_an_approval_in_lower_case_keys_completes_with_its_transaction_id():
    parsed = StandingOrderCallback.model_validate(SUCCESS_CALLBACK)

    settled = settlement(parsed)

    assert parsed.key == "0acc0239-20fa-4a52-8b9d-9bd64c0465c3"
    assert (settled.status, settled.result_code, settled.receipt_number) == (
        TransactionStatus.COMPLETED,
        0,
        "SC8F2IQMH5",
    )
    assert settled.result_parameters == {
        "TransactionID": "SC8F2IQMH5",
        "responseCode": "0",
        "Status": "OKAY",
        "Msisdn": "254******867",
    }


def test_a_failure_in_capitalised_keys_settles_by_its_code_without_the_placeholder_receipt():
    parsed = StandingOrderCallback.model_validate(FAILED_CALLBACK)

    settled = settlement(parsed)

    assert parsed.key == "4dd9b5d9-d738-42ba-9326-2cc99e966000"
    assert (settled.status, settled.result_code, settled.receipt_number) == (
        TransactionStatus.TIMEOUT,
        1037,
        None,
    )


@pytest.mark.parametrize(
    ("code", "status"),
    [(1032, TransactionStatus.CANCELLED), (1050, TransactionStatus.FAILED), (2001, TransactionStatus.FAILED)],
)
def test_each_refusal_code_is_its_status(code: int, status: TransactionStatus):
    body = {"ResponseHeader": {"responseRefID": "r", "responseCode": str(code)}}

    assert settlement(StandingOrderCallback.model_validate(body)).status is status


def test_a_callback_without_a_header_is_not_a_ratiba_callback():
    with pytest.raises(ValidationError):
        StandingOrderCallback.model_validate({"Body": {"stkCallback": {}}})


@pytest.mark.parametrize(
    ("status", "event"),
    [
        (TransactionStatus.COMPLETED, EventType.STANDING_ORDER_CREATED),
        (TransactionStatus.CANCELLED, EventType.STANDING_ORDER_FAILED),
        (TransactionStatus.EXPIRED, EventType.STANDING_ORDER_FAILED),
    ],
)
def test_a_settled_standing_order_is_one_event(status: TransactionStatus, event: EventType):
    before = transaction(TransactionType.STANDING_ORDER)

    events = transaction_events(before, before.model_copy(update={"status": status}))

    assert [kind for _, kind in events] == [event]
