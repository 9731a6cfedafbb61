"""Events: which change of a transaction is which event, once; signed delivery and its states. Pure
rules and in-memory stores (the DynamoDB stores and the whole flow are tested in integration and e2e)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from mpesa_gateway.callbacks import CallbackKind, CallbackOutcome, RawCallback
from mpesa_gateway.events.delivery import DeliverySettings, WebhookDeliverer, wire_body
from mpesa_gateway.events.derive import event_id, transaction_events, validation_rejection
from mpesa_gateway.events.models import DeliveryState, Event, EventType, StoredEvent, WebhookEndpoint
from mpesa_gateway.events.publishing import EventPublisher
from mpesa_gateway.models import SettledBy, Transaction, TransactionStatus, TransactionType
from mpesa_gateway.store.events import EventFilter
from mpesa_gateway.store.transactions import stored_attributes
from mpesa_gateway.webhooks import SIGNATURE_HEADER, SignatureMismatch, verify
from mpesa_gateway.webhooks.endpoints import Attempt
from mpesa_gateway.webhooks.schedule import MAX_ATTEMPTS

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def transaction(kind: TransactionType = TransactionType.STK_PUSH, **changes: Any) -> Transaction:
    return Transaction(
        transaction_id="txn_1",
        app_id="demo-express",
        merchant_id="demo",
        type=kind,
        amount=10,
        phone_number="254712345678",
        reference="ORDER-1",
        description="Test",
        created_at=NOW,
        updated_at=NOW,
        **changes,
    )


def types(before: Transaction | None, after: Transaction) -> list[EventType]:
    return [kind for _, kind in transaction_events(before, after)]


PENDING = transaction()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (TransactionStatus.COMPLETED, EventType.PAYMENT_COMPLETED),
        (TransactionStatus.FAILED, EventType.PAYMENT_FAILED),
        (TransactionStatus.TIMEOUT, EventType.PAYMENT_FAILED),
        (TransactionStatus.CANCELLED, EventType.PAYMENT_CANCELLED),
        (TransactionStatus.EXPIRED, EventType.PAYMENT_EXPIRED),
    ],
)
def test_an_stk_push_settling_is_one_payment_event(status: TransactionStatus, expected: EventType):
    assert types(PENDING, transaction(status=status)) == [expected]


@pytest.mark.parametrize(
    ("kind", "status", "expected"),
    [
        (TransactionType.B2C, TransactionStatus.COMPLETED, EventType.PAYOUT_COMPLETED),
        (TransactionType.B2B, TransactionStatus.FAILED, EventType.PAYOUT_FAILED),
        (TransactionType.REVERSAL, TransactionStatus.COMPLETED, EventType.REVERSAL_COMPLETED),
        (TransactionType.REVERSAL, TransactionStatus.FAILED, EventType.REVERSAL_FAILED),
        (TransactionType.STATUS_QUERY, TransactionStatus.FAILED, EventType.STATUS_RESULT),
        (TransactionType.BALANCE_QUERY, TransactionStatus.COMPLETED, EventType.BALANCE_UPDATED),
        (TransactionType.BALANCE_QUERY, TransactionStatus.FAILED, EventType.BALANCE_FAILED),
    ],
)
def test_each_asynchronous_answer_is_its_product_s_event(
    kind: TransactionType, status: TransactionStatus, expected: EventType
):
    assert types(transaction(kind), transaction(kind, status=status)) == [expected]


def test_records_born_final_are_an_event_when_written_and_pending_ones_are_not():
    assert types(None, transaction(TransactionType.C2B, status=TransactionStatus.COMPLETED)) == [
        EventType.C2B_RECEIVED
    ]
    assert types(None, transaction(TransactionType.SMS, status=TransactionStatus.COMPLETED)) == [
        EventType.SMS_EXTRACTED
    ]
    assert types(None, PENDING) == []


def test_a_change_that_settles_nothing_is_no_event():
    completed = transaction(status=TransactionStatus.COMPLETED)
    # A late callback adding the receipt to a completion learnt by query; a duplicate write.
    assert types(completed, completed.model_copy(update={"receipt_number": "TJK1234567"})) == []
    assert types(completed, completed) == []


def test_an_overruling_callback_is_the_new_outcome_and_a_conflict():
    cancelled = transaction(status=TransactionStatus.CANCELLED, settled_by=SettledBy.QUERY)
    paid = cancelled.model_copy(
        update={"status": TransactionStatus.COMPLETED, "conflict": "paid callback after the query said 1032"}
    )
    assert types(cancelled, paid) == [EventType.PAYMENT_COMPLETED, EventType.TRANSACTION_CONFLICT]
    # A reversal completing marks its original REVERSED: an event of the original too.
    assert types(paid, paid.model_copy(update={"status": TransactionStatus.REVERSED})) == [
        EventType.TRANSACTION_REVERSED
    ]


def test_event_ids_are_stable_per_transaction_and_type():
    completed = transaction(status=TransactionStatus.COMPLETED)
    assert transaction_events(PENDING, completed) == transaction_events(PENDING, completed)
    assert event_id("txn_1", EventType.PAYMENT_COMPLETED) != event_id("txn_2", EventType.PAYMENT_COMPLETED)
    assert event_id("txn_1", EventType.PAYMENT_COMPLETED) != event_id("txn_1", EventType.PAYMENT_FAILED)


def validation(outcome: str) -> RawCallback:
    return RawCallback(
        callback_id="cb-1",
        app_id="demo-c2b",
        kind=CallbackKind.C2B_VALIDATION,
        key="RKL51ZDR4F",
        received_at=NOW,
        body={"TransID": "RKL51ZDR4F", "TransAmount": "10.00", "BillRefNumber": "BAD"},
        outcome=outcome,
    )


def test_a_validation_marked_rejected_is_one_event_and_an_accepted_one_none():
    received = validation(CallbackOutcome.RECEIVED)
    rejected = validation("rejected C2B00012: account BAD is not allowed")
    assert validation_rejection(received, rejected) == event_id("cb-1", EventType.C2B_VALIDATION_REJECTED)
    assert validation_rejection(rejected, rejected) is None
    assert validation_rejection(received, validation("accepted 0: the app's rules pass")) is None


class MemoryEvents:
    def __init__(self) -> None:
        self.events: dict[str, StoredEvent] = {}

    def add(self, event: Event, delivery: DeliveryState) -> bool:
        if event.event_id in self.events:
            return False
        self.events[event.event_id] = StoredEvent(**event.model_dump(), delivery=delivery)
        return True

    def get(self, event_id: str) -> StoredEvent | None:
        return self.events.get(event_id)

    def page_for_app(self, app_id: str, matching: EventFilter, limit: int, start: Any) -> tuple[list, None]:
        return [e for e in self.events.values() if e.delivery == (matching.delivery or e.delivery)], None

    def record_attempt(self, event_id: str, attempt: Attempt, delivery: DeliveryState) -> None:
        stored = self.events[event_id]
        self.events[event_id] = stored.model_copy(update={"attempts": [*stored.attempts, attempt]})
        self.set_delivery(event_id, delivery)

    def set_delivery(self, event_id: str, delivery: DeliveryState) -> None:
        stored = self.events[event_id]
        if stored.delivery is not DeliveryState.DELIVERED:
            self.events[event_id] = stored.model_copy(update={"delivery": delivery})

    def mark_queued(self, event_id: str) -> None:
        self.events[event_id] = self.events[event_id].model_copy(update={"queued_at": NOW})


class MemoryEndpoints:
    def __init__(self, *endpoints: WebhookEndpoint) -> None:
        self.endpoints = {endpoint.app_id: endpoint for endpoint in endpoints}

    def get(self, app_id: str) -> WebhookEndpoint | None:
        return self.endpoints.get(app_id)

    def put(self, endpoint: WebhookEndpoint) -> None:
        self.endpoints[endpoint.app_id] = endpoint

    def delete(self, app_id: str) -> bool:
        return self.endpoints.pop(app_id, None) is not None


class MemoryQueue:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, event_id: str) -> None:
        self.sent.append(event_id)


def endpoint(**changes: Any) -> WebhookEndpoint:
    defaults = {"app_id": "demo-express", "url": "https://shop.example.com/hooks", "created_at": NOW}
    return WebhookEndpoint(**{**defaults, "secret": SecretStr("whsec_current"), "updated_at": NOW, **changes})


def image(item: Transaction) -> dict[str, Any]:
    """A stream image of the stored item: flat attributes with the table's keys."""
    return {"pk": f"TXN#{item.transaction_id}", "sk": "TXN", **stored_attributes(item)}


