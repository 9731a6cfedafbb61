"""The fault run: STK payments and B2C payouts through the local stack while Daraja misbehaves.

8 concurrent merchants pay and pay out; the simulator answers 5% of Daraja calls with each kind of
fault (processed and not), duplicates, drops, shuffles and sends callbacks early; merchants retry under
the same Idempotency-Key. After the reconciler has had its turn, the gateway's view is compared with
what the simulator says Daraja did, and the figures are printed.

    python bench/fault_run.py [payments] [payouts]      # `make chaos`: 2,000 and 500
The e2e test tests/e2e/test_fault_run.py runs a smaller one and asserts on the same figures.
"""

from __future__ import annotations

import signal
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from local.stack import stack_environment, start_stack

STK_PUSH = "/mpesa/stkpush/v1/processrequest"
B2C = "/mpesa/b2c/v3/paymentrequest"
CLIENTS = 8
RATE = 0.05
FAULTS: tuple[dict[str, Any], ...] = (
    {"fault": "daraja_error", "error_code": "500.003.02", "processed": False},
    {"fault": "daraja_error", "error_code": "500.003.1001", "processed": True},
    {"fault": "html_502", "processed": False},
    {"fault": "html_504", "processed": True},
    {"fault": "reset", "processed": False},
    {"fault": "reset", "processed": True},
    {"fault": "slow_answer", "delay_ms": 3000, "processed": True},
    {"fault": "invalid_token", "processed": False},
    {"fault": "callback_before_answer", "processed": True},
    {"fault": "out_of_order", "processed": True, "copies": 3, "jitter_ms": 500},
)
# Customers: who pays, who cancels, who lacks funds, whose callback is lost, whose comes twice.
CUSTOMERS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("254700000001", {}),
    ("254700000002", {"result_code": 1032}),
    ("254700000003", {"drop_callback": True}),
    ("254700000004", {"result_code": 1}),
    ("254700000005", {"duplicate_callbacks": 2}),
)
FINAL_STK = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "EXPIRED"}
STK_STATUS_BY_CODE = {0: "COMPLETED", 1032: "CANCELLED", 1037: "TIMEOUT", 1019: "TIMEOUT"}
ENVIRONMENT = {
    "LOCAL_SCHEDULE_SECONDS": "2",
    "RECONCILE_AFTER_SECONDS": "3",
    "STK_RECHECK_SECONDS": "2",
    "STATUS_QUERY_INTERVAL_SECONDS": "1",
    "STK_MAX_AGE_SECONDS": "25",
    "PAYOUT_RECHECK_SECONDS": "3",
    "CALLBACK_GRACE_SECONDS": "2",
    "DARAJA_READ_TIMEOUT_SECONDS": "2",
}


@dataclass
class Figures:
    """What the run found; `problems` lists every disagreement, each naming its transaction."""

    answers: Counter[int] = field(default_factory=Counter)
    stk: Counter[str] = field(default_factory=Counter)
    payouts: Counter[str] = field(default_factory=Counter)
    # The push's answer was lost, so no CheckoutRequestID to ask about, and its callback was dropped or
    # (a failure) carries no amount and phone to match it by: the gateway gives up (EXPIRED).
    unknowable: int = 0
    prompted_twice: int = 0
    paid_twice: int = 0
    gateway_paid: int = 0
    daraja_paid: int = 0
    gateway_paid_out: int = 0
    daraja_paid_out: int = 0
    problems: list[str] = field(default_factory=list)

    def table(self) -> str:
        five = sum(count for status, count in self.answers.items() if status >= 500)
        rows = [
            ("merchant answers by status", dict(sorted(self.answers.items()))),
            ("5xx to merchants", five),
            ("STK payments by final status", dict(self.stk)),
            ("payouts by status", dict(self.payouts)),
            ("customers prompted twice", self.prompted_twice),
            ("payouts sent twice", self.paid_twice),
            ("STK total paid: gateway / Daraja", f"{self.gateway_paid} / {self.daraja_paid}"),
            ("B2C total paid: gateway / Daraja", f"{self.gateway_paid_out} / {self.daraja_paid_out}"),
            ("unknowable (no answer, no callback)", self.unknowable),
            ("disagreements", len(self.problems)),
        ]
        return "\n".join(f"  {name:<38} {value}" for name, value in rows)


class Merchant:
    def __init__(self, api: str) -> None:
        self.api = api
        answer = requests.post(f"{api}/api/generate_token", auth=("demo", "demo-secret"), timeout=30)
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def post_once_per_key(
        self, path: str, body: dict[str, Any], key: str, answers: Counter[int]
    ) -> str | None:
        """POST, retried under the same Idempotency-Key after a failure and once more anyway (as a merchant
        whose first answer got lost would); the transaction id the gateway gave."""
        found: str | None = None
        for _ in range(3):
            try:
                answer = requests.post(
                    f"{self.api}{path}",
                    json=body,
                    headers={**self.headers, "Idempotency-Key": key},
                    timeout=40,
                )
            except requests.RequestException:
                answers[0] += 1
                continue
            answers[answer.status_code] += 1
            found = (answer.json().get("data") or {}).get("transaction_id") or found
            if answer.status_code < 500 and found:
                return found
        return found

    def transaction(self, app: str, transaction_id: str) -> dict[str, Any]:
        answer = requests.get(
            f"{self.api}/api/pay/{app}/transactions/{transaction_id}", headers=self.headers, timeout=30
        )
        view: dict[str, Any] = answer.json()["data"]
        return view


