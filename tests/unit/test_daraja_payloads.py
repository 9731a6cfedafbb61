"""daraja.payloads: each request body as the JSON Daraja receives, fixed values and spellings included."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mpesa_gateway.daraja.payloads import (
    AccountBalanceBody,
    B2BPaymentBody,
    B2CPaymentBody,
    C2BSimulateBody,
    PartyIdentifier,
    RegisterUrlBody,
    ResultUrls,
    ReversalBody,
    StkPushBody,
    StkQueryBody,
    TransactionStatusBody,
)
from mpesa_gateway.models import C2BResponseType, LipaCommand
from mpesa_gateway.payouts.models import B2BCommand, B2CCommand

URLS: ResultUrls = {"ResultURL": "https://gw/result", "QueueTimeOutURL": "https://gw/timeout"}
SIGNED = {"BusinessShortCode": "174379", "Password": "cGFzcw==", "Timestamp": "20260315143000"}


def test_stk_push_is_a_paybill_push_unless_told_otherwise():
    body = StkPushBody(
        **SIGNED, Amount=1, PartyA="254708374149", PartyB="174379", PhoneNumber="254708374149",
        CallBackURL="https://gw/callback", AccountReference="INV001", TransactionDesc="Test",
    )  # fmt: skip

    assert body.as_json() == {
        **SIGNED,
        "TransactionType": "CustomerPayBillOnline",
        "Amount": 1,
        "PartyA": "254708374149",
        "PartyB": "174379",
        "PhoneNumber": "254708374149",
        "CallBackURL": "https://gw/callback",
        "AccountReference": "INV001",
        "TransactionDesc": "Test",
    }
    buy_goods = body.model_copy(update={"TransactionType": LipaCommand.BUY_GOODS})
    assert buy_goods.as_json()["TransactionType"] == "CustomerBuyGoodsOnline"


def test_stk_query():
    body = StkQueryBody(**SIGNED, CheckoutRequestID="ws_CO_1")

    assert body.as_json() == {**SIGNED, "CheckoutRequestID": "ws_CO_1"}


def test_register_url_defaults_to_completed_when_validation_is_unreachable():
    body = RegisterUrlBody(ShortCode="600984", ValidationURL="https://gw/v", ConfirmationURL="https://gw/c")

    assert body.as_json() == {
        "ShortCode": "600984",
        "ResponseType": "Completed",
        "ValidationURL": "https://gw/v",
        "ConfirmationURL": "https://gw/c",
    }
    cancelled = RegisterUrlBody.model_validate({**body.as_json(), "ResponseType": C2BResponseType.CANCELLED})
    assert cancelled.as_json()["ResponseType"] == "Cancelled"


def test_c2b_simulate_for_a_till_sends_a_null_bill_ref_number():
    body = C2BSimulateBody(
        ShortCode="600984",
        CommandID=LipaCommand.BUY_GOODS,
        Amount=10,
        Msisdn="254708374149",
        BillRefNumber=None,
    )

    assert body.as_json() == {
        "ShortCode": "600984",
        "CommandID": "CustomerBuyGoodsOnline",
        "Amount": 10,
        "Msisdn": "254708374149",
        "BillRefNumber": None,
    }


def test_b2c_keeps_safaricoms_spelling_of_occasion():
    body = B2CPaymentBody(
        OriginatorConversationID="txn_1", InitiatorName="testapi", SecurityCredential="c3ec==",
        CommandID=B2CCommand.SALARY_PAYMENT, Amount=10, PartyA="600997", PartyB="254708374149",
        Remarks="Salary", **URLS,
    )  # fmt: skip

    assert body.as_json() == {
        "SecurityCredential": "c3ec==",
        **URLS,
        "OriginatorConversationID": "txn_1",
        "InitiatorName": "testapi",
        "CommandID": "SalaryPayment",
        "Amount": 10,
        "PartyA": "600997",
        "PartyB": "254708374149",
        "Remarks": "Salary",
        "Occassion": "",
    }


def test_b2b_sends_from_a_short_code_to_a_short_code_unless_told_a_till():
    body = B2BPaymentBody(
        OriginatorConversationID="txn_2", Initiator="testapi", SecurityCredential="c3ec==",
        CommandID=B2BCommand.BUSINESS_PAY_BILL, Amount=100, PartyA="600992", PartyB="600000",
        AccountReference="ACC-1", Remarks="Payment", **URLS,
    )  # fmt: skip

    assert body.as_json() == {
        "SecurityCredential": "c3ec==",
        **URLS,
        "OriginatorConversationID": "txn_2",
        "Initiator": "testapi",
        "CommandID": "BusinessPayBill",
        "SenderIdentifierType": "4",
        "RecieverIdentifierType": "4",
        "Amount": 100,
        "PartyA": "600992",
        "PartyB": "600000",
        "AccountReference": "ACC-1",
        "Remarks": "Payment",
    }
    till = body.model_copy(update={"RecieverIdentifierType": PartyIdentifier.TILL})
    assert till.as_json()["RecieverIdentifierType"] == "2"


def test_reversal_takes_receiver_type_11_and_keeps_cents():
    body = ReversalBody(
        Initiator="testapi", SecurityCredential="c3ec==", OriginatorConversationID="txn_3",
        TransactionID="QJI3R7GXWV", Amount="100.50", ReceiverParty="600984", Remarks="Reversal", **URLS,
    )  # fmt: skip

    assert body.as_json() == {
        "SecurityCredential": "c3ec==",
        **URLS,
        "Initiator": "testapi",
        "OriginatorConversationID": "txn_3",
        "CommandID": "TransactionReversal",
        "TransactionID": "QJI3R7GXWV",
        "Amount": "100.50",
        "ReceiverParty": "600984",
        "RecieverIdentifierType": "11",
        "Remarks": "Reversal",
        "Occasion": "",
    }
    assert ReversalBody.model_validate({**body.as_json(), "Amount": 100}).as_json()["Amount"] == 100


def test_transaction_status_asks_about_a_short_code_by_receipt_or_conversation():
    body = TransactionStatusBody(
        Initiator="testapi", SecurityCredential="c3ec==", TransactionID="QJI3R7GXWV", PartyA="600997",
        Remarks="Status", **URLS,
    )  # fmt: skip

    assert body.as_json() == {
        "SecurityCredential": "c3ec==",
        **URLS,
        "Initiator": "testapi",
        "CommandID": "TransactionStatusQuery",
        "TransactionID": "QJI3R7GXWV",
        "OriginalConversationID": "",
        "PartyA": "600997",
        "IdentifierType": "4",
        "Remarks": "Status",
        "Occasion": "",
    }


def test_account_balance():
    body = AccountBalanceBody(
        Initiator="testapi", SecurityCredential="c3ec==", PartyA="600997", Remarks="Balance", **URLS
    )

    assert body.as_json() == {
        "SecurityCredential": "c3ec==",
        **URLS,
        "Initiator": "testapi",
        "CommandID": "AccountBalance",
        "PartyA": "600997",
        "IdentifierType": "4",
        "Remarks": "Balance",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"Occasion": ""}, "Occasion"),  # B2C takes Safaricom's "Occassion" only: a fix would be lost
        ({"CommandID": "PayMeTwice"}, "CommandID"),
        ({"Amount": "ten"}, "Amount"),
    ],
)
def test_a_body_daraja_would_not_understand_is_refused_before_it_is_sent(changes, field):
    valid = {
        "OriginatorConversationID": "txn_1", "InitiatorName": "testapi", "SecurityCredential": "c3ec==",
        "CommandID": "BusinessPayment", "Amount": 10, "PartyA": "600997", "PartyB": "254708374149",
        "Remarks": "Payment", **URLS,
    }  # fmt: skip
    assert B2CPaymentBody.model_validate(valid).as_json()["CommandID"] == "BusinessPayment"

    with pytest.raises(ValidationError) as refused:
        B2CPaymentBody.model_validate({**valid, **changes})

    assert refused.value.errors()[0]["loc"] == (field,)


def test_a_fixed_command_cannot_be_changed():
    with pytest.raises(ValidationError):
        AccountBalanceBody(
            Initiator="testapi", SecurityCredential="c3ec==", PartyA="600997", Remarks="Balance",
            CommandID="TransactionReversal", **URLS,
        )  # fmt: skip