def test_the_same_settlement_seen_twice_is_stored_and_queued_once():
    events, queue = MemoryEvents(), MemoryQueue()
    publisher = EventPublisher(events, MemoryEndpoints(endpoint()), queue)
    completed = transaction(status=TransactionStatus.COMPLETED, receipt_number="TJK1234567")

    first = publisher.publish(image(PENDING), image(completed))
    again = publisher.publish(image(PENDING), image(completed))  # Lambda's retry of the same record

    assert [event.type for event in first] == [EventType.PAYMENT_COMPLETED] == [e.type for e in again]
    assert list(events.events) == queue.sent == [first[0].event_id]
    assert first[0].data["receipt_number"] == "TJK1234567"
    assert "merchant_id" not in first[0].data  # the transaction as the API shows it


def test_an_event_stored_but_never_queued_is_queued_when_the_record_comes_again():
    events, queue = MemoryEvents(), MemoryQueue()
    publisher = EventPublisher(events, MemoryEndpoints(endpoint()), queue)
    completed = transaction(status=TransactionStatus.COMPLETED)
    events.add(publisher.publish(image(PENDING), image(completed))[0], DeliveryState.PENDING)
    (stored,) = events.events.values()
    events.events[stored.event_id] = stored.model_copy(update={"queued_at": None})  # died before queueing
    queue.sent.clear()

    publisher.publish(image(PENDING), image(completed))

    assert queue.sent == [stored.event_id]


