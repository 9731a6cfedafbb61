"""Payment apps' webhooks for operators: the merchants' webhook routes on any app, and replaying every
event whose delivery failed.

The rules are WebhookService's (URL checks, secrets, redelivery); this module finds the app in the
registry (operators own no apps) and turns inputs into the service's requests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from admin.models import invalid_request
from admin.target import Target
from infra.queues import WEBHOOK_DELIVERIES
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.events.service import EventsQuery, WebhookRequest, WebhookService
from mpesa_gateway.models import PaymentApp
from mpesa_gateway.store.events import DynamoEndpointStore, DynamoEventStore
from mpesa_gateway.store.queues import DeliveryQueue
from mpesa_gateway.webhook_answers import EventAnswer, EventPage, RedeliveryAnswer, WebhookAnswer

AppLookup = Callable[[str], PaymentApp]
Model = TypeVar("Model", bound=BaseModel)


class Replayed(BaseModel):
    """The events queued again, by id."""

    queued: list[str]
    count: int


class WebhookAdmin:
    def __init__(self, find_app: AppLookup, service: WebhookService, *, can_queue: bool) -> None:
        self._find_app = find_app
        self._service = service
        # Without the queue's URL, reading and changing endpoints works; redelivering does not.
        self._can_queue = can_queue

    @classmethod
    def for_target(cls, target: Target, find_app: AppLookup) -> WebhookAdmin:
        if not target.transactions_table:
            raise InvalidRequest(
                "No transactions table: pass --stack NAME, or set TRANSACTIONS_TABLE", field="stack"
            )
        service = WebhookService(
            DynamoEndpointStore(target.registry_table),
            DynamoEventStore(target.transactions_table),
            DeliveryQueue(target.webhook_queue_url or ""),
            local_mode=target.allow_local_merchant_urls,
        )
        return cls(find_app, service, can_queue=target.webhook_queue_url is not None)

    def set_endpoint(self, app_id: str, url: str, events: Sequence[str] | None) -> WebhookAnswer:
        app = self._find_app(app_id)
        request = _parsed(WebhookRequest, url=url, events=events)
        try:
            return self._service.set_endpoint(app, request)
        except InvalidRequest as error:
            if error.details.get("field") != "url":
                raise
            # The service says what is wrong with the URL; the operator also needs to hear which option.
            raise InvalidRequest(f"Invalid `url`: {error.message}", field="url") from None

    def endpoint(self, app_id: str) -> WebhookAnswer:
        return self._service.endpoint(self._find_app(app_id))

    def delete_endpoint(self, app_id: str) -> WebhookAnswer:
        return self._service.delete_endpoint(self._find_app(app_id))

    def rotate_secret(self, app_id: str) -> WebhookAnswer:
        return self._service.rotate_secret(self._find_app(app_id))

    def events(self, app_id: str, event_type: str | None, limit: int, cursor: str | None) -> EventPage:
        app = self._find_app(app_id)
        return self._service.events(app, _parsed(EventsQuery, type=event_type, limit=limit, cursor=cursor))

    def event(self, app_id: str, event_id: str) -> EventAnswer:
        return self._service.event(self._find_app(app_id), event_id)

    def redeliver(self, app_id: str, event_id: str) -> RedeliveryAnswer:
        self._check_queue()
        return self._service.redeliver(self._find_app(app_id), event_id)

    def replay_failed(self, app_id: str) -> Replayed:
        self._check_queue()
        queued = self._service.redeliver_failed(self._find_app(app_id))
        return Replayed(queued=queued, count=len(queued))

    def _check_queue(self) -> None:
        if not self._can_queue:
            raise InvalidRequest(
                f"No webhook delivery queue: pass --stack NAME, or set {WEBHOOK_DELIVERIES.env_var}",
                field="stack",
            )


def _parsed(model: type[Model], **values: object) -> Model:
    """The service's request model, or InvalidRequest naming the field (an option) it refuses."""
    try:
        return model.model_validate({name: value for name, value in values.items() if value is not None})
    except ValidationError as error:
        raise invalid_request(error) from None
