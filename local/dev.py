"""`make dev`: the whole gateway on this machine, in one process tree.

Starts Amazon's DynamoDB Local (a Java child process), moto server for Secrets Manager and SQS (a thread),
the Daraja simulator and the local API (the deployed handlers in Lambda-like containers behind an API
Gateway emulation), feeds the stream and queue subscribers as Lambda's event source mappings would, seeds
the demo data and prints where everything is. One Ctrl-C or SIGTERM stops all of it, child processes
included.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from types import FrameType

import boto3
from flask import Flask
from moto.server import ThreadedMotoServer
from werkzeug.serving import BaseWSGIServer, make_server

from infra.routes import QUEUES, SCHEDULES, STREAMS
from local.api_server import LocalApi, LocalApiSettings, create_app
from local.api_server import make_server as make_api_server
from local.apigw.authorizer import CACHE_SECONDS_VARIABLE, cache_seconds_from_env
from local.apigw.invoker import ContainerSettings
from local.aws import dead_letter_queue_name, endpoint_environment, gateway_environment, provision
from local.demo import APPS, MERCHANTS, seed
from local.dynamodb_local import DynamoDBLocal
from local.event_sources import EventSourcePollers
from local.scheduler import LocalScheduler
from local.simulator import create_app as create_simulator
from local.simulator import get_state
from local.simulator.settings import DEV_SETTINGS
from mpesa_gateway.config import get_settings
from mpesa_gateway.store.registry import DynamoRegistry

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Ports:
    api: int
    simulator: int
    aws: int  # moto: Secrets Manager, SQS
    dynamodb: int  # DynamoDB Local

    @classmethod
    def from_env(cls) -> Ports:
        return cls(
            api=int(os.environ.get("API_PORT", "3000")),
            simulator=int(os.environ.get("SIMULATOR_PORT", "3001")),
            aws=int(os.environ.get("LOCAL_AWS_PORT", "3002")),
            dynamodb=int(os.environ.get("LOCAL_DYNAMODB_PORT", "3003")),
        )


def schedule_override() -> float | None:
    """LOCAL_SCHEDULE_SECONDS runs scheduled functions more often than the stack does (demos, tests)."""
    value = os.environ.get("LOCAL_SCHEDULE_SECONDS")
    return float(value) if value else None


def configure_environment(ports: Ports) -> None:
    """Point the handlers at the local services, exactly as the stack's settings point them at AWS."""
    os.environ.update(gateway_environment())
    os.environ.update(endpoint_environment(HOST, moto_port=ports.aws, dynamodb_port=ports.dynamodb))
    os.environ["DARAJA_SANDBOX_URL"] = os.environ["DARAJA_LIVE_URL"] = f"http://{HOST}:{ports.simulator}"
    # Vodacom's OpenAPI on the same simulator, whose new sessions activate as quickly as it says.
    os.environ["VODACOM_URL"] = f"http://{HOST}:{ports.simulator}"
    os.environ["VODACOM_SESSION_ACTIVATION_SECONDS"] = str(DEV_SETTINGS.vodacom_session_activation_seconds)
    os.environ["PUBLIC_BASE_URL"] = f"http://{HOST}:{ports.api}"


def trust_simulator_certificate(pem: str) -> None:
    """The local apps' initiator passwords are encrypted with the simulator's certificate, as real apps'
    are with Safaricom's; set before anything reads (and caches) the settings."""
    os.environ["DARAJA_SANDBOX_CERTIFICATE"] = os.environ["DARAJA_LIVE_CERTIFICATE"] = pem


class Background:
    """Servers run on threads, stopped together."""

    def __init__(self) -> None:
        self._servers: list[BaseWSGIServer] = []

    def start(self, server: BaseWSGIServer) -> None:
        self._servers.append(server)
        threading.Thread(target=server.serve_forever, name=f"serve-{server.port}", daemon=True).start()

    def stop(self) -> None:
        for server in reversed(self._servers):
            server.shutdown()
            server.server_close()


class StopSignal:
    """Records SIGINT/SIGTERM. The handler only sets an attribute: it takes no lock, so it cannot
    deadlock with the main thread (as threading.Event.set() could while the main thread waits on it)."""

    def __init__(self) -> None:
        self.received: int | None = None
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum

    def wait(self) -> None:
        while self.received is None:
            time.sleep(0.1)  # a signal interrupts the sleep, and its handler runs first


def event_source_lines() -> str:
    """What feeds the stream and queue subscribers, with each queue's URL and its dead-letter queue's."""
    sqs = boto3.client("sqs")
    lines = [f"{s.table.local_name} stream -> {s.function.name} (batches of {s.batch_size})" for s in STREAMS]
    for subscription in QUEUES:
        url = sqs.get_queue_url(QueueName=subscription.queue.local_name)["QueueUrl"]
        dead_letters = sqs.get_queue_url(QueueName=dead_letter_queue_name(subscription.queue))["QueueUrl"]
        lines += [
            f"{url} -> {subscription.function.name} (batches of {subscription.batch_size})",
            f"dead letters (after {subscription.queue.max_receive_count} receives): {dead_letters}",
        ]
    return "\n".join(f"{'':21}{line}" for line in lines)