def test_an_app_without_an_endpoint_or_filtering_the_type_out_stores_the_event_unsent():
    filtered = endpoint(events=(EventType.C2B_RECEIVED,))
    for endpoints in (MemoryEndpoints(), MemoryEndpoints(filtered)):
        events, queue = MemoryEvents(), MemoryQueue()
        EventPublisher(events, endpoints, queue).publish(
            image(PENDING), image(transaction(status=TransactionStatus.FAILED))
        )
        assert [event.delivery for event in events.events.values()] == [DeliveryState.NOT_SENT]
        assert queue.sent == []


class Receiver:
    """A fake transport: answers the statuses given, records what it was sent."""

    def __init__(self, *statuses: int | None) -> None:
        self.statuses = list(statuses)
        self.requests: list[tuple[str, bytes, dict[str, str]]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str], **_: Any) -> Attempt:
        self.requests.append((url, body, dict(headers)))
        status = self.statuses.pop(0)
        return Attempt(
            at=NOW, status_code=status, latency_ms=5, error=None if status else "timed out after 5 s"
        )


def stored_event(events: MemoryEvents) -> Event:
    event = Event(
        event_id="evt_" + "a" * 32,
        app_id="demo-express",
        type=EventType.PAYMENT_COMPLETED,
        created=NOW,
        data={"transaction_id": "txn_1", "amount": 10},
    )
    events.add(event, DeliveryState.PENDING)
    return event


def deliverer(events: MemoryEvents, receiver: Receiver, *endpoints: WebhookEndpoint) -> WebhookDeliverer:
    settings = DeliverySettings(timeout_seconds=5, local_mode=False)
    return WebhookDeliverer(events, MemoryEndpoints(*endpoints), settings, post=receiver, clock=lambda: NOW)


def test_a_delivery_is_signed_over_the_exact_body_with_the_event_id():
    events, receiver = MemoryEvents(), Receiver(204)
    event = stored_event(events)

    assert deliverer(events, receiver, endpoint()).deliver(event.event_id, receive_count=1)

    ((url, body, headers),) = receiver.requests
    assert url == "https://shop.example.com/hooks"
    assert json.loads(body) == event.wire()
    assert json.loads(body)["created"] == "2026-11-30T09:00:00Z"
    assert headers["Mpesa-Gateway-Event-Id"] == event.event_id
    assert verify("whsec_current", headers[SIGNATURE_HEADER], body, now=NOW.timestamp()) == NOW.timestamp()
    with pytest.raises(SignatureMismatch):
        verify("whsec_current", headers[SIGNATURE_HEADER], body.replace(b"10", b"99"), now=NOW.timestamp())
    assert events.events[event.event_id].delivery is DeliveryState.DELIVERED