def prepare_simulator(simulator: str) -> None:
    requests.delete(f"{simulator}/simulator/requests", timeout=10)
    for phone, rule in CUSTOMERS:
        requests.post(
            f"{simulator}/simulator/rules", json={"msisdn": phone, **rule}, timeout=10
        ).raise_for_status()
    for path in (STK_PUSH, B2C):
        for fault in FAULTS:
            body = {"path": path, "rate": RATE, "seed": 7, **fault}
            requests.post(f"{simulator}/simulator/faults", json=body, timeout=10).raise_for_status()


def drive(
    merchant: Merchant, payments: int, payouts: int, answers: Counter[int]
) -> tuple[dict[str, str], dict[str, str]]:
    """Send everything from CLIENTS threads; {reference: transaction id} for payments and payouts."""

    def pay(i: int) -> tuple[str, str | None]:
        phone = CUSTOMERS[i % len(CUSTOMERS)][0]
        reference = f"F{i:06d}"
        # One amount per customer per payment: a lost answer's paid callback can be matched unambiguously.
        body = {"phone_number": phone, "amount": i // len(CUSTOMERS) + 1, "reference": reference}
        return reference, merchant.post_once_per_key(
            "/api/pay/demo-express/requestPayment", body, f"pay-{i}", answers
        )

    def pay_out(i: int) -> tuple[str, str | None]:
        remarks = f"Payout {i:05d}"
        body = {
            "phone_number": "254700000001",
            "amount": 10 + i % 90,
            "command_id": "BusinessPayment",
            "remarks": remarks,
        }
        return remarks, merchant.post_once_per_key("/api/pay/demo-b2c/sendMoney", body, f"out-{i}", answers)

    with ThreadPoolExecutor(CLIENTS) as pool:
        paid = pool.map(pay, range(payments))
        sent = pool.map(pay_out, range(payouts))
        return {r: t for r, t in paid if t}, {r: t for r, t in sent if t}


def settle(merchant: Merchant, payments: dict[str, str], deadline: float) -> dict[str, dict[str, Any]]:
    """Every payment as the gateway shows it once all are final (or the deadline passed)."""
    while True:
        views = {ref: merchant.transaction("demo-express", txn) for ref, txn in payments.items()}
        if all(view["status"] in FINAL_STK for view in views.values()) or time.monotonic() > deadline:
            return views
        time.sleep(2)


def compare(
    figures: Figures,
    views: dict[str, dict[str, Any]],
    payouts: dict[str, dict[str, Any]],
    did: dict[str, Any],
) -> None:
    records = did["processed"]
    pushes = {r["account_reference"]: r for r in records if r["kind"] == "stk_push"}
    outs = {r["remarks"]: r for r in records if r["kind"] == "b2c"}
    summary = did["summary"]
    figures.prompted_twice = len(summary["prompted_more_than_once"])
    figures.paid_twice = len(summary["paid_more_than_once"])
    for reference, view in views.items():
        figures.stk[view["status"]] += 1
        push = pushes.get(reference)
        if view["status"] == "COMPLETED":
            figures.gateway_paid += int(view["amount"])
        if push and push["result_code"] == 0:
            figures.daraja_paid += int(push["amount"])
        if not push:
            if view["status"] not in {"FAILED", "EXPIRED"}:
                figures.problems.append(f"{reference}: Daraja never acted, gateway says {view['status']}")
            continue
        expected = STK_STATUS_BY_CODE.get(push["result_code"], "FAILED")
        if view["status"] != expected:
            unpaid_or_dropped = expected != "COMPLETED" or push["callback"] == "dropped"
            checkout = (view["stk"] or {}).get("checkout_request_id")
            if view["status"] == "EXPIRED" and not checkout and unpaid_or_dropped:
                figures.unknowable += 1
            else:
                figures.problems.append(
                    f"{reference}: Daraja {push['result_code']} (callback {push['callback']}, fault "
                    f"{push['fault']}), gateway {view['status']} (checkout {checkout})"
                )
    for remarks, view in payouts.items():
        figures.payouts[view["status"]] += 1
        out = outs.get(remarks)
        if view["status"] == "COMPLETED":
            figures.gateway_paid_out += int(view["amount"])
        if out and out["result_code"] == 0:
            figures.daraja_paid_out += int(out["amount"])
        paid = bool(out and out["result_code"] == 0)
        if paid != (view["status"] == "COMPLETED"):
            figures.problems.append(f"{remarks}: Daraja paid={paid}, gateway says {view['status']}")


def run(payments: int, payouts: int, workdir: Path) -> Figures:
    env = stack_environment(**ENVIRONMENT)
    process = start_stack(env, workdir / "fault-run.log")
    try:
        api, simulator = f"http://127.0.0.1:{env['API_PORT']}", f"http://127.0.0.1:{env['SIMULATOR_PORT']}"
        prepare_simulator(simulator)
        merchant = Merchant(api)
        figures = Figures()
        paid, sent = drive(merchant, payments, payouts, figures.answers)
        views = settle(merchant, paid, time.monotonic() + 120)
        time.sleep(5)  # the last results and timeouts
        payout_views = {ref: merchant.transaction("demo-b2c", txn) for ref, txn in sent.items()}
        did = requests.get(f"{simulator}/simulator/processed", timeout=60).json()
        compare(figures, views, payout_views, did)
        missing = payments - len(paid) + payouts - len(sent)
        if missing:
            figures.problems.append(f"{missing} requests got no transaction id")
        return figures
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def main() -> None:
    payments = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    payouts = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        figures = run(payments, payouts, Path(workdir))
    faults = f"{len(FAULTS)} faults at {RATE:.0%} each"
    print(f"Fault run: {payments} STK payments, {payouts} B2C payouts, {CLIENTS} clients, {faults}")
    print(figures.table())
    for problem in figures.problems[:20]:
        print(f"  ! {problem}")
    print(f"  took {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
