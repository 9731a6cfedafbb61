"""The worker processes of bench/token_economy.py, each standing for one container of an app.

Kept apart from the benchmark's parent so that a spawned worker imports only what its container
needs: the gateway's workers never import mpesakit or the servers the parent runs.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from werkzeug.test import Client

from local.api_server import create_app as create_local_api
from local.demo import (
    APPS,
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    MERCHANTS,
    SANDBOX_PASSKEY,
    SANDBOX_SHORT_CODE,
)
from mpesa_gateway.daraja.formats import daraja_timestamp

PHONE = "254712345678"
APP = next(app for app in APPS if app.app_id == "demo-express")
MERCHANT = next(merchant for merchant in MERCHANTS if merchant.merchant_id == APP.merchant_id)
CALLBACK_BASE_URL = "https://gateway.example"  # callbacks are dropped: never called
READY_TIMEOUT_SECONDS = 120  # for every worker to be ready to push


@dataclass(frozen=True)
class WorkerReport:
    accepted: int
    failures: Counter[str]  # error code -> pushes
    started: float  # time.monotonic(), shared by the processes of one machine
    finished: float


def gateway_container(pushes: int, start: Barrier, reports: Queue[WorkerReport]) -> None:
    """One warm Lambda container of the gateway (a spawned process): `pushes` requestPayment calls."""
    # What the handlers print (Powertools' metric lines) is the container's log stream, not the bench's.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the process's lifetime
    warnings.filterwarnings("ignore", "No application metrics to publish")  # the warm-up's, on stderr
    api = Client(create_local_api())
    credentials = {"client_id": MERCHANT.merchant_id, "client_secret": MERCHANT.client_secret}
    token = api.post("/api/generate_token", json=credentials).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/pay/{APP.app_id}/requestPayment"
    # Lambda's init: the handlers are imported by a request refused before any Daraja call.
    warm_up = api.post(path, json={}, headers=headers)
    if warm_up.status_code != 400:
        raise RuntimeError(f"the warm-up request was answered {warm_up.status_code}: {warm_up.get_data()!r}")
    accepted, failures = 0, Counter[str]()
    start.wait(READY_TIMEOUT_SECONDS)
    started = time.monotonic()
    for number in range(pushes):
        payment = {"phone_number": PHONE, "amount": 1, "reference": f"ORDER-{number}"}
        answer = api.post(path, json=payment, headers=headers)
        if answer.status_code == 200:
            accepted += 1
        else:
            failures[_gateway_error_code(answer.get_json(silent=True))] += 1
    reports.put(WorkerReport(accepted, failures, started, time.monotonic()))


def _gateway_error_code(body: Any) -> str:
    """The Daraja error code behind a refused push when the gateway names one, else its own code."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "unreadable"
    return str(error.get("daraja_code") or error.get("code") or "unknown")


def mpesakit_container(pushes: int, start: Barrier, reports: Queue[WorkerReport]) -> None:
    """One process of an integration built on mpesakit: one client, `pushes` STK pushes."""
    from mpesakit import MpesaClient  # noqa: PLC0415 - only its own workers import it
    from mpesakit.errors import MpesaApiException  # noqa: PLC0415

    client = MpesaClient(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET, environment="sandbox")
    client.http_client.base_url = os.environ["DARAJA_SANDBOX_URL"]
    accepted, failures = 0, Counter[str]()
    start.wait(READY_TIMEOUT_SECONDS)
    started = time.monotonic()
    for number in range(pushes):
        try:
            client.stk_push(
                business_short_code=int(SANDBOX_SHORT_CODE),
                passkey=SANDBOX_PASSKEY,
                timestamp=daraja_timestamp(),
                transaction_type="CustomerPayBillOnline",
                amount=1,
                party_a=PHONE,
                party_b=SANDBOX_SHORT_CODE,
                phone_number=PHONE,
                callback_url=f"{CALLBACK_BASE_URL}/callback",
                account_reference=f"ORDER-{number}",
                transaction_desc="Bench",
            )
            accepted += 1
        except MpesaApiException as error:
            raw = error.error.raw_response
            code = raw.get("errorCode") if isinstance(raw, dict) else None
            failures[str(code or error.error.error_code)] += 1
    reports.put(WorkerReport(accepted, failures, started, time.monotonic()))