def test_a_failed_attempt_stays_pending_until_the_last_one_fails_it():
    events, receiver = MemoryEvents(), Receiver(500, None, 500)
    event = stored_event(events)
    deliver = deliverer(events, receiver, endpoint()).deliver

    assert not deliver(event.event_id, receive_count=1)
    assert events.events[event.event_id].delivery is DeliveryState.PENDING
    assert not deliver(event.event_id, receive_count=2)
    assert not deliver(event.event_id, receive_count=MAX_ATTEMPTS)

    stored = events.events[event.event_id]
    assert stored.delivery is DeliveryState.FAILED
    assert [(a.status_code, a.error) for a in stored.attempts] == [
        (500, None),
        (None, "timed out after 5 s"),
        (500, None),
    ]


def test_a_redelivery_sends_the_same_bytes_under_the_same_id():
    events, receiver = MemoryEvents(), Receiver(200, 200)
    event = stored_event(events)
    deliver = deliverer(events, receiver, endpoint()).deliver

    deliver(event.event_id, receive_count=1)
    deliver(event.event_id, receive_count=1)

    (_, first, one), (_, second, two) = receiver.requests
    assert (first, one["Mpesa-Gateway-Event-Id"]) == (second, two["Mpesa-Gateway-Event-Id"])
    assert first == wire_body(event.wire())


def test_after_a_rotation_both_secrets_sign_until_the_old_one_s_grace_ends():
    rotated = endpoint(
        secret=SecretStr("whsec_new"),
        previous_secret=SecretStr("whsec_old"),
        previous_until=NOW + timedelta(hours=1),
    )
    events, receiver = MemoryEvents(), Receiver(200)
    event = stored_event(events)

    deliverer(events, receiver, rotated).deliver(event.event_id, receive_count=1)

    ((_, body, headers),) = receiver.requests
    header = headers[SIGNATURE_HEADER]
    assert header.count("v1=") == 2
    for secret in ("whsec_new", "whsec_old"):
        verify(secret, header, body, now=NOW.timestamp())
    assert rotated.signing_secrets(NOW + timedelta(hours=2)) == ["whsec_new"]


def test_an_event_of_an_app_whose_endpoint_is_gone_is_done_and_not_sent():
    events, receiver = MemoryEvents(), Receiver()
    event = stored_event(events)

    assert deliverer(events, receiver).deliver(event.event_id, receive_count=1)

    assert receiver.requests == []
    assert events.events[event.event_id].delivery is DeliveryState.NOT_SENT


def test_a_c2b_validation_marked_rejected_is_published_with_the_payment_and_the_decision():
    events, queue = MemoryEvents(), MemoryQueue()
    publisher = EventPublisher(events, MemoryEndpoints(endpoint(app_id="demo-c2b")), queue)
    received = validation(CallbackOutcome.RECEIVED)
    rejected = validation("rejected C2B00012: account BAD is not allowed")
    key = {"pk": "CALLBACK#demo-c2b#RKL51ZDR4F", "sk": f"{NOW.isoformat()}#cb-1"}

    (event,) = publisher.publish(
        {**key, **received.model_dump(mode="json")}, {**key, **rejected.model_dump(mode="json")}
    )

    assert (event.type, event.app_id, queue.sent) == (
        EventType.C2B_VALIDATION_REJECTED,
        "demo-c2b",
        [event.event_id],
    )
    assert event.data["decision"] == "rejected C2B00012: account BAD is not allowed"
    assert event.data["payment"]["BillRefNumber"] == "BAD"
    # The same rejection seen again (a stream retry, another write to the item) is nothing new.
    assert (
        publisher.publish(
            {**key, **rejected.model_dump(mode="json")}, {**key, **rejected.model_dump(mode="json")}
        )
        == []
    )
