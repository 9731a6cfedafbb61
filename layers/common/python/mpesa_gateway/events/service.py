"""What merchants do with webhooks: set, read, delete and rotate an app's endpoint; list, read and
redeliver its events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from mpesa_gateway.cursors import decode_cursor, encode_cursor
from mpesa_gateway.errors import NotFound
from mpesa_gateway.events.models import (
    PREVIOUS_SECRET_GRACE,
    DeliveryState,
    EventType,
    StoredEvent,
    WebhookEndpoint,
)
from mpesa_gateway.models import PaymentApp
from mpesa_gateway.store.events import EndpointStore, EventFilter, EventStore, events_listing
from mpesa_gateway.store.queues import DeliveryQueue
from mpesa_gateway.webhook_answers import EventAnswer, EventPage, RedeliveryAnswer, WebhookAnswer
from mpesa_gateway.webhooks import new_secret
from mpesa_gateway.webhooks.endpoints import MAX_URL_LENGTH, check_url


class WebhookRequest(BaseModel):
    """PUT /api/pay/{app}/webhook."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=MAX_URL_LENGTH, examples=["https://shop.example.com/mpesa/events"])
    events: list[EventType] | None = Field(
        default=None, min_length=1, description="Only these event types; leave out for every type"
    )

    @field_validator("events")
    @classmethod
    def _distinct(cls, events: list[EventType] | None) -> list[EventType] | None:
        return None if events is None else list(dict.fromkeys(events))


class EventsQuery(BaseModel):
    """GET /api/pay/{app}/events query parameters."""

    model_config = ConfigDict(extra="forbid")

    type: EventType | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048)


class WebhookService:
    def __init__(
        self,
        endpoints: EndpointStore,
        events: EventStore,
        queue: DeliveryQueue,
        *,
        local_mode: bool,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._endpoints = endpoints
        self._events = events
        self._queue = queue
        self._local_mode = local_mode
        self._clock = clock

    def set_endpoint(self, app: PaymentApp, request: WebhookRequest) -> WebhookAnswer:
        """Create the endpoint (with a new secret, shown once) or change its URL and filter."""
        url = check_url(request.url, local_mode=self._local_mode)
        events = tuple(request.events) if request.events else None
        now = self._clock()
        existing = self._endpoints.get(app.app_id)
        if existing is not None:
            changed = existing.model_copy(update={"url": url, "events": events, "updated_at": now})
            self._endpoints.put(changed)
            return _answer(changed, now)
        created = WebhookEndpoint(
            app_id=app.app_id,
            url=url,
            events=events,
            secret=SecretStr(new_secret()),
            created_at=now,
            updated_at=now,
        )
        self._endpoints.put(created)
        return _answer(created, now, show_secret=True)

    def endpoint(self, app: PaymentApp) -> WebhookAnswer:
        return _answer(self._existing(app), self._clock())

    def delete_endpoint(self, app: PaymentApp) -> WebhookAnswer:
        existing = self._existing(app)
        self._endpoints.delete(app.app_id)
        return _answer(existing, self._clock())

    def rotate_secret(self, app: PaymentApp) -> WebhookAnswer:
        """A new secret; the one it replaces keeps signing (a second v1=) for 24 hours."""
        existing = self._existing(app)
        now = self._clock()
        rotated = existing.model_copy(
            update={
                "secret": SecretStr(new_secret()),
                "previous_secret": existing.secret,
                "previous_until": now + PREVIOUS_SECRET_GRACE,
                "updated_at": now,
            }
        )
        self._endpoints.put(rotated)
        return _answer(rotated, now, show_secret=True)

    def events(self, app: PaymentApp, query: EventsQuery) -> EventPage:
        listing = events_listing(app.app_id)
        start = decode_cursor(query.cursor, listing) if query.cursor else None
        found, resume = self._events.page_for_app(
            app.app_id, EventFilter(type=query.type), query.limit, start
        )
        return EventPage(
            data=[_event_answer(event, with_attempts=False) for event in found],
            next_cursor=encode_cursor(resume) if resume else None,
        )

    def event(self, app: PaymentApp, event_id: str) -> EventAnswer:
        return _event_answer(self._event_of(app, event_id), with_attempts=True)

    def redeliver(self, app: PaymentApp, event_id: str) -> RedeliveryAnswer:
        """Queue the event again, with its id and body unchanged (receivers dedupe by the id)."""
        event = self._event_of(app, event_id)
        self._existing(app)
        self._events.set_delivery(event.event_id, DeliveryState.PENDING)
        self._queue.send(event.event_id)
        stored = self._events.get(event.event_id) or event
        return RedeliveryAnswer(id=event.event_id, delivery=stored.delivery)

    def redeliver_failed(self, app: PaymentApp) -> list[str]:
        """Queue again every event of the app whose delivery failed for good; their ids."""
        self._existing(app)
        queued: list[str] = []
        failed, start = EventFilter(delivery=DeliveryState.FAILED), None
        while True:
            found, start = self._events.page_for_app(app.app_id, failed, 100, start)
            for event in found:
                self._events.set_delivery(event.event_id, DeliveryState.PENDING)
                self._queue.send(event.event_id)
                queued.append(event.event_id)
            if start is None:
                return queued

    def _existing(self, app: PaymentApp) -> WebhookEndpoint:
        endpoint = self._endpoints.get(app.app_id)
        if endpoint is None:
            raise NotFound(f"Payment app '{app.app_id}' has no webhook endpoint", field="webhook")
        return endpoint

    def _event_of(self, app: PaymentApp, event_id: str) -> StoredEvent:
        event = self._events.get(event_id)
        if event is None or event.app_id != app.app_id:
            raise NotFound(f"No event '{event_id}' in payment app '{app.app_id}'", field="event")
        return event


def _answer(endpoint: WebhookEndpoint, now: datetime, *, show_secret: bool = False) -> WebhookAnswer:
    grace = endpoint.previous_until if endpoint.previous_until and now < endpoint.previous_until else None
    return WebhookAnswer(
        url=endpoint.url,
        events=list(endpoint.events) if endpoint.events else None,
        secret=endpoint.secret.get_secret_value() if show_secret else None,
        previous_secret_expires_at=grace,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
    )


def _event_answer(event: StoredEvent, *, with_attempts: bool) -> EventAnswer:
    return EventAnswer(
        **event.wire(),
        delivery=event.delivery,
        attempts=event.attempts if with_attempts else None,
    )
