"""Events, webhook endpoints and delivery attempts, as stored and as merchants see them."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_core import to_jsonable_python

from mpesa_gateway.webhooks.endpoints import Attempt

# After a rotation the previous secret keeps signing this long, so receivers can switch without a gap.
PREVIOUS_SECRET_GRACE = timedelta(hours=24)


class EventType(StrEnum):
    PAYMENT_COMPLETED = "payment.completed"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_CANCELLED = "payment.cancelled"
    PAYMENT_EXPIRED = "payment.expired"
    C2B_RECEIVED = "c2b.received"
    C2B_VALIDATION_REJECTED = "c2b.validation_rejected"
    PAYOUT_COMPLETED = "payout.completed"
    PAYOUT_FAILED = "payout.failed"
    REVERSAL_COMPLETED = "reversal.completed"
    REVERSAL_FAILED = "reversal.failed"
    # The original of a completed reversal: its status is now REVERSED.
    TRANSACTION_REVERSED = "transaction.reversed"
    STATUS_RESULT = "status.result"
    BALANCE_UPDATED = "balance.updated"
    BALANCE_FAILED = "balance.failed"
    SMS_EXTRACTED = "sms.extracted"
    TRANSACTION_CONFLICT = "transaction.conflict"
    STANDING_ORDER_CREATED = "standing_order.created"
    STANDING_ORDER_FAILED = "standing_order.failed"
    INVOICE_PAID = "invoice.paid"


class DeliveryState(StrEnum):
    PENDING = "pending"  # queued, or waiting for its next attempt
    DELIVERED = "delivered"  # a 2xx answer
    FAILED = "failed"  # every attempt failed: in the dead-letter queue, redeliverable
    NOT_SENT = "not_sent"  # the app had no endpoint for it (or its filter left it out)


class Event(BaseModel):
    """What a merchant receives: `body` is the exact JSON sent, so a redelivery signs the same bytes."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    app_id: str
    type: EventType
    created: datetime
    data: dict[str, Any]

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.event_id,
            "type": self.type.value,
            "created": to_jsonable_python(self.created),
            "app": self.app_id,
            "data": self.data,
        }


class StoredEvent(Event):
    delivery: DeliveryState = DeliveryState.PENDING
    # When the publisher put it on the delivery queue (a stream retry queues only what never was).
    queued_at: datetime | None = None
    attempts: list[Attempt] = Field(default_factory=list)


class WebhookEndpoint(BaseModel):
    """An app's webhook: where its events go, which ones, and the secrets that sign them."""

    model_config = ConfigDict(frozen=True)

    app_id: str
    url: str
    # None: every event type.
    events: tuple[EventType, ...] | None = None
    secret: SecretStr
    # The secret before the last rotation, still signing until previous_until.
    previous_secret: SecretStr | None = None
    previous_until: datetime | None = None
    created_at: datetime
    updated_at: datetime

    def wants(self, event_type: EventType) -> bool:
        return self.events is None or event_type in self.events

    def signing_secrets(self, now: datetime) -> list[str]:
        """The current secret, then the previous one while its grace lasts."""
        secrets = [self.secret.get_secret_value()]
        if self.previous_secret and self.previous_until and now < self.previous_until:
            secrets.append(self.previous_secret.get_secret_value())
        return secrets
