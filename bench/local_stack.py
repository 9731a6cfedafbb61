"""The local stack (`make dev`) under a busy merchant: STK payments accepted per second and its memory.

    PYTHONPATH=layers/common/python:. .venv/bin/python bench/local_stack.py [--payments 2000] [--clients 8]

Starts `python -m local.dev` on free loopback ports. First, as the reference measured in the same run,
--clients threads send STK pushes straight to the Daraja simulator (one OAuth token, then
/mpesa/stkpush/v1/processrequest; callbacks dropped): the bare simulator round trip. Then as many
merchants' clients each take a token (POST /api/generate_token, Basic demo:demo-secret) and send
requestPayment until --payments were accepted; the simulator's callbacks reach the gateway as usual.
Prints payments accepted per second, its ratio to the bare simulator rate, and the resident memory of
the stack's whole process tree (local.dev, DynamoDB Local's java, the function containers) at 500,
1,000 and 2,000 payments. Figures, not a test: the targets are at least 12 payments/s on a 2-core
machine and under 1.5 GB, flat.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from local.processes import descendants, tree_memory_bytes
from local.simulator import DEMO_SETTINGS
from local.simulator.clock import daraja_timestamp, nairobi_now
from local.stack import stack_environment, start_stack

PHONE = "254712345678"
SHORT_CODE = "174379"
PAYMENT = {"phone_number": "0712345678", "amount": 1, "reference": "ORDER-1"}
CHECKPOINTS = (500, 1000, 2000)


class Run:
    """Shared by the client threads: hands out request numbers, counts answers, takes checkpoints."""

    def __init__(self, wanted: int, on_accepted: Callable[[int], None] = lambda count: None) -> None:
        self.wanted = wanted
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self.answers: Counter[int] = Counter()
        self._on_accepted = on_accepted

    def next(self) -> bool:
        with self._lock:
            return self.answers[200] < self.wanted and next(self._numbers) < self.wanted * 2

    def record(self, status: int) -> None:
        with self._lock:
            self.answers[status] += 1
            accepted = self.answers[200] if status == 200 else None
        if accepted is not None:
            self._on_accepted(accepted)


def run_clients(clients: int, work: Callable[[requests.Session, Run], None], run: Run) -> float:
    """Seconds for `clients` threads, each with its own session, to finish run."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(_client, work, run) for _ in range(clients)]:
            future.result()
    return time.perf_counter() - started


def _client(work: Callable[[requests.Session, Run], None], run: Run) -> None:
    with requests.Session() as session:
        work(session, run)


def bare_simulator(simulator: str, api: str, clients: int, pushes: int) -> float:
    """STK pushes per second straight to the simulator (the reference)."""
    requests.post(f"{simulator}/simulator/rules", json={"msisdn": PHONE, "drop_callback": True}, timeout=10)
    key, secret = next(iter(DEMO_SETTINGS.credentials.items()))
    answer = requests.get(
        f"{simulator}/oauth/v1/generate?grant_type=client_credentials", auth=(key, secret), timeout=10
    )
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    passkey = DEMO_SETTINGS.passkeys[SHORT_CODE]

    def push(session: requests.Session, run: Run) -> None:
        while run.next():
            timestamp = daraja_timestamp(nairobi_now())
            body = {
                "BusinessShortCode": SHORT_CODE,
                "Password": base64.b64encode(f"{SHORT_CODE}{passkey}{timestamp}".encode()).decode(),
                "Timestamp": timestamp,
                "TransactionType": "CustomerPayBillOnline",
                "Amount": 1,
                "PartyA": PHONE,
                "PartyB": SHORT_CODE,
                "PhoneNumber": PHONE,
                "CallBackURL": f"{api}/api/pay/demo-express/callback",
                "AccountReference": "ORDER-1",
                "TransactionDesc": "Bench",
            }
            url = f"{simulator}/mpesa/stkpush/v1/processrequest"
            run.record(session.post(url, json=body, headers=headers, timeout=30).status_code)

    run = Run(pushes)
    seconds = run_clients(clients, push, run)
    requests.delete(f"{simulator}/simulator/rules", timeout=10)
    if run.answers[200] < pushes:
        sys.exit(f"the simulator accepted {run.answers[200]} of {pushes} pushes: {dict(run.answers)}")
    return run.answers[200] / seconds


def gateway_payments(
    api: str, clients: int, payments: int, checkpoint: Callable[[int], None]
) -> tuple[float, Run]:
    """STK payments accepted per second through the local API, and the answers' tally."""

    def pay(session: requests.Session, run: Run) -> None:
        token = session.post(f"{api}/api/generate_token", auth=("demo", "demo-secret"), timeout=60)
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        while run.next():
            url = f"{api}/api/pay/demo-express/requestPayment"
            run.record(session.post(url, json=PAYMENT, headers=headers, timeout=60).status_code)

    run = Run(payments, checkpoint)
    seconds = run_clients(clients, pay, run)
    return run.answers[200] / seconds, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--simulator-pushes", type=int, default=400)
    args = parser.parse_args()

    env = stack_environment()
    log = Path(tempfile.mkdtemp(prefix="bench-local-stack-")) / "dev.log"
    started = time.perf_counter()
    stack = start_stack(env, log)
    print(f"local stack ready in {time.perf_counter() - started:.1f} s (log: {log})", flush=True)
    api, simulator = f"http://127.0.0.1:{env['API_PORT']}", f"http://127.0.0.1:{env['SIMULATOR_PORT']}"
    try:
        reference = bare_simulator(simulator, api, args.clients, args.simulator_pushes)
        print(f"bare simulator round trip: {reference:.1f} STK pushes/s ({args.clients} clients)", flush=True)

        window = {"at": time.perf_counter(), "count": 0}

        def checkpoint(accepted: int) -> None:
            if accepted in CHECKPOINTS:
                now = time.perf_counter()
                rate = (accepted - window["count"]) / (now - window["at"])
                window.update(at=now, count=accepted)
                processes = 1 + len(descendants(stack.pid))
                rss, pss = (size / 2**20 for size in tree_memory_bytes(stack.pid))
                print(
                    f"  {accepted:>5} payments: {rate:5.1f}/s since the last mark; {processes} processes, "
                    f"RSS {rss:5.0f} MB (PSS {pss:5.0f} MB: shared library pages counted once)",
                    flush=True,
                )

        rate, run = gateway_payments(api, args.clients, args.payments, checkpoint)
        print(
            f"gateway: {rate:.1f} STK payments accepted/s ({args.clients} clients), "
            f"{rate / reference:.3f} x the bare simulator round trip; answers {dict(run.answers)}"
        )
    finally:
        stack.send_signal(signal.SIGTERM)
        stack.wait(timeout=30)


if __name__ == "__main__":
    main()
