"""Signed webhooks on the local stack: a merchant's receiver on a free loopback port gets each settlement
once, signed; failures are retried, a receiver that never answers ends in the dead-letter queue, and a
redelivery sends the same event. The `other` merchant's app is used so no other test's payments reach it."""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
import requests

from mpesa_gateway.webhooks import SIGNATURE_HEADER, verify
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

APP = "other-express"
PHONE = "254722000060"


@functools.cache
def bearer(api: str) -> dict[str, str]:
    credentials = {"client_id": "other", "client_secret": "other-secret"}
    token = requests.post(f"{api}/api/generate_token", json=credentials, timeout=30).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


class Receiver:
    """A merchant's endpoint: answers with `answer(n)` for the n-th request (None: never answers)."""

    def __init__(self, answer: Callable[[int], int | None]) -> None:
        self.answer = answer
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.answer(len(receiver.received))
                if status is None:
                    time.sleep(2)  # past the attempt's 0.5 s: the gateway has given up on it
                    return
                self.send_response(status)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mpesa/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, event_type: str, transaction_id: str) -> list[tuple[dict[str, str], bytes]]:
        return [
            (headers, body)
            for headers, body in self.received
            if (event := json.loads(body))["type"] == event_type
            and event["data"]["transaction_id"] == transaction_id
        ]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_for(local_stack: LocalStack) -> Iterator[Callable[..., tuple[Receiver, str]]]:
    """A receiver set as the app's webhook; its signing secret. Removed after the test."""
    receivers: list[Receiver] = []

    def start(answer: Callable[[int], int | None] = lambda _: 200) -> tuple[Receiver, str]:
        receivers.append(receiver := Receiver(answer))
        answer_ = call(local_stack, "PUT", "webhook", json={"url": receiver.url})
        assert answer_.status_code == 200, answer_.text
        return receiver, answer_.json()["data"]["secret"]

    yield start
    call(local_stack, "DELETE", "webhook")
    for receiver in receivers:
        receiver.close()


def call(stack: LocalStack, method: str, path: str, **kwargs: Any) -> requests.Response:
    url = f"{stack.api}/api/pay/{APP}/{path}"
    return requests.request(method, url, headers=bearer(stack.api), timeout=30, **kwargs)


