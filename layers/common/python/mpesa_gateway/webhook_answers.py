"""What the webhook routes answer: endpoints, events and their deliveries (see answers.py for the rest).

Kept apart from answers.py because these models need the event and endpoint modules, which the
payment functions would otherwise load at every cold start without using them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from mpesa_gateway.answers import Answer, omitted
from mpesa_gateway.events.models import DeliveryState, EventType
from mpesa_gateway.webhooks.endpoints import Attempt


class WebhookAnswer(Answer):
    """An app's webhook endpoint; the signing secret only when it was just created or rotated."""

    url: str
    events: list[EventType] | None = Field(description="The event types sent; null: every type")
    secret: str | None = omitted(
        "Signs every delivery (Mpesa-Gateway-Signature); shown once, when created or rotated: keep it"
    )
    previous_secret_expires_at: datetime | None = omitted(
        "After a rotation, the old secret signs too (a second v1=) until then"
    )
    created_at: datetime
    updated_at: datetime


class EventAnswer(Answer):
    """An event as delivered (`id`, `type`, `created`, `app`, `data`) and how its delivery went."""

    id: str
    type: EventType
    created: datetime
    app: str
    data: dict[str, Any] = Field(
        description="The transaction as the API shows it (a rejected C2B payment: "
        "Daraja's validation request and the decision)"
    )
    delivery: DeliveryState
    attempts: list[Attempt] | None = omitted("Every delivery attempt, oldest first (one event's answer only)")


class EventPage(Answer):
    data: list[EventAnswer]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class RedeliveryAnswer(Answer):
    id: str
    delivery: DeliveryState
