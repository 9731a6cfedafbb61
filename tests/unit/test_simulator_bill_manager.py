"""The simulator's Bill Manager bulk invoicing: a bare array, single invoicing's field checks, and a
batch kept whole or not at all (opt-in, single invoices and payments are covered through the gateway)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from local.simulator import get_state
from tests.unit import test_simulator_payouts as payouts
from tests.unit.test_simulator_payouts import SHORT_CODE, accept, assert_daraja_error, post

# The payout tests' simulator and token, as fixtures of this module too.
app, client, token, deliveries = payouts.app, payouts.client, payouts.token, payouts.deliveries
BULK = "/v1/billmanager-invoice/bulk-invoicing"
OPT_IN = {
    "shortcode": SHORT_CODE,
    "email": "billing@shop.example.com",
    "officialContact": "0712345678",
    "sendReminders": "1",
    "callbackurl": "https://shop.example.com/bills",
}


def invoice(reference: str, **changes: Any) -> dict[str, Any]:
    return {
        "externalReference": reference,
        "billedFullName": "Jane Wanjiru",
        "billedPhoneNumber": "0712345678",
        "billedPeriod": "November 2026",
        "invoiceName": "School fees",
        "dueDate": "2026-12-15",
        "accountReference": f"ACC-{reference}",
        "amount": "800",
        "invoiceItems": [{"itemName": "Tuition", "amount": "800"}],
        **changes,
    }


def kept(app: Flask) -> list[str]:
    return sorted(record.external_reference for record in get_state(app).invoices.all())


def test_a_batch_is_kept_whole_and_a_known_reference_refuses_all_of_it(
    client: FlaskClient, app: Flask, token: str
):
    accept(client, token, "/v1/billmanager-invoice/optin", OPT_IN)

    sent = accept(client, token, BULK, [invoice("A1"), invoice("A2")])
    again = post(client, token, BULK, [invoice("A3"), invoice("A1")])

    assert sent == {"Status_Message": "Invoice sent successfully", "resmsg": "Success", "rescode": "200"}
    assert (again.json["rescode"], again.json["resmsg"]) == ("409", "Failed")
    assert kept(app) == ["A1", "A2"]  # A3 was not kept


def test_a_bad_entry_or_a_body_that_is_no_array_is_daraja_error_json(
    client: FlaskClient, app: Flask, token: str
):
    accept(client, token, "/v1/billmanager-invoice/optin", OPT_IN)

    bad_amount = post(client, token, BULK, [invoice("B1"), invoice("B2", amount="8,00")])
    wrapped = post(client, token, BULK, {"invoices": [invoice("B3")]})
    empty = post(client, token, BULK, [])

    assert_daraja_error(bad_amount, 400, "400.002.02", "Bad Request - Invalid amount")
    assert_daraja_error(wrapped, 400, "400.002.05", "Invalid Request Payload")
    assert_daraja_error(empty, 400, "400.002.05", "Invalid Request Payload")
    assert kept(app) == []