def pay(stack: LocalStack) -> str:
    body = {"phone_number": PHONE, "amount": 1, "reference": "ORDER-9"}
    answer = call(stack, "POST", "requestPayment", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["transaction_id"]


def event_of(stack: LocalStack, event_id: str) -> dict[str, Any]:
    answer = call(stack, "GET", f"events/{event_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def wait_delivery(stack: LocalStack, event_id: str, state: str, timeout: float = 20) -> dict[str, Any]:
    """The event once its delivery is in `state`."""
    return wait_for(lambda: (event := event_of(stack, event_id))["delivery"] == state and event, timeout)


def wait_for(condition: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found, "not within the time allowed"
    return found


def test_a_payment_reaches_the_receiver_once_signed_and_is_listed(local_stack: LocalStack, receiver_for):
    receiver, secret = receiver_for()
    assert "secret" not in call(local_stack, "GET", "webhook").json()["data"]

    transaction_id = pay(local_stack)

    ((headers, body),) = wait_for(lambda: receiver.events("payment.completed", transaction_id))
    event = json.loads(body)
    assert headers["Mpesa-Gateway-Event-Id"] == event["id"]
    assert verify(secret, headers[SIGNATURE_HEADER], body) > 0
    assert (event["app"], event["data"]["status"], event["data"]["stk"]["checkout_request_id"][:6]) == (
        APP,
        "COMPLETED",
        "ws_CO_",
    )
    listed = call(local_stack, "GET", "events", params={"type": "payment.completed"}).json()["data"]
    assert listed[0]["id"] == event["id"]
    one = event_of(local_stack, event["id"])
    assert [(attempt["status_code"], attempt["error"]) for attempt in one["attempts"]] == [(200, None)]
    assert one["delivery"] == "delivered"


def test_duplicate_callbacks_are_one_event(local_stack: LocalStack, receiver_for):
    receiver, _ = receiver_for()
    rule = {"msisdn": PHONE, "duplicate_callbacks": 2, "callback_delay_ms": 200}
    requests.post(f"{local_stack.simulator}/simulator/rules", json=rule, timeout=5).raise_for_status()

    transaction_id = pay(local_stack)
    wait_for(lambda: receiver.events("payment.completed", transaction_id))
    time.sleep(3)  # the duplicates' time to arrive, and to be (not) published

    assert len(receiver.events("payment.completed", transaction_id)) == 1
    events = call(local_stack, "GET", "events").json()["data"]
    assert [e["type"] for e in events if e["data"]["transaction_id"] == transaction_id] == [
        "payment.completed"
    ]


def test_a_receiver_that_fails_gets_the_event_again_until_it_answers_2xx(
    local_stack: LocalStack, receiver_for
):
    receiver, _ = receiver_for(lambda n: 500 if n <= 2 else 204)

    transaction_id = pay(local_stack)

    deliveries = wait_for(lambda: receiver.events("payment.completed", transaction_id)[2:])
    event_id = json.loads(deliveries[0][1])["id"]
    one = wait_delivery(local_stack, event_id, "delivered")
    assert [attempt["status_code"] for attempt in one["attempts"]] == [500, 500, 204]
    assert {json.loads(body)["id"] for _, body in receiver.events("payment.completed", transaction_id)} == {
        event_id
    }


def test_a_receiver_that_never_answers_ends_in_the_dead_letter_queue_then_a_redelivery_arrives(
    local_stack: LocalStack, receiver_for
):
    answering = threading.Event()
    receiver, secret = receiver_for(lambda _: 200 if answering.is_set() else None)

    transaction_id = pay(local_stack)
    event_id = json.loads(wait_for(lambda: receiver.events("payment.completed", transaction_id))[0][1])["id"]

    # 21 attempts a second or so apart, each cut after half a second.
    failed = wait_delivery(local_stack, event_id, "failed", timeout=120)
    assert len(failed["attempts"]) == 21
    assert {attempt["error"] for attempt in failed["attempts"]} == {"timed out after 0.5 s"}
    wait_for(lambda: event_id in dead_letters(local_stack))

    answering.set()
    redelivered = call(local_stack, "POST", f"events/{event_id}/redeliver")
    assert redelivered.status_code == 202, redelivered.text
    wait_delivery(local_stack, event_id, "delivered")
    headers, body = receiver.events("payment.completed", transaction_id)[-1]
    assert (headers["Mpesa-Gateway-Event-Id"], json.loads(body)["id"]) == (event_id, event_id)
    verify(secret, headers[SIGNATURE_HEADER], body)


def dead_letters(stack: LocalStack) -> list[str]:
    sqs = boto3.client(
        "sqs",
        endpoint_url=f"http://127.0.0.1:{stack.env['LOCAL_AWS_PORT']}",
        region_name="af-south-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    url = sqs.get_queue_url(QueueName="mpesa-gateway-webhooks-dead-letters")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
        "Messages", []
    )
    return [json.loads(message["Body"])["event_id"] for message in messages]


def test_after_a_rotation_each_delivery_is_signed_by_both_secrets(local_stack: LocalStack, receiver_for):
    receiver, old = receiver_for()
    rotated = call(local_stack, "POST", "webhook/rotateSecret").json()["data"]
    assert rotated["secret"] != old
    assert rotated["previous_secret_expires_at"]

    transaction_id = pay(local_stack)

    ((headers, body),) = wait_for(lambda: receiver.events("payment.completed", transaction_id))
    assert headers[SIGNATURE_HEADER].count("v1=") == 2
    for secret in (old, rotated["secret"]):
        verify(secret, headers[SIGNATURE_HEADER], body)


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ({"url": "http://10.0.0.1/hooks"}, "url", "not public"),
        ({"url": "ftp://shop.example.com/hooks"}, "url", "http"),
        (
            {"url": "https://shop.example.com/hooks", "events": ["payment.done"]},
            "events[0]",
            "payment.completed",
        ),
    ],
)
def test_a_bad_url_or_event_type_is_a_400_naming_it(
    local_stack: LocalStack, body: dict, field: str, problem: str
):
    answer = call(local_stack, "PUT", "webhook", json=body)

    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    # A rule of the gateway's names one field; the model's checks list each field with its problem.
    named = [error] if "field" in error else error["fields"]
    assert (named[0]["field"], problem in json.dumps(error)) == (field, True)
    assert call(local_stack, "GET", "webhook").status_code == 404
