"""The transactions table's changes into events: stored once each, queued for the app's endpoint."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from mpesa_gateway.callbacks import RawCallback
from mpesa_gateway.events.derive import transaction_events, validation_rejection
from mpesa_gateway.events.models import DeliveryState, Event, EventType
from mpesa_gateway.ledger import transaction_view
from mpesa_gateway.observability import metrics
from mpesa_gateway.store.events import EndpointStore, EventStore
from mpesa_gateway.store.queues import DeliveryQueue
from mpesa_gateway.store.transactions import transaction_from_item

_TRANSACTION, _CALLBACK = "TXN#", "CALLBACK#"


class EventPublisher:
    def __init__(self, events: EventStore, endpoints: EndpointStore, queue: DeliveryQueue) -> None:
        self._events = events
        self._endpoints = endpoints
        self._queue = queue

    def publish(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Event]:
        """The events one change of an item is (none for a deletion, or for a change that settles nothing)."""
        if not after:
            return []
        found = self._derive(before or None, after)
        for event in found:
            self._emit(event)
        return found

    def _derive(self, before: dict[str, Any] | None, after: dict[str, Any]) -> list[Event]:
        key = str(after.get("pk", ""))
        if key.startswith(_TRANSACTION) and after.get("sk") == "TXN":
            old = transaction_from_item(before) if before else None
            new = transaction_from_item(after)
            data = transaction_view(new).model_dump(mode="json")
            return [
                Event(event_id=event_id, app_id=new.app_id, type=kind, created=new.updated_at, data=data)
                for event_id, kind in transaction_events(old, new)
            ]
        if key.startswith(_CALLBACK):
            callback = RawCallback.model_validate(after)
            previous = RawCallback.model_validate(before) if before else None
            if rejected := validation_rejection(previous, callback):
                data = {"received_at": callback.received_at.isoformat(), "decision": str(callback.outcome)}
                return [
                    Event(
                        event_id=rejected,
                        app_id=callback.app_id,
                        type=EventType.C2B_VALIDATION_REJECTED,
                        created=callback.received_at,
                        data={**data, "payment": callback.body},
                    )
                ]
        return []

    def _emit(self, event: Event) -> None:
        endpoint = self._endpoints.get(event.app_id)
        wanted = endpoint is not None and endpoint.wants(event.type)
        if self._events.add(event, DeliveryState.PENDING if wanted else DeliveryState.NOT_SENT):
            metrics.add_metric(name="EventPublished", unit=MetricUnit.Count, value=1)
        elif wanted:
            # Seen before (a stream retry): queued again only if the first try died before queueing it.
            stored = self._events.get(event.event_id)
            wanted = stored is not None and stored.queued_at is None
        if wanted:
            self._queue.send(event.event_id)
            self._events.mark_queued(event.event_id)
