"""deliver_webhooks' handler: a batch's deliveries run at once (one slow endpoint holds the batch for one
attempt, not one per message), a failure is reported alone with its back-off, and the last attempt goes
straight back for SQS to dead-letter it."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

from infra.routes import DELIVER_WEBHOOKS, HANDLER_FILE, import_file
from mpesa_gateway.webhooks.schedule import MAX_ATTEMPTS


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    for table in ("TRANSACTIONS_TABLE", "REGISTRY_TABLE"):
        monkeypatch.setenv(table, "unused")
    return import_file(DELIVER_WEBHOOKS.source_dir / HANDLER_FILE, "_test_deliver_webhooks")


@dataclass(frozen=True)
class Context:
    function_name: str = "deliver_webhooks"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:af-south-1:123456789012:function:deliver_webhooks"
    aws_request_id: str = "request-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def record(event_id: str, receive_count: int = 1) -> dict[str, Any]:
    return {
        "messageId": f"m-{event_id}",
        "receiptHandle": f"r-{event_id}",
        "body": json.dumps({"event_id": event_id}),
        "attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "1796030598000"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:af-south-1:123456789012:mpesa-gateway-webhooks",
        "awsRegion": "af-south-1",
    }


class Deliverer:
    def __init__(self, succeeds: set[str], together: threading.Barrier | None = None) -> None:
        self.succeeds = succeeds
        self.together = together

    def deliver(self, event_id: str, receive_count: int) -> bool:
        if self.together:
            # Every delivery of the batch must be under way at once, or this wait times out.
            self.together.wait(timeout=5)
        return event_id in self.succeeds


class Queue:
    def __init__(self) -> None:
        self.postponed: list[tuple[str, int]] = []

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        self.postponed.append((receipt_handle, seconds))


def run(handler: ModuleType, deliverer: Deliverer, records: list[dict[str, Any]]) -> tuple:
    queue = Queue()
    handler.webhook_deliverer = lambda: deliverer
    handler.delivery_queue = lambda: queue
    answer = handler.handler({"Records": records}, Context())
    return answer, queue.postponed


def test_a_batch_is_delivered_concurrently_and_only_the_failure_is_reported(handler):
    ids = [f"evt_{n:032x}" for n in range(4)]
    deliverer = Deliverer(succeeds=set(ids[1:]), together=threading.Barrier(len(ids)))

    answer, postponed = run(handler, deliverer, [record(event_id) for event_id in ids])

    assert answer == {"batchItemFailures": [{"itemIdentifier": f"m-{ids[0]}"}]}
    assert [handle for handle, _ in postponed] == [f"r-{ids[0]}"]
    assert postponed[0][1] >= 60  # the schedule's first back-off at its default unit


def test_the_last_attempt_goes_back_at_once_for_the_dead_letter_queue(handler):
    event_id = "evt_" + "f" * 32

    answer, postponed = run(handler, Deliverer(succeeds=set()), [record(event_id, MAX_ATTEMPTS)])

    assert answer == {"batchItemFailures": [{"itemIdentifier": f"m-{event_id}"}]}
    assert postponed == [(f"r-{event_id}", 0)]
