"""The webhook delivery queue (SQS): an event id per message; the consumer's back-off between attempts."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import boto3

from mpesa_gateway.store.dynamo import storage_errors


@cache
def _sqs() -> Any:
    return boto3.client("sqs")


@storage_errors
class DeliveryQueue:
    def __init__(self, queue_url: str) -> None:
        self._url = queue_url

    def send(self, event_id: str) -> None:
        _sqs().send_message(QueueUrl=self._url, MessageBody=json.dumps({"event_id": event_id}))

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        """The message shows again after `seconds`: the next attempt's back-off."""
        _sqs().change_message_visibility(
            QueueUrl=self._url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )


def event_id_of(message_body: str) -> str:
    """The event a queued message is about; ValueError when it is not one of ours."""
    body = json.loads(message_body)
    event_id = body.get("event_id") if isinstance(body, dict) else None
    if not isinstance(event_id, str):
        raise ValueError("not a webhook delivery message")
    return event_id
