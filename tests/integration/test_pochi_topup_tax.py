"""B2Pochi, B2C account top-up and tax remittance: tracked payouts settled by Daraja's later results."""

from __future__ import annotations

from typing import Any

import requests

from tests.integration import test_reconciler
from tests.integration.conftest import Gateway
from tests.integration.test_payouts import rule, transaction, wait_final

POCHI = {"phone_number": "0712345678", "amount": 750, "command_id": "BusinessPayToPochi", "occasion": "Stock"}
TOP_UP = {"b2c_short_code": "600997", "amount": 20000, "reference": "FLOAT-MARCH"}
TAX = {"prn": " prn1234xn ", "amount": 12500, "remarks": "VAT March"}
reconcile = test_reconciler.reconcile  # runs the reconciler function once, as its schedule would (a fixture)


def post(gateway: Gateway, app: str, operation: str, body: Any, **headers: str):
    return gateway.client.post(
        f"/api/pay/{app}/{operation}", json=body, headers={**gateway.auth("demo"), **headers}
    )


def simulator(gateway: Gateway, path: str) -> Any:
    return requests.get(f"{gateway.simulator_url}/simulator/{path}", timeout=5).json()


def accounts(gateway: Gateway) -> dict[str, dict[str, float]]:
    return {account["short_code"]: account for account in simulator(gateway, "accounts")["accounts"]}


def test_a_pochi_payout_goes_to_b2pochi_and_into_the_customers_pochi(gateway: Gateway):
    rule(gateway, msisdn="254712345678", callback_delay_ms=50)

    answer = post(gateway, "demo-b2c", "sendMoney", POCHI)

    assert answer.status_code == 200
    settled = wait_final(gateway, "demo-b2c", answer.get_json()["data"]["transaction_id"])
    assert (settled["type"], settled["status"], settled["amount"]) == ("B2POCHI", "COMPLETED", 750)
    assert settled["receipt_number"]
    (sent,) = [entry["body"] for entry in gateway.simulator_log("/mpesa/b2pochi/v1/paymentrequest")]
    assert (sent["CommandID"], sent["PartyB"], sent["Occasion"]) == (
        "BusinessPayToPochi",
        "254712345678",
        "Stock",
    )
    assert sent["OriginatorConversationID"] == settled["transaction_id"]
    assert gateway.simulator_log("/mpesa/b2c/v3/paymentrequest") == []
    assert simulator(gateway, "pochi")["balances"] == {"254712345678": 750}


def test_a_top_up_moves_working_money_into_the_b2c_utility_account(gateway: Gateway):
    rule(gateway, party="600997", callback_delay_ms=50)
    before = accounts(gateway)

    answer = post(gateway, "demo-b2b", "topUpB2cAccount", TOP_UP)

    settled = wait_final(gateway, "demo-b2b", answer.get_json()["data"]["transaction_id"])
    assert (settled["type"], settled["status"], settled["phone_number"]) == (
        "B2C_TOPUP",
        "COMPLETED",
        "600997",
    )
    after = accounts(gateway)
    assert after["600997"]["utility"] == before.get("600997", {}).get("utility", 228037.0) + 20000
    assert after["600992"]["working"] == before.get("600992", {}).get("working", 700000.0) - 20000
    (sent,) = [entry["body"] for entry in gateway.simulator_log("/mpesa/b2b/v1/paymentrequest")]
    assert (sent["CommandID"], sent["PartyA"], sent["PartyB"]) == ("BusinessPayToBulk", "600992", "600997")
    assert "Requester" not in sent  # optional, and none was given: left out rather than null


