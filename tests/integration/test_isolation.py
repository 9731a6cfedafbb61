"""Every merchant route, tried with another merchant's valid token on demo's apps: 403, nothing learnt,
nothing changed. Driven by the route table, so a new merchant route cannot escape the sweep."""

from __future__ import annotations

import pytest

from infra.routes import ROUTES, Auth
from tests.integration.conftest import Gateway
from tests.integration.test_bill_manager import INVOICE
from tests.integration.test_bill_manager import OPT_IN as BILL_OPT_IN
from tests.integration.test_express import PAYMENT
from tests.integration.test_ratiba import ORDER as RATIBA_ORDER

# A request each route would accept from demo itself, aimed at one of demo's apps.
VALID_REQUESTS: dict[str, dict] = {
    "/api/pay/{payment_app}/requestPayment": {"json": PAYMENT},
    "/api/pay/{payment_app}/checkPaymentRequestStatus/{transaction}": {},
    "/api/pay/{payment_app}/registerUrls": {},
    "/api/stk_push.php": {
        "json": {"phone": "0712345678", "amount": 1, "reference": "R1", "app": "demo-express"}
    },
    "/api/c2b_register.php": {"json": {"app": "demo-c2b"}},
    "/api/pay/{payment_app}/simulateTransaction": {
        "json": {"phone_number": "0712345678", "amount": 5, "reference": "A1"}
    },
    "/api/pay/{payment_app}/transactions": {},
    "/api/pay/{payment_app}/transactions/{transaction}": {},
    "/api/pay/{payment_app}/extractTransaction": {"json": {"message": "x"}},
    "/api/pay/{payment_app}/checkBalance": {},
    "/api/pay/{payment_app}/sendMoney": {
        "json": {"phone_number": "0712345678", "amount": 100, "command_id": "BusinessPayment"}
    },
    "/api/pay/{payment_app}/reverseTransaction/{transaction}": {},
    "/api/pay/{payment_app}/getTransactionStatus/{transaction}": {},
    "/api/pay/{payment_app}/webhook": {"json": {"url": "https://shop.example.com/mpesa/events"}},
    "/api/pay/{payment_app}/webhook/rotateSecret": {},
    "/api/pay/{payment_app}/events": {},
    "/api/pay/{payment_app}/events/{event}": {},
    "/api/pay/{payment_app}/events/{event}/redeliver": {},
    "/api/pay/{payment_app}/pullTransactions": {},
    "/api/pay/{payment_app}/topUpB2cAccount": {"json": {"b2c_short_code": "600997", "amount": 100}},
    "/api/pay/{payment_app}/remitTax": {"json": {"prn": "PRN1234XN", "amount": 100}},
    "/api/pay/{payment_app}/generateQrCode": {
        "json": {"merchant_name": "Shop", "reference": "INV-1", "amount": 10, "trx_code": "PB"}
    },
    "/api/pay/{payment_app}/simSwap/{phone_number}": {},
    "/api/pay/{payment_app}/standingOrders": {"json": RATIBA_ORDER},
    "/api/pay/{payment_app}/billManager/optIn": {"json": BILL_OPT_IN},
    "/api/pay/{payment_app}/invoices": {"json": INVOICE},
    "/api/pay/{payment_app}/invoices/{reference}": {},
    "/api/pay/{payment_app}/bulkInvoices": {"json": {"invoices": [INVOICE]}},
}
# Well formed; whether demo has such an event must not show either.
AN_EVENT = "evt_" + "0" * 32
A_PHONE_NUMBER = "254712345678"
MERCHANT_ROUTES = [route for route in ROUTES if route.auth is Auth.MERCHANT]


def test_the_sweep_covers_every_merchant_route():
    assert {route.path for route in MERCHANT_ROUTES} == set(VALID_REQUESTS)


@pytest.mark.parametrize("route", MERCHANT_ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_another_merchants_token_gets_403_and_changes_nothing(gateway: Gateway, route):
    demo_payment = gateway.completed_payment(PAYMENT)
    before = gateway.items("")
    daraja_calls = len(gateway.simulator_log_all())
    path = route.path.format(
        payment_app="demo-express",
        transaction=demo_payment,
        event=AN_EVENT,
        phone_number=A_PHONE_NUMBER,
        reference="INV-0042",
    )

    answer = gateway.client.open(
        path, method=route.method, headers=gateway.auth("other"), **VALID_REQUESTS[route.path]
    )

    assert answer.status_code == 403
    error = answer.get_json()["error"]
    assert error["code"] == "app_forbidden"
    assert "MpesaKe" not in answer.get_data(as_text=True)  # nothing about the app's driver or state
    assert gateway.items("") == before
    assert len(gateway.simulator_log_all()) == daraja_calls