def banner(ports: Ports, containers: ContainerSettings, authorizer_cache_seconds: int) -> str:
    merchants = "\n".join(f"    {m.merchant_id}:{m.client_secret}" for m in MERCHANTS)
    apps = "\n".join(
        f"    {a.app_id} ({a.driver.value}, owner {a.merchant_id}"
        + (f", short code {a.short_code})" if a.short_code else ")")
        for a in APPS
    )
    concurrency, idle = containers.concurrency, f"{containers.idle_seconds:g}"
    answers = f"kept {authorizer_cache_seconds} s per token" if authorizer_cache_seconds else "not cached"
    every = schedule_override()
    schedules = ", ".join(f"{s.function.name} every {every or s.every_minutes * 60:g} s" for s in SCHEDULES)
    return f"""
M-Pesa gateway (local)
  API                http://{HOST}:{ports.api}/api/pay/{{payment_app}}/...
  API contract       http://{HOST}:{ports.api}/docs (Swagger UI), /openapi.json (docs/openapi.json)
  Authorizer         its answers {answers} ({CACHE_SECONDS_VARIABLE})
  Daraja simulator   http://{HOST}:{ports.simulator}  (POST /simulator/rules, GET /simulator/requests)
  DynamoDB           http://{HOST}:{ports.dynamodb}  (Amazon's DynamoDB Local, in memory, a java process)
  Secrets Manager    http://{HOST}:{ports.aws}  (moto server; SQS too)
  Functions          Lambda-like containers: a process each, one request at a time, created on demand
                     up to {concurrency} per function (LOCAL_FUNCTION_CONCURRENCY), retired {idle} s idle
                     (LOCAL_FUNCTION_IDLE_SECONDS); "REPORT ... Init Duration" lines are cold starts
  Scheduled          {schedules}
  Webhooks           signed and delivered to each app's endpoint; its functions fed as by Lambda's mappings:
{event_source_lines()}
  Merchant credentials (HTTP Basic client_id:client_secret)
{merchants}
  Payment apps
{apps}
  Daraja consumer key/secret: demo-consumer-key / demo-consumer-secret (174379: sandbox passkey)
  Manage them: python -m local.admin apps list
  Try: curl -s -u demo:demo-secret -X POST http://{HOST}:{ports.api}/api/generate_token
       curl -H "Authorization: Bearer <access_token>" -H 'Content-Type: application/json' \\
         -d '{{"phone_number": "0712345678", "amount": 1, "reference": "ORDER-001"}}' \\
         http://{HOST}:{ports.api}/api/pay/demo-express/requestPayment
Local gateway ready. Ctrl-C stops everything.""".strip("\n")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("werkzeug", "moto", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    stop = StopSignal()
    ports = Ports.from_env()
    configure_environment(ports)
    containers = ContainerSettings.from_env()
    authorizer_cache_seconds = cache_seconds_from_env()

    dynamodb = DynamoDBLocal(ports.dynamodb, HOST)
    aws = ThreadedMotoServer(ip_address=HOST, port=ports.aws, verbose=False)
    background = Background()
    stopping = threading.Event()  # set by this thread only, never by a signal handler
    api: LocalApi | None = None
    simulator: Flask | None = None
    aws_started = False
    try:
        dynamodb.start()
        aws.start()
        aws_started = True
        simulator = create_simulator(DEV_SETTINGS)
        trust_simulator_certificate(get_state(simulator).certificate_pem)
        os.environ.update(provision())  # the queues' URLs, before any function's container starts
        seed(DynamoRegistry(get_settings().registry_table))
        background.start(make_server(HOST, ports.simulator, simulator, threaded=True))
        api = create_app(
            LocalApiSettings(containers=containers, authorizer_cache_seconds=authorizer_cache_seconds)
        )
        background.start(make_api_server(api, HOST, ports.api))
        LocalScheduler(SCHEDULES, api.invoker, stopping).start(schedule_override())
        EventSourcePollers(STREAMS, QUEUES, api.invoker, stopping).start()
        print(banner(ports, containers, authorizer_cache_seconds), flush=True)
        stop.wait()
    finally:
        stopping.set()
        background.stop()
        if api is not None:
            api.close()
        if simulator is not None:
            get_state(simulator).shutdown()  # its pending callback timers
        if aws_started:  # moto's stop() fails unless it was started
            aws.stop()
        dynamodb.stop()
        print("Local gateway stopped.", flush=True)


if __name__ == "__main__":
    main()
