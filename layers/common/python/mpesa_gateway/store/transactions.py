"""Transactions, their Daraja identifiers and the raw callbacks, in the transactions table.

Items: TXN#<id>/TXN (the transaction, indexed by app and time on by_app, and while PENDING on the sparse
`pending` index), CHECKOUT#<id>/ALIAS (the
CheckoutRequestID's transaction), CALLBACK#<checkout id>/<time>#<uuid> (each raw callback as received).
Every status change is a conditional update from PENDING, so a duplicate or late callback changes nothing.
"""

from __future__ import annotations

import operator
import uuid
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any, Protocol

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError
from pydantic import BaseModel

from mpesa_gateway.models import Transaction, TransactionStatus, TransactionType
from mpesa_gateway.store.dynamo import from_item, is_condition_failure, query_all, table, to_item


class Settlement(BaseModel):
    """A final outcome for a pending transaction."""

    status: TransactionStatus
    result_code: int | str | None
    result_desc: str
    settled_by: str
    receipt_number: str | None = None
    paid_amount: str | None = None
    paid_phone_number: str | None = None
    transaction_date: datetime | None = None
    details: dict[str, Any] | None = None


class ListCriteria(BaseModel):
    """What a transaction listing keeps: a time range and exact matches, all optional."""

    since: datetime | None = None
    until: datetime | None = None
    status: TransactionStatus | None = None
    type: TransactionType | None = None
    reference: str | None = None


# A filtered listing reads at most this many pages per call, then hands the caller a cursor.
_MAX_PAGES_PER_LISTING = 10


class RawCallback(BaseModel):
    """A callback as Safaricom sent it, keyed by what it is about (CheckoutRequestID, TransID, ...)."""

    callback_id: str
    app_id: str
    kind: str  # stk_callback, c2b_validation, c2b_confirmation
    key: str
    received_at: datetime
    body: dict[str, Any]
    outcome: str = "received"
    transaction_id: str | None = None


class TransactionStore(Protocol):
    def create(self, transaction: Transaction) -> bool: ...
    def get(self, transaction_id: str) -> Transaction | None: ...
    def find_by_checkout(self, checkout_request_id: str) -> Transaction | None: ...
    def record_push_accepted(
        self, transaction_id: str, merchant_request_id: str, checkout_request_id: str
    ) -> Transaction: ...
    def note_error(self, transaction_id: str, error: str) -> None: ...
    def claim_status_query(self, transaction_id: str, interval_seconds: int) -> bool: ...
    def settle(
        self, transaction_id: str, settlement: Settlement, from_statuses: tuple[TransactionStatus, ...] = ...
    ) -> Transaction | None: ...
    def mark_reversed(self, transaction_id: str, reversal_id: str) -> Transaction | None: ...
    def find_by_conversation(self, conversation_id: str) -> Transaction | None: ...
    def record_conversation(self, transaction_id: str, conversation_id: str) -> Transaction: ...
    def add_receipt(self, transaction_id: str, settlement: Settlement) -> Transaction | None: ...
    def find_orphans(self, app_id: str, since: datetime) -> list[Transaction]: ...
    def pending_before(self, cutoff: datetime) -> list[Transaction]: ...
    def page_for_app(
        self, app_id: str, criteria: ListCriteria, limit: int, start: dict[str, str] | None
    ) -> tuple[list[Transaction], dict[str, str] | None]: ...
    def record_balance(self, app_id: str, balance: str, as_of: datetime | None, source: str) -> None: ...
    def latest_balance(self, app_id: str) -> dict[str, Any] | None: ...
    def save_callback(self, callback: RawCallback) -> None: ...
    def mark_callback(self, callback: RawCallback, outcome: str, transaction_id: str | None) -> None: ...
    def recent_callbacks(self, app_id: str, outcome: str | None, limit: int) -> list[RawCallback]: ...
    def callbacks_for(self, key: str) -> list[RawCallback]: ...


PENDING_PK, PENDING_SK = "pending_pk", "pending_sk"


def _now() -> datetime:
    return datetime.now(UTC)


