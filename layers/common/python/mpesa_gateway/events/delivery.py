"""One delivery attempt of a queued event: signed, POSTed, recorded; the queue retries it for days."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from aws_lambda_powertools.metrics import MetricUnit

from mpesa_gateway.events.models import DeliveryState
from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.store.events import EndpointStore, EventStore
from mpesa_gateway.webhooks import EVENT_ID_HEADER, SIGNATURE_HEADER, signature_header
from mpesa_gateway.webhooks import endpoints as transport
from mpesa_gateway.webhooks.schedule import MAX_ATTEMPTS

Post = Callable[..., transport.Attempt]


@dataclass(frozen=True)
class DeliverySettings:
    timeout_seconds: float
    # Local mode: http:// and loopback endpoints are allowed (never in a deployed stack).
    local_mode: bool


def wire_body(event: Mapping[str, object]) -> bytes:
    """The exact bytes sent and signed: sorted keys, so every redelivery sends the same body."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookDeliverer:
    def __init__(
        self,
        events: EventStore,
        endpoints: EndpointStore,
        settings: DeliverySettings,
        post: Post = transport.post,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._events = events
        self._endpoints = endpoints
        self._settings = settings
        self._post = post
        self._clock = clock

    def deliver(self, event_id: str, receive_count: int) -> bool:
        """True when nothing is left to do (delivered, or nowhere to deliver); False to try again."""
        event = self._events.get(event_id)
        endpoint = self._endpoints.get(event.app_id) if event else None
        if event is None or endpoint is None:
            logger.info("event not delivered: no event or no endpoint", extra={"event_id": event_id})
            if event is not None:
                self._events.set_delivery(event_id, DeliveryState.NOT_SENT)
            return True
        body = wire_body(event.wire())
        now = self._clock()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(endpoint.signing_secrets(now), body, int(now.timestamp())),
            EVENT_ID_HEADER: event_id,
            "User-Agent": "mpesa-gateway-webhooks/1",
        }
        sent = self._post(
            endpoint.url,
            body,
            headers,
            timeout_seconds=self._settings.timeout_seconds,
            local_mode=self._settings.local_mode,
        )
        state = DeliveryState.DELIVERED if sent.succeeded else DeliveryState.PENDING
        if not sent.succeeded and receive_count >= MAX_ATTEMPTS:
            state = DeliveryState.FAILED  # the queue's last receive: next stop, the dead-letter queue
        self._events.record_attempt(event_id, sent, state)
        metrics.add_metric(
            name="WebhookDelivered" if sent.succeeded else "WebhookAttemptFailed",
            unit=MetricUnit.Count,
            value=1,
        )
        return sent.succeeded
