"""An operator creates a merchant and an app with the CLI; the merchant pays through the seed's routes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import LocalStack, admin

pytestmark = pytest.mark.e2e

SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"


def wait_for_final(url: str, headers: dict[str, str], timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while (data := requests.get(url, headers=headers, timeout=30).json()["data"])["status"] == "PENDING":
        if time.monotonic() > deadline:
            break
        time.sleep(0.3)
    return data


def test_cli_created_merchant_pays_through_the_php_routes(local_stack: LocalStack, tmp_path: Path):
    merchant = admin(local_stack, "merchants", "create", "kiosk", "--name", "Kiosk Ltd")
    credentials = tmp_path / "daraja.json"
    daraja = {"consumer_key": "demo-consumer-key", "consumer_secret": "demo-consumer-secret"}
    credentials.write_text(json.dumps({**daraja, "passkey": SANDBOX_PASSKEY}))
    app = admin(
        local_stack, "apps", "create", "kiosk-stk", "--merchant", "kiosk", "--driver", "MpesaKeExpress",
        "--short-code", "174379", "--credentials-file", str(credentials),
    )  # fmt: skip
    assert set(app) >= {"app", "callback_secret"}

    token = requests.post(
        f"{local_stack.api}/api/generate_token.php",
        data={"client_id": "kiosk", "client_secret": merchant["client_secret"]},
        timeout=30,
    ).json()
    assert token["success"] is True
    bearer = {"Authorization": f"Bearer {token['token']}"}
    pushed = requests.post(
        f"{local_stack.api}/api/stk_push.php",
        data={"phone": "0722000099", "amount": "5", "reference": "KIOSK-1", "description": "Snacks"},
        headers=bearer,
        timeout=30,
    )

    assert pushed.status_code == 200
    assert pushed.json()["status"] == 200
    checkout_id = pushed.json()["response"]["CheckoutRequestID"]
    status_url = f"{local_stack.api}/api/pay/kiosk-stk/checkPaymentRequestStatus/{checkout_id}"
    assert wait_for_final(status_url, bearer)["status"] == "COMPLETED"

    disabled = admin(local_stack, "merchants", "disable", "kiosk")
    assert disabled["merchant"]["enabled"] is False
    assert requests.get(status_url, headers=bearer, timeout=30).status_code == 401