def _txn_key(transaction_id: str) -> dict[str, str]:
    return {"pk": f"TXN#{transaction_id}", "sk": "TXN"}


def _checkout_key(checkout_request_id: str) -> dict[str, str]:
    return {"pk": f"CHECKOUT#{checkout_request_id}", "sk": "ALIAS"}


def _conversation_key(conversation_id: str) -> dict[str, str]:
    return {"pk": f"CONVERSATION#{conversation_id}", "sk": "ALIAS"}


class DynamoTransactionStore:
    def __init__(self, table_name: str) -> None:
        self._table_name = table_name
        self._table = table(table_name)

    def create(self, transaction: Transaction) -> bool:
        """Store a new transaction; False if one with its id exists (a duplicate C2B confirmation)."""
        order = f"{transaction.created_at.isoformat()}#{transaction.transaction_id}"
        item = {
            **_txn_key(transaction.transaction_id),
            "gsi1pk": f"APP#{transaction.app_id}",
            "gsi1sk": order,
            **transaction.model_dump(mode="json"),
        }
        if transaction.status is TransactionStatus.PENDING:
            item |= {PENDING_PK: "PENDING", PENDING_SK: order}
        try:
            self._table.put_item(Item=to_item(item), ConditionExpression=Attr("pk").not_exists())
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def get(self, transaction_id: str) -> Transaction | None:
        found = self._table.get_item(Key=_txn_key(transaction_id), ConsistentRead=True).get("Item")
        return _transaction(found) if found else None

    def find_by_checkout(self, checkout_request_id: str) -> Transaction | None:
        return self._by_alias(_checkout_key(checkout_request_id))

    def find_by_conversation(self, conversation_id: str) -> Transaction | None:
        return self._by_alias(_conversation_key(conversation_id))

    def record_push_accepted(
        self, transaction_id: str, merchant_request_id: str, checkout_request_id: str
    ) -> Transaction:
        """Store Daraja's identifiers and the CheckoutRequestID alias in one transaction."""
        updates = {"merchant_request_id": merchant_request_id, "checkout_request_id": checkout_request_id}
        return self._attach(transaction_id, updates, _checkout_key(checkout_request_id))

    def record_conversation(self, transaction_id: str, conversation_id: str) -> Transaction:
        """Store Daraja's ConversationID and its alias, so a result naming only it still finds us."""
        alias = _conversation_key(conversation_id)
        return self._attach(transaction_id, {"conversation_id": conversation_id}, alias)

    def _by_alias(self, key: dict[str, str]) -> Transaction | None:
        alias = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        return self.get(alias["transaction_id"]) if alias else None

    def _attach(self, transaction_id: str, updates: dict[str, str], alias: dict[str, str]) -> Transaction:
        values = {**updates, "updated_at": _now().isoformat()}
        # The resource's client takes plain Python values, like the Table methods do.
        self._table.meta.client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": self._table_name,
                        "Key": _txn_key(transaction_id),
                        "UpdateExpression": "SET " + ", ".join(f"{name} = :{name}" for name in values),
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {f":{name}": value for name, value in values.items()},
                    }
                },
                {
                    "Put": {
                        "TableName": self._table_name,
                        "Item": {**alias, "transaction_id": transaction_id},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
        found = self.get(transaction_id)
        assert found is not None  # the update above required it to exist
        return found

    def note_error(self, transaction_id: str, error: str) -> None:
        self._table.update_item(
            Key=_txn_key(transaction_id),
            UpdateExpression="SET #error = :e, updated_at = :u",
            ExpressionAttributeNames={"#error": "error"},
            ExpressionAttributeValues={":e": error[:500], ":u": _now().isoformat()},
            ConditionExpression=Attr("pk").exists(),
        )

    def claim_status_query(self, transaction_id: str, interval_seconds: int) -> bool:
        """True for the one caller per interval that may ask Daraja about this pending transaction."""
        now = _now()
        cutoff = (now - timedelta(seconds=interval_seconds)).isoformat()
        try:
            self._table.update_item(
                Key=_txn_key(transaction_id),
                UpdateExpression="SET last_queried_at = :now",
                ExpressionAttributeValues={":now": now.isoformat()},
                ConditionExpression=Attr("status").eq(TransactionStatus.PENDING.value)
                & (Attr("last_queried_at").not_exists() | Attr("last_queried_at").lte(cutoff)),
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def settle(
        self,
        transaction_id: str,
        settlement: Settlement,
        from_statuses: tuple[TransactionStatus, ...] = (TransactionStatus.PENDING,),
    ) -> Transaction | None:
        """PENDING (or another listed status) → final; None when it was not in one (duplicate, late)."""
        allowed = reduce(operator.or_, (Attr("status").eq(status.value) for status in from_statuses))
        return self._update_if(transaction_id, settlement, allowed)

    def mark_reversed(self, transaction_id: str, reversal_id: str) -> Transaction | None:
        """COMPLETED → REVERSED, once; the rest of the record (receipt, result) stays as it was."""
        try:
            answer = self._table.update_item(
                Key=_txn_key(transaction_id),
                UpdateExpression="SET #status = :reversed, reversed_by = :by, updated_at = :now",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":reversed": TransactionStatus.REVERSED.value,
                    ":by": reversal_id,
                    ":now": _now().isoformat(),
                },
                ConditionExpression=Attr("status").eq(TransactionStatus.COMPLETED.value),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if is_condition_failure(error):
                return None
            raise
        return _transaction(answer["Attributes"])

    def add_receipt(self, transaction_id: str, settlement: Settlement) -> Transaction | None:
        """A completion learnt by query lacks the receipt; the late callback may still supply it."""
        condition = Attr("status").eq(TransactionStatus.COMPLETED.value) & Attr("receipt_number").not_exists()
        return self._update_if(transaction_id, settlement, condition)

    def _update_if(self, transaction_id: str, settlement: Settlement, condition: Any) -> Transaction | None:
        values = to_item({**settlement.model_dump(mode="json"), "updated_at": _now().isoformat()})
        names = {f"#{name}": name for name in values}
        try:
            answer = self._table.update_item(
                Key=_txn_key(transaction_id),
                # Leaving PENDING also leaves the sparse `pending` index.
                UpdateExpression="SET "
                + ", ".join(f"#{name} = :{name}" for name in values)
                + f" REMOVE {PENDING_PK}, {PENDING_SK}",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={f":{name}": value for name, value in values.items()},
                ConditionExpression=condition,
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if is_condition_failure(error):
                return None
            raise
        return _transaction(answer["Attributes"])

    def find_orphans(self, app_id: str, since: datetime) -> list[Transaction]:
        """Pending pushes of an app, newer than `since`, that never learnt their CheckoutRequestID."""
        answer = self._table.query(
            IndexName="by_app",
            KeyConditionExpression=Key("gsi1pk").eq(f"APP#{app_id}") & Key("gsi1sk").gte(since.isoformat()),
            FilterExpression=Attr("status").eq(TransactionStatus.PENDING.value)
            & Attr("checkout_request_id").not_exists(),
        )
        return [_transaction(item) for item in answer.get("Items", [])]

    def pending_before(self, cutoff: datetime) -> list[Transaction]:
        """Pending transactions created before `cutoff`, oldest first, from the sparse index."""
        items = query_all(
            self._table,
            IndexName="pending",
            KeyConditionExpression=Key(PENDING_PK).eq("PENDING") & Key(PENDING_SK).lt(cutoff.isoformat()),
        )
        return [Transaction.model_validate(item) for item in items]

    def page_for_app(
        self, app_id: str, criteria: ListCriteria, limit: int, start: dict[str, str] | None
    ) -> tuple[list[Transaction], dict[str, str] | None]:
        """Newest first; the returned key resumes exactly after the last item evaluated."""
        lower = criteria.since.astimezone(UTC).isoformat() if criteria.since else "0"  # before any date
        upper = criteria.until.astimezone(UTC).isoformat() if criteria.until else "9999"
        query: dict[str, Any] = {
            "IndexName": "by_app",
            "KeyConditionExpression": Key("gsi1pk").eq(f"APP#{app_id}")
            & Key("gsi1sk").between(lower, f"{upper}~"),
            "ScanIndexForward": False,
        }
        if (matches := _filter(criteria)) is not None:
            query["FilterExpression"] = matches
        items, resume = self._read_pages(query, limit, start)
        return [Transaction.model_validate(item) for item in items], resume

    def _read_pages(
        self, query: dict[str, Any], limit: int, start: dict[str, str] | None
    ) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
        """Up to `limit` matching items over a few pages, and the key that resumes after them."""
        found: list[dict[str, Any]] = []
        for _ in range(_MAX_PAGES_PER_LISTING):
            # Evaluating no more than still fits keeps the resume key exact.
            page = self._table.query(
                **query, Limit=limit - len(found), **({"ExclusiveStartKey": start} if start else {})
            )
            found += [from_item(item) for item in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if start is None or len(found) >= limit:
                break
        return found, start

    def record_balance(self, app_id: str, balance: str, as_of: datetime | None, source: str) -> None:
        """Keep an app's balance if it is newer than the one kept (SMS can arrive out of order)."""
        when = (as_of or _now()).isoformat()
        try:
            self._table.put_item(
                Item={
                    "pk": f"BALANCE#{app_id}",
                    "sk": "LATEST",
                    "balance": balance,
                    "as_of": when,
                    "source": source,
                },
                ConditionExpression=Attr("as_of").not_exists() | Attr("as_of").lt(when),
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise

    def latest_balance(self, app_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": f"BALANCE#{app_id}", "sk": "LATEST"}, ConsistentRead=True).get(
            "Item"
        )
        return {key: item[key] for key in ("balance", "as_of", "source")} if item else None

    def save_callback(self, callback: RawCallback) -> None:
        item = {
            "pk": f"CALLBACK#{callback.key}",
            "sk": f"{callback.received_at.isoformat()}#{callback.callback_id}",
            "gsi1pk": f"CALLBACKS#{callback.app_id}",
            "gsi1sk": callback.received_at.isoformat(),
            **callback.model_dump(mode="json"),
        }
        self._table.put_item(Item=to_item(item))

    def mark_callback(self, callback: RawCallback, outcome: str, transaction_id: str | None) -> None:
        self._table.update_item(
            Key={
                "pk": f"CALLBACK#{callback.key}",
                "sk": f"{callback.received_at.isoformat()}#{callback.callback_id}",
            },
            UpdateExpression="SET outcome = :o, transaction_id = :t",
            ExpressionAttributeValues={":o": outcome, ":t": transaction_id},
        )

    def recent_callbacks(self, app_id: str, outcome: str | None, limit: int) -> list[RawCallback]:
        """An app's stored callbacks, newest first, optionally only those with one outcome."""
        query: dict[str, Any] = {
            "IndexName": "by_app",
            "KeyConditionExpression": Key("gsi1pk").eq(f"CALLBACKS#{app_id}"),
            "ScanIndexForward": False,
        }
        if outcome:
            query["FilterExpression"] = Attr("outcome").eq(outcome)
        items, _ = self._read_pages(query, limit, start=None)
        return [RawCallback.model_validate(item) for item in items]

    def callbacks_for(self, key: str) -> list[RawCallback]:
        answer = self._table.query(
            KeyConditionExpression=Key("pk").eq(f"CALLBACK#{key}"), ConsistentRead=True
        )
        return [RawCallback.model_validate(from_item(item)) for item in answer.get("Items", [])]


def new_callback(app_id: str, kind: str, key: str, body: dict[str, Any]) -> RawCallback:
    return RawCallback(
        callback_id=uuid.uuid4().hex,
        app_id=app_id,
        kind=kind,
        key=key,
        received_at=_now(),
        body=body,
    )


def _filter(criteria: ListCriteria) -> Any:
    exact = {"status": criteria.status, "type": criteria.type, "reference": criteria.reference}
    conditions = [Attr(name).eq(value) for name, value in exact.items() if value is not None]
    return reduce(operator.and_, conditions) if conditions else None


def _transaction(item: dict[str, Any]) -> Transaction:
    return Transaction.model_validate(from_item(item))
