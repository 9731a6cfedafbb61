"""The event and endpoint stores on moto and on DynamoDB Local: attempts read back whatever they lack,
listings filter and page, a delivered event stays delivered, secrets are stored as themselves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from mpesa_gateway.events.models import DeliveryState, Event, EventType, WebhookEndpoint
from mpesa_gateway.store.events import DynamoEndpointStore, DynamoEventStore, EventFilter
from mpesa_gateway.webhooks.endpoints import Attempt
from tests.integration.dynamodb_backends import BACKENDS, gateway_tables

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def stores(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[DynamoEventStore, DynamoEndpointStore]]:
    with gateway_tables(request, monkeypatch):
        yield DynamoEventStore("mpesa-gateway-transactions"), DynamoEndpointStore("mpesa-gateway-registry")


def event(number: int, event_type: EventType = EventType.PAYMENT_COMPLETED) -> Event:
    return Event(
        event_id=f"evt_{number:032x}",
        app_id="demo-express",
        type=event_type,
        created=NOW + timedelta(seconds=number),
        data={"transaction_id": f"txn_{number}", "amount": 10},
    )


def test_an_event_is_stored_once_with_its_attempts_in_order(stores):
    events, _ = stores
    assert events.add(event(1), DeliveryState.PENDING)
    assert not events.add(event(1), DeliveryState.PENDING)
    timed_out = Attempt(at=NOW, status_code=None, latency_ms=5000, error="timed out after 5 s")
    answered = Attempt(at=NOW + timedelta(seconds=61), status_code=200, latency_ms=40, error=None)

    events.record_attempt(event(1).event_id, timed_out, DeliveryState.PENDING)
    events.record_attempt(event(1).event_id, answered, DeliveryState.DELIVERED)
    # A late failure of a redelivery never undoes the delivery.
    events.set_delivery(event(1).event_id, DeliveryState.FAILED)

    stored = events.get(event(1).event_id)
    assert stored.attempts == [timed_out, answered]
    assert (stored.delivery, stored.data) == (DeliveryState.DELIVERED, event(1).data)


def test_listing_is_newest_first_filtered_and_paged(stores):
    events, _ = stores
    for number in range(1, 6):
        kind = EventType.PAYMENT_FAILED if number % 2 else EventType.PAYMENT_COMPLETED
        events.add(event(number, kind), DeliveryState.FAILED if number == 3 else DeliveryState.PENDING)

    first, resume = events.page_for_app("demo-express", EventFilter(), 2, None)
    rest, end = events.page_for_app("demo-express", EventFilter(), 10, resume)
    failed_type, _ = events.page_for_app("demo-express", EventFilter(type=EventType.PAYMENT_FAILED), 10, None)
    failed_delivery, _ = events.page_for_app(
        "demo-express", EventFilter(delivery=DeliveryState.FAILED), 10, None
    )

    assert [e.event_id for e in first + rest] == [event(n).event_id for n in (5, 4, 3, 2, 1)]
    assert end is None
    assert [e.event_id for e in failed_type] == [event(n).event_id for n in (5, 3, 1)]
    assert [e.event_id for e in failed_delivery] == [event(3).event_id]
    assert events.page_for_app("other-express", EventFilter(), 10, None) == ([], None)


def test_an_endpoint_keeps_its_secrets_and_is_deleted_once(stores):
    _, endpoints = stores
    endpoint = WebhookEndpoint(
        app_id="demo-express",
        url="https://shop.example.com/hooks",
        events=(EventType.C2B_RECEIVED,),
        secret=SecretStr("whsec_new"),
        previous_secret=SecretStr("whsec_old"),
        previous_until=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    endpoints.put(endpoint)

    stored = endpoints.get("demo-express")
    assert stored.signing_secrets(NOW - timedelta(seconds=1)) == ["whsec_new", "whsec_old"]
    assert stored.model_dump() == endpoint.model_dump()
    assert endpoints.delete("demo-express")
    assert not endpoints.delete("demo-express")
    assert endpoints.get("demo-express") is None
