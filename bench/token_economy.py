"""Token economy: Daraja OAuth calls and invalid-token failures when many Lambda containers push at once.

    PYTHONPATH=layers/common/python:. .venv/bin/python bench/token_economy.py [--workers 8] [--pushes 250]

Daraja (and the local simulator, which behaves the same) invalidates an app's previous access token at
every OAuth call, and grants each token 3599 s; within one token lifetime one OAuth call per app is
enough, and every further call knocks out the token that other containers are using.

The parent starts DynamoDB Local, moto server (Secrets Manager, SQS) and the Daraja simulator on free
loopback ports, creates the gateway's tables, and seeds the demo merchants and apps as `make dev` does.
Each worker is a spawned process, its own memory, standing for one warm Lambda container: the local
API's in-process invoker runs the real authorizer and the real requestPayment handler, one request at
a time, so the app, its credentials and the Daraja token are looked up exactly as in production
(registry, Secrets Manager, the shared token cache on DynamoDB). Each container is warmed first (its
handlers imported, as Lambda's init does, by a request refused before any Daraja call), then all of
them start pushing at once, so their first pushes race for the token.

Then the same load with mpesakit 2.2.0, a Daraja SDK from PyPI: each process holds one `MpesaClient`
as its README shows. mpesakit has no base-URL option (its `environment` picks one of Safaricom's two
hosts), so each client's `http_client.base_url` attribute is set to the simulator after construction;
no code of mpesakit is patched. Its pushes carry a Nairobi timestamp: its own default is the machine's
local time, which Daraja refuses on a UTC host, a failure that has nothing to do with tokens.
mpesakit renews a token only when its own clock says it has expired, never when Daraja refuses it, so
a process whose token another process's OAuth call killed fails every push until then.

OAuth calls and the pushes Daraja refused for an invalid token are read from the simulator's request
log; pushes failed are those whose caller got an error (the gateway retries a refused token once).
Callbacks are dropped (a simulator rule) so only pushes are measured. Figures, not a test: the target
is 1 OAuth call per app per token lifetime and 0 invalid-token failures (tests/integration/
test_token_economy.py asserts it at small scale). The rates are not like for like: each gateway push
also runs the authorizer and writes the transaction to DynamoDB, while mpesakit by default opens a new
HTTP client (connection and TLS context) for every request. --token-lifetime shortens the simulator's
tokens so that renewals happen during the run (the gateway renews DARAJA_TOKEN_REFRESH_MARGIN_SECONDS,
60 s, before expiry).
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import queue
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import Any
from unittest import mock

import requests
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from bench.token_containers import (
    CALLBACK_BASE_URL,
    PHONE,
    WorkerReport,
    gateway_container,
    mpesakit_container,
)
from local.aws import endpoint_environment, gateway_environment, provision
from local.demo import seed
from local.dynamodb_local import DynamoDBLocal
from local.simulator import DEMO_SETTINGS, get_state
from local.simulator import create_app as create_simulator
from local.simulator.logs import MAX_ENTRIES
from local.simulator.oauth import GENERATE
from local.simulator.stk import PUSH
from local.stack import free_port
from mpesa_gateway.config import get_settings
from mpesa_gateway.store.registry import DynamoRegistry

HOST = "127.0.0.1"
INVALID_TOKEN = "404.001.03"  # Daraja's errorCode for an invalid access token


@dataclass(frozen=True)
class Figures:
    """One load's outcome: what Daraja saw and what the callers got."""

    pushes: int
    accepted: int
    oauth_calls: int
    refused_invalid_token: int  # pushes Daraja refused for an invalid token (retried or not)
    failed: int  # pushes whose caller got an error
    failed_invalid_token: int  # of which for an invalid token
    seconds: float

    @property
    def pushes_per_second(self) -> float:
        """Pushes answered (accepted or refused) per second."""
        return self.pushes / self.seconds

    @property
    def accepted_per_second(self) -> float:
        return self.accepted / self.seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "seconds": round(self.seconds, 2),
            "pushes_per_second": round(self.pushes_per_second, 1),
            "accepted_per_second": round(self.accepted_per_second, 1),
        }


