"""Events and their delivery attempts (transactions table), and webhook endpoints (registry table).

Items: EVENT#<id>/EVENT (the event, its delivery state and the JSON body as first sent; listed per app,
newest first, on by_app under EVENTS#<app>), EVENT#<id>/ATTEMPT#<time> (one per delivery attempt), and
WEBHOOK#<app>/ENDPOINT in the registry table. The stream subscription never sees EVENT# items.
"""

from __future__ import annotations

import operator
from datetime import UTC, datetime
from functools import reduce
from typing import Any, Protocol

from boto3.dynamodb.conditions import Attr, Key
from pydantic import BaseModel

from mpesa_gateway.events.models import DeliveryState, Event, EventType, StoredEvent, WebhookEndpoint
from mpesa_gateway.store.dynamo import conditionally, from_item, read_pages, storage_errors, table, to_item
from mpesa_gateway.webhooks.endpoints import Attempt

_EVENT, _ATTEMPT = "EVENT", "ATTEMPT#"
# Attempts kept with an event (the first ones and the latest ones matter; 21 is the schedule's count).
MAX_ATTEMPTS_SHOWN = 50


class EventStore(Protocol):
    def add(self, event: Event, delivery: DeliveryState) -> bool: ...
    def get(self, event_id: str) -> StoredEvent | None: ...
    def page_for_app(
        self, app_id: str, matching: EventFilter, limit: int, start: dict[str, str] | None
    ) -> tuple[list[StoredEvent], dict[str, str] | None]: ...
    def record_attempt(self, event_id: str, attempt: Attempt, delivery: DeliveryState) -> None: ...
    def set_delivery(self, event_id: str, delivery: DeliveryState) -> None: ...
    def mark_queued(self, event_id: str) -> None: ...


class EndpointStore(Protocol):
    def get(self, app_id: str) -> WebhookEndpoint | None: ...
    def put(self, endpoint: WebhookEndpoint) -> None: ...
    def delete(self, app_id: str) -> bool: ...


class EventFilter(BaseModel):
    type: EventType | None = None
    delivery: DeliveryState | None = None


def events_listing(app_id: str) -> str:
    """The by_app partition of an app's events (what a listing cursor must name)."""
    return f"EVENTS#{app_id}"


def _event_key(event_id: str) -> dict[str, str]:
    return {"pk": f"EVENT#{event_id}", "sk": _EVENT}


@storage_errors
class DynamoEventStore:
    def __init__(self, table_name: str) -> None:
        self._table = table(table_name)

    def add(self, event: Event, delivery: DeliveryState) -> bool:
        """Store a new event; False when it exists (the same settlement seen again)."""
        item = {
            **_event_key(event.event_id),
            "gsi1pk": events_listing(event.app_id),
            "gsi1sk": f"{event.created.astimezone(UTC).isoformat()}#{event.event_id}",
            **event.model_dump(mode="json"),
            "delivery": delivery.value,
        }
        return conditionally(
            lambda: self._table.put_item(Item=to_item(item), ConditionExpression=Attr("pk").not_exists())
        )

    def get(self, event_id: str) -> StoredEvent | None:
        items = self._table.query(
            KeyConditionExpression=Key("pk").eq(f"EVENT#{event_id}"), ConsistentRead=True
        ).get("Items", [])
        event = next((from_item(item) for item in items if item["sk"] == _EVENT), None)
        if event is None:
            return None
        attempts = [from_item(item) for item in items if item["sk"].startswith(_ATTEMPT)]
        return StoredEvent.model_validate({**event, "attempts": attempts[-MAX_ATTEMPTS_SHOWN:]})

    def page_for_app(
        self, app_id: str, matching: EventFilter, limit: int, start: dict[str, str] | None
    ) -> tuple[list[StoredEvent], dict[str, str] | None]:
        """Newest first, without attempts; the returned key resumes after the last item evaluated."""
        query: dict[str, Any] = {
            "IndexName": "by_app",
            "KeyConditionExpression": Key("gsi1pk").eq(events_listing(app_id)),
            "ScanIndexForward": False,
        }
        exact = {"type": matching.type, "delivery": matching.delivery}
        conditions = [Attr(name).eq(value.value) for name, value in exact.items() if value is not None]
        if conditions:
            query["FilterExpression"] = reduce(operator.and_, conditions)
        items, resume = read_pages(self._table, query, limit, start)
        return [StoredEvent.model_validate(item) for item in items], resume

    def record_attempt(self, event_id: str, attempt: Attempt, delivery: DeliveryState) -> None:
        at = attempt.at.astimezone(UTC).isoformat()
        self._table.put_item(
            Item=to_item(
                {"pk": f"EVENT#{event_id}", "sk": f"{_ATTEMPT}{at}", **attempt.model_dump(mode="json")}
            )
        )
        self.set_delivery(event_id, delivery)

    def mark_queued(self, event_id: str) -> None:
        self._table.update_item(
            Key=_event_key(event_id),
            UpdateExpression="SET queued_at = :now",
            ExpressionAttributeValues={":now": datetime.now(UTC).isoformat()},
        )

    def set_delivery(self, event_id: str, delivery: DeliveryState) -> None:
        # A late failure never undoes a delivery: once delivered, an event stays delivered.
        conditionally(
            lambda: self._table.update_item(
                Key=_event_key(event_id),
                UpdateExpression="SET delivery = :d",
                ConditionExpression=Attr("pk").exists()
                & (Attr("delivery").ne(DeliveryState.DELIVERED.value) | Attr("delivery").eq(delivery.value)),
                ExpressionAttributeValues={":d": delivery.value},
            )
        )


def _endpoint_key(app_id: str) -> dict[str, str]:
    return {"pk": f"WEBHOOK#{app_id}", "sk": "ENDPOINT"}


@storage_errors
class DynamoEndpointStore:
    def __init__(self, table_name: str) -> None:
        self._table = table(table_name)

    def get(self, app_id: str) -> WebhookEndpoint | None:
        item = self._table.get_item(Key=_endpoint_key(app_id), ConsistentRead=True).get("Item")
        return WebhookEndpoint.model_validate(from_item(item)) if item else None

    def put(self, endpoint: WebhookEndpoint) -> None:
        values = endpoint.model_dump(mode="json")
        # model_dump writes SecretStr as stars: the secrets are stored as themselves.
        values["secret"] = endpoint.secret.get_secret_value()
        if endpoint.previous_secret:
            values["previous_secret"] = endpoint.previous_secret.get_secret_value()
        self._table.put_item(Item=to_item({**_endpoint_key(endpoint.app_id), **values}))

    def delete(self, app_id: str) -> bool:
        return conditionally(
            lambda: self._table.delete_item(
                Key=_endpoint_key(app_id), ConditionExpression=Attr("pk").exists()
            )
        )