def test_a_top_up_whose_result_is_lost_is_settled_by_the_reconcilers_transaction_status(
    gateway: Gateway, reconcile
):
    rule(gateway, party="600997", drop_callback=True, callback_delay_ms=50)
    rule(gateway, party="600992", callback_delay_ms=50)  # the status query's (its PartyA is the payer)
    data = post(gateway, "demo-b2b", "topUpB2cAccount", TOP_UP).get_json()["data"]
    assert transaction(gateway, "demo-b2b", data["transaction_id"])["status"] == "PENDING"

    tally = reconcile()  # money may have moved: it asks Transaction Status rather than giving up

    assert tally == {"status_asked": 1}
    stored = gateway.items("TXN#")
    asked = next(item for item in stored if item.get("related_transaction_id") == data["transaction_id"])
    wait_final(gateway, "demo-b2b", asked["transaction_id"])
    settled = transaction(gateway, "demo-b2b", data["transaction_id"])
    assert (settled["status"], settled["settled_by"]) == ("COMPLETED", "status_query")
    # Asked by the merchant as well: the route takes the new type like any payout.
    again = gateway.client.get(
        f"/api/pay/demo-b2b/getTransactionStatus/{data['transaction_id']}", headers=gateway.auth("demo")
    )
    assert again.status_code == 200


def test_a_tax_remittance_pays_kra_once_per_prn_and_cannot_be_reversed(gateway: Gateway):
    rule(gateway, party="600992", callback_delay_ms=50)
    first = post(gateway, "demo-b2b", "remitTax", TAX, **{"Idempotency-Key": "vat-2026-03"})
    replay = post(gateway, "demo-b2b", "remitTax", TAX, **{"Idempotency-Key": "vat-2026-03"})

    assert replay.get_json() == first.get_json()
    paid = wait_final(gateway, "demo-b2b", first.get_json()["data"]["transaction_id"])
    assert (paid["type"], paid["status"], paid["reference"]) == ("TAX_REMITTANCE", "COMPLETED", "PRN1234XN")
    (sent,) = [entry["body"] for entry in gateway.simulator_log("/mpesa/b2b/v1/remittax")]
    assert (sent["CommandID"], sent["PartyB"], sent["AccountReference"]) == (
        "PayTaxToKRA",
        "572572",
        "PRN1234XN",
    )
    # The same PRN paid again (a new request, not a retry): KRA's side refuses it, the payout FAILED.
    again = post(gateway, "demo-b2b", "remitTax", TAX).get_json()["data"]
    refused = wait_final(gateway, "demo-b2b", again["transaction_id"])
    assert (refused["status"], refused["result_code"]) == ("FAILED", "SIM_PRN_PAID")
    assert simulator(gateway, "prns")["paid"] == {"PRN1234XN": paid["receipt_number"]}

    reversal = gateway.client.post(
        f"/api/pay/demo-b2b/reverseTransaction/{paid['transaction_id']}", headers=gateway.auth("demo")
    )

    assert reversal.status_code == 400
    assert "tax remittance" in reversal.get_json()["error"]["message"]


# One request each, in one gateway: (app, operation, body, what the 400 must name).
BAD_REQUESTS = [
    ("demo-b2b", "remitTax", {**TAX, "prn": "PRN-1234"}, "prn"),  # not a PRN's shape
    ("demo-b2c", "remitTax", TAX, "MpesaKeB2C"),  # a driver that may not remit tax
    ("demo-b2b", "topUpB2cAccount", {**TOP_UP, "b2c_short_code": "600992"}, "b2c_short_code"),  # itself
    ("demo-express", "topUpB2cAccount", TOP_UP, "MpesaKeExpress"),  # a driver that may not top up
    ("demo-b2c", "sendMoney", {**POCHI, "amount": 9}, "amount"),  # below B2C's minimum
]


def test_bad_requests_are_400_naming_the_problem_and_send_nothing(gateway: Gateway):
    for app, operation, body, named in BAD_REQUESTS:
        answer = post(gateway, app, operation, body)

        assert answer.status_code == 400, (operation, named)
        assert named in answer.get_json()["error"]["message"], (operation, named)
    assert gateway.items("TXN#") == []
    assert gateway.simulator_log_all() == []
