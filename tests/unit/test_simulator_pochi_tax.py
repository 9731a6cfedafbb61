"""The simulator's B2Pochi, Tax Remittance and B2C Account Top Up: field checks, the balances they
move and KRA's one payment per PRN (the shared machinery is tested in test_simulator_payouts)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from local.simulator import get_state
from tests.unit import test_simulator_payouts as payouts
from tests.unit.test_simulator_payouts import (
    B2B,
    INITIATOR,
    PHONE,
    RESULT_URL,
    SHORT_CODE,
    TIMEOUT_URL,
    Deliveries,
    accept,
    assert_daraja_error,
    assert_failure,
    b2b_body,
    parameters,
    post,
    with_overrides,
)

# The payout tests' simulator, token and SecurityCredential, as fixtures of this module too.
app, client, token, credential, deliveries = (
    payouts.app,
    payouts.client,
    payouts.token,
    payouts.credential,
    payouts.deliveries,
)
B2POCHI = "/mpesa/b2pochi/v1/paymentrequest"
REMIT_TAX = "/mpesa/b2b/v1/remittax"
B2C_SHORT_CODE = "600111"  # another short code than the paying one


def pochi_body(credential: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "OriginatorConversationID": "txn_pochi_1",
        "InitiatorName": INITIATOR,
        "SecurityCredential": credential,
        "CommandID": "BusinessPayToPochi",
        "Amount": 300,
        "PartyA": SHORT_CODE,
        "PartyB": PHONE,
        "Remarks": "Stock",
        "QueueTimeOutURL": TIMEOUT_URL,
        "ResultURL": RESULT_URL,
        "Occasion": "",
    }
    return with_overrides(body, overrides)


def tax_body(credential: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "Initiator": INITIATOR,
        "SecurityCredential": credential,
        "CommandID": "PayTaxToKRA",
        "SenderIdentifierType": "4",
        "RecieverIdentifierType": "4",
        "Amount": 239,
        "PartyA": SHORT_CODE,
        "PartyB": "572572",
        "AccountReference": "PRN1234XN",
        "Remarks": "OK",
        "QueueTimeOutURL": TIMEOUT_URL,
        "ResultURL": RESULT_URL,
    }
    return with_overrides(body, overrides)


def test_b2pochi_pays_out_of_the_utility_account_into_the_customers_pochi(
    client: FlaskClient, app: Flask, token: str, credential: str, deliveries: Deliveries
):
    answer = accept(client, token, B2POCHI, pochi_body(credential))

    result = deliveries.result(answer["ConversationID"])
    assert (result["ResultCode"], result["OriginatorConversationID"]) == (0, "txn_pochi_1")
    assert parameters(result)["B2CUtilityAccountAvailableFunds"] == 228037.0 - 300
    assert client.get("/simulator/pochi").json == {"balances": {PHONE: 300}}


@pytest.mark.parametrize(
    ("field", "value"),
    [("CommandID", "BusinessPayment"), ("Amount", 9), ("PartyB", SHORT_CODE), ("Occasion", 5)],
)
def test_b2pochi_refuses_a_bad_field(
    client: FlaskClient, token: str, credential: str, field: str, value: Any
):
    answer = post(client, token, B2POCHI, pochi_body(credential, **{field: value}))

    assert_daraja_error(answer, 400, "400.002.02", f"Bad Request - Invalid {field}")
    assert client.get("/simulator/pochi").json == {"balances": {}}


def test_a_prn_is_paid_once_a_second_payment_fails(
    client: FlaskClient, app: Flask, token: str, credential: str, deliveries: Deliveries
):
    first = accept(client, token, REMIT_TAX, tax_body(credential))
    second = accept(client, token, REMIT_TAX, tax_body(credential))

    paid = deliveries.result(first["ConversationID"])
    assert paid["ResultCode"] == 0
    assert_failure(
        deliveries.result(second["ConversationID"]),
        "SIM_PRN_PAID",
        "The payment registration number (PRN) has already been paid.",
    )
    assert client.get("/simulator/prns").json == {"paid": {"PRN1234XN": paid["TransactionID"]}}
    accounts = get_state(app).org_accounts
    assert accounts.balances("572572")["working"] == 70_000_000 + 23_900  # cents: KRA got it once
    assert accounts.balances(SHORT_CODE)["working"] == 70_000_000 - 23_900


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("CommandID", "BusinessPayBill"),
        ("PartyB", "600000"),  # KRA's short code only
        ("AccountReference", "PRN-1234"),
        ("AccountReference", "12345"),
        ("RecieverIdentifierType", "2"),
    ],
)
def test_tax_remittance_refuses_a_bad_field(client: FlaskClient, token: str, credential: str, field, value):
    answer = post(client, token, REMIT_TAX, tax_body(credential, **{field: value}))

    assert_daraja_error(answer, 400, "400.002.02", f"Bad Request - Invalid {field}")


def test_a_top_up_credits_the_b2c_short_codes_utility_account(
    client: FlaskClient, app: Flask, token: str, credential: str, deliveries: Deliveries
):
    body = b2b_body(credential, CommandID="BusinessPayToBulk", PartyB=B2C_SHORT_CODE, Amount=5000)

    answer = accept(client, token, B2B, body)

    assert deliveries.result(answer["ConversationID"])["ResultCode"] == 0
    topped_up = get_state(app).org_accounts.balances(B2C_SHORT_CODE)
    assert (topped_up["utility"], topped_up["working"]) == (22_803_700 + 500_000, 70_000_000)


def test_a_top_up_to_a_till_is_refused(client: FlaskClient, token: str, credential: str):
    body = b2b_body(credential, CommandID="BusinessPayToBulk", RecieverIdentifierType="2")

    answer = post(client, token, B2B, body)

    assert_daraja_error(answer, 400, "400.002.02", "Bad Request - Invalid RecieverIdentifierType")