class Simulator:
    """The Daraja simulator on a loopback port, its request log read over its control API."""

    def __init__(self, token_lifetime_seconds: int) -> None:
        self.app = create_simulator(replace(DEMO_SETTINGS, token_ttl_seconds=token_lifetime_seconds))
        self._server = make_server(HOST, 0, self.app, threaded=True)
        self.url = f"http://{HOST}:{self._server.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def requests_to(self, path: str) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.url}/simulator/requests", params={"path": path}, timeout=30)
        answer.raise_for_status()
        entries: list[dict[str, Any]] = answer.json()["requests"]
        return entries

    def clear_log(self) -> None:
        requests.delete(f"{self.url}/simulator/requests", timeout=30).raise_for_status()

    def drop_callbacks(self, msisdn: str) -> None:
        rule = {"msisdn": msisdn, "drop_callback": True}
        requests.post(f"{self.url}/simulator/rules", json=rule, timeout=30).raise_for_status()

    def stop(self) -> None:
        get_state(self.app).shutdown()
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def local_services(token_lifetime_seconds: int = DEMO_SETTINGS.token_ttl_seconds) -> Iterator[Simulator]:
    """DynamoDB Local, moto server and the simulator; the gateway's tables, secrets and demo apps.

    The gateway's variables are set in os.environ for as long as this lasts, so spawned workers inherit
    them as a Lambda container gets its function's environment."""
    with DynamoDBLocal() as dynamodb:
        aws_port = free_port()
        aws = ThreadedMotoServer(ip_address=HOST, port=aws_port, verbose=False)
        aws.start()
        simulator = Simulator(token_lifetime_seconds)
        environment = {
            **gateway_environment(),
            **endpoint_environment(HOST, moto_port=aws_port, dynamodb_port=dynamodb.port),
            "DARAJA_SANDBOX_URL": simulator.url,
            "DARAJA_LIVE_URL": simulator.url,
            "PUBLIC_BASE_URL": CALLBACK_BASE_URL,
            # Lambda's default is INFO; a line per invocation from 8 processes would bury the figures.
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
        try:
            with mock.patch.dict(os.environ, environment):
                os.environ.update(provision())
                seed(DynamoRegistry(get_settings().registry_table))
                simulator.drop_callbacks(PHONE)
                yield simulator
        finally:
            simulator.stop()
            aws.stop()


Worker = Callable[..., None]  # (pushes, start barrier, reports queue)


def load(simulator: Simulator, worker: Worker, workers: int, pushes: int) -> Figures:
    """`workers` spawned processes, each running `worker` for `pushes` pushes, all started together."""
    simulator.clear_log()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(workers)
    reports: Queue[WorkerReport] = context.Queue()
    processes = [context.Process(target=worker, args=(pushes, start, reports)) for _ in range(workers)]
    for process in processes:
        process.start()
    try:
        collected = _collect(reports, processes)
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
    failures = sum((report.failures for report in collected), Counter[str]())
    pushes_logged = simulator.requests_to(PUSH)
    if len(pushes_logged) >= MAX_ENTRIES:
        raise RuntimeError(f"the simulator keeps the last {MAX_ENTRIES} requests only: push fewer")
    return Figures(
        pushes=workers * pushes,
        accepted=sum(report.accepted for report in collected),
        oauth_calls=sum(entry["status"] == 200 for entry in simulator.requests_to(GENERATE)),
        # Daraja answers an invalid token with HTTP 404 (errorCode 404.001.03), nothing else with 404.
        refused_invalid_token=sum(entry["status"] == 404 for entry in pushes_logged),
        failed=sum(failures.values()),
        failed_invalid_token=failures[INVALID_TOKEN],
        seconds=max(r.finished for r in collected) - min(r.started for r in collected),
    )


def _collect(reports: Queue[WorkerReport], processes: Sequence[BaseProcess]) -> list[WorkerReport]:
    """Every worker's report; raises as soon as a worker has died without one."""
    collected: list[WorkerReport] = []
    while len(collected) < len(processes):
        try:
            collected.append(reports.get(timeout=1))
        except queue.Empty:
            dead = [process.exitcode for process in processes if process.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"{len(dead)} worker(s) died (exit codes {dead})") from None
    return collected


def run(
    workers: int = 8, pushes: int = 250, token_lifetime_seconds: int = DEMO_SETTINGS.token_ttl_seconds
) -> dict[str, Any]:
    """Both loads against one simulator; the gateway's figures, mpesakit's, and their ratios."""
    for noisy in ("werkzeug", "moto"):  # a line per request would bury the figures
        logging.getLogger(noisy).setLevel(logging.ERROR)
    with local_services(token_lifetime_seconds) as simulator:
        ours = load(simulator, gateway_container, workers, pushes)
        theirs = load(simulator, mpesakit_container, workers, pushes)
    return {
        "workers": workers,
        "pushes_per_worker": pushes,
        "apps": 1,
        "token_lifetime_seconds": token_lifetime_seconds,
        "target": {"oauth_calls_per_app_per_token_lifetime": 1, "invalid_token_failures": 0},
        "gateway": ours.as_dict(),
        "mpesakit": theirs.as_dict(),
        "ratios_gateway_to_mpesakit": {
            key: _ratio(getattr(ours, key), getattr(theirs, key))
            for key in ("oauth_calls", "pushes_per_second", "accepted_per_second")
        },
    }


def _ratio(ours: float, theirs: float) -> float | None:
    return round(ours / theirs, 3) if theirs else None


ROWS = (
    ("OAuth calls", "oauth_calls"),
    ("pushes Daraja refused: invalid token", "refused_invalid_token"),
    ("pushes failed (caller got an error)", "failed"),
    ("  of which invalid token", "failed_invalid_token"),
    ("pushes accepted", "accepted"),
    ("pushes answered per second", "pushes_per_second"),
    ("pushes accepted per second", "accepted_per_second"),
)


def table(results: dict[str, Any]) -> str:
    """The figures side by side, with the gateway-to-mpesakit ratio where one is meaningful."""
    ours, theirs = results["gateway"], results["mpesakit"]
    ratios = results["ratios_gateway_to_mpesakit"]
    width = max(len(label) for label, _ in ROWS)
    lines = [
        f"Token economy: {results['workers']} processes x {results['pushes_per_worker']} STK pushes, "
        f"1 app, token lifetime {results['token_lifetime_seconds']} s "
        "(target: 1 OAuth call per token lifetime, 0 invalid-token failures)",
        f"{'':{width}}  {'gateway':>10}  {'mpesakit':>10}  {'ratio':>7}",
    ]
    for label, key in ROWS:
        ratio = ratios.get(key)
        shown = "" if ratio is None else f"{ratio:.3g}"
        lines.append(f"{label:{width}}  {ours[key]:>10}  {theirs[key]:>10}  {shown:>7}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--pushes", type=int, default=250, help="STK pushes per worker")
    parser.add_argument(
        "--token-lifetime",
        type=int,
        default=DEMO_SETTINGS.token_ttl_seconds,
        help="seconds the simulator's tokens live (Daraja's: 3599)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON as well")
    args = parser.parse_args()
    results = run(args.workers, args.pushes, args.token_lifetime)
    print(table(results))
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    main()
