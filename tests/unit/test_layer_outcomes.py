"""express.outcomes: result codes to statuses, amounts to money strings, callbacks to settlements."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mpesa_gateway.express.models import StkCallbackEnvelope
from mpesa_gateway.express.outcomes import from_callback, from_query, money, status_for
from mpesa_gateway.models import TransactionStatus

# The seed's STK callback bodies, as Safaricom POSTs them.
SUCCESS_BODY: dict[str, Any] = {
    "Body": {
        "stkCallback": {
            "MerchantRequestID": "29115-34620561-1",
            "CheckoutRequestID": "ws_CO_191220191020363925",
            "ResultCode": 0,
            "ResultDesc": "The service request is processed successfully.",
            "CallbackMetadata": {
                "Item": [
                    {"Name": "Amount", "Value": 1.00},
                    {"Name": "MpesaReceiptNumber", "Value": "QJI3R7GXWV"},
                    {"Name": "Balance"},
                    {"Name": "TransactionDate", "Value": 20260315143000},
                    {"Name": "PhoneNumber", "Value": 254712345678},
                ]
            },
        }
    }
}
CANCELLED_BODY: dict[str, Any] = {
    "Body": {
        "stkCallback": {
            "MerchantRequestID": "29115-34620561-1",
            "CheckoutRequestID": "ws_CO_191220191020363925",
            "ResultCode": 1032,
            "ResultDesc": "Request cancelled by user.",
        }
    }
}


def stk(body: dict[str, Any]) -> Any:
    return StkCallbackEnvelope.model_validate(body).Body.stkCallback


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (0, TransactionStatus.COMPLETED),
        (1032, TransactionStatus.CANCELLED),
        (1037, TransactionStatus.TIMEOUT),
        (1019, TransactionStatus.TIMEOUT),
        (1, TransactionStatus.FAILED),
        (2001, TransactionStatus.FAILED),
        (1001, TransactionStatus.FAILED),
        (1025, TransactionStatus.FAILED),
        (9999, TransactionStatus.FAILED),
        (-1, TransactionStatus.FAILED),
    ],
)
def test_status_for(code: int, status: TransactionStatus) -> None:
    assert status_for(code) is status
    assert status_for(code).is_final


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.00", "1.00"),
        (1, "1.00"),
        (1.0, "1.00"),
        (1.5, "1.50"),
        ("1.5", "1.50"),
        (100, "100.00"),
        ("250000", "250000.00"),
        (0.1, "0.10"),
        (None, None),
        (True, None),
        (False, None),
        ("x", None),
        ("", None),
        ("1,000", None),
    ],
)
def test_money(value: object, expected: str | None) -> None:
    assert money(value) == expected


def test_money_makes_equal_amounts_comparable() -> None:
    # The callback's Amount (a float) and the requested amount (an int) must compare equal as strings.
    assert money(1.00) == money(1) == money("1")


def test_from_callback_on_the_seeds_success_body() -> None:
    settlement = from_callback(stk(SUCCESS_BODY))
    assert settlement.status is TransactionStatus.COMPLETED
    assert settlement.result_code == 0
    assert settlement.result_desc == "The service request is processed successfully."
    assert settlement.settled_by == "callback"
    assert settlement.receipt_number == "QJI3R7GXWV"
    assert settlement.paid_amount == "1.00"
    assert settlement.paid_phone_number == "254712345678"
    assert settlement.transaction_date is not None
    assert settlement.transaction_date.isoformat() == "2026-03-15T14:30:00+03:00"
    assert settlement.transaction_date == datetime(2026, 3, 15, 11, 30, tzinfo=UTC)
    assert settlement.transaction_date.utcoffset() == timedelta(hours=3)


def test_the_valueless_balance_item_is_tolerated() -> None:
    callback = stk(SUCCESS_BODY)
    assert callback.CallbackMetadata is not None
    assert callback.CallbackMetadata.value("Balance") is None
    assert callback.CallbackMetadata.value("NotThere") is None


def test_from_callback_on_the_seeds_cancelled_body() -> None:
    settlement = from_callback(stk(CANCELLED_BODY))
    assert settlement.status is TransactionStatus.CANCELLED
    assert settlement.result_code == 1032
    assert settlement.result_desc == "Request cancelled by user."
    assert settlement.settled_by == "callback"
    assert settlement.receipt_number is None
    assert settlement.paid_amount is None
    assert settlement.paid_phone_number is None
    assert settlement.transaction_date is None


def test_from_callback_with_string_values_and_items_missing() -> None:
    body = copy.deepcopy(SUCCESS_BODY)
    body["Body"]["stkCallback"]["CallbackMetadata"]["Item"] = [
        {"Name": "Amount", "Value": "5"},
        {"Name": "TransactionDate", "Value": "20260101000001"},
        {"Name": "PhoneNumber", "Value": "254112345678"},
    ]
    settlement = from_callback(stk(body))
    assert settlement.paid_amount == "5.00"
    assert settlement.paid_phone_number == "254112345678"
    assert settlement.receipt_number is None
    assert settlement.transaction_date is not None
    assert settlement.transaction_date.isoformat() == "2026-01-01T00:00:01+03:00"


@pytest.mark.parametrize(
    ("code", "desc", "status"),
    [
        (0, "The service request is processed successfully.", TransactionStatus.COMPLETED),
        (1032, "Request cancelled by user", TransactionStatus.CANCELLED),
        (1037, "DS timeout user cannot be reached", TransactionStatus.TIMEOUT),
        (2001, "The initiator information is invalid.", TransactionStatus.FAILED),
    ],
)
def test_from_query(code: int, desc: str, status: TransactionStatus) -> None:
    settlement = from_query(code, desc)
    assert settlement.status is status
    assert (settlement.result_code, settlement.result_desc, settlement.settled_by) == (code, desc, "query")
    assert settlement.receipt_number is None
