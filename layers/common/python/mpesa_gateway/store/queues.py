"""The work queues (SQS): webhook deliveries (an event id per message) and Vodacom payments waiting for
the worker (a transaction id per message); a consumer's back-off between attempts."""

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
class _WorkQueue:
    _field: str

    def __init__(self, queue_url: str) -> None:
        self._url = queue_url

    def send(self, value: str) -> None:
        _sqs().send_message(QueueUrl=self._url, MessageBody=json.dumps({self._field: value}))

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        """The message shows again after `seconds`: the next attempt's back-off."""
        _sqs().change_message_visibility(
            QueueUrl=self._url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )


class DeliveryQueue(_WorkQueue):
    _field = "event_id"


class PaymentJobQueue(_WorkQueue):
    _field = "transaction_id"


def _field_of(message_body: str, field: str, what: str) -> str:
    body = json.loads(message_body)
    value = body.get(field) if isinstance(body, dict) else None
    if not isinstance(value, str):
        raise ValueError(f"not a {what} message")
    return value


def event_id_of(message_body: str) -> str:
    """The event a queued message is about; ValueError when it is not one of ours."""
    return _field_of(message_body, "event_id", "webhook delivery")


def transaction_id_of(message_body: str) -> str:
    """The payment a queued job is about; ValueError when it is not one of ours."""
    return _field_of(message_body, "transaction_id", "payment job")
