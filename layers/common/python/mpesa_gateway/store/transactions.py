"""Transactions, their Daraja identifiers and the raw callbacks, in the transactions table.

Items: TXN#<id>/TXN (the transaction, indexed by app and time on by_app, and while PENDING on the sparse
`pending` index), CHECKOUT#<id>/ALIAS (the CheckoutRequestID's transaction, with the facts its callback is
checked against; or, while a callback waits for its push's answer, only `callback_waiting` and the
table's TTL attribute `expires_at`, so that one no push ever claims is dropped),
CALLBACK#<app>#<key>/<time>#<uuid> (each raw callback as received, per app so that one app's callbacks
never touch another's; on the `pending` index until applied). Every status change is conditional on
the status it leaves, so a duplicate or late callback changes nothing.
"""

from __future__ import annotations

import operator
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any, Protocol

from boto3.dynamodb.conditions import Attr, Key
from pydantic import BaseModel

from mpesa_gateway.callbacks import CallbackOutcome, RawCallback, ValidationSummary
from mpesa_gateway.models import (
    BalanceDetails,
    C2BPaymentDetails,
    SettledBy,
    StkPushIds,
    Transaction,
    TransactionStatus,
    TransactionType,
    VodacomDetails,
)
from mpesa_gateway.store.dynamo import (
    conditionally,
    from_item,
    read_pages,
    storage_errors,
    table,
    to_item,
    with_retries,
)


class Settlement(BaseModel):
    """A final outcome for a pending transaction."""

    status: TransactionStatus
    result_code: int | str | None
    result_desc: str
    settled_by: SettledBy
    receipt_number: str | None = None
    paid_amount: str | None = None
    paid_phone_number: str | None = None
    transaction_date: datetime | None = None
    balance: BalanceDetails | None = None
    result_parameters: dict[str, Any] | None = None


class PushFacts(BaseModel):
    """What an STK callback is checked against, fixed when the push is made and kept on the alias of its
    CheckoutRequestID, so that a callback settles its payment without reading the transaction first."""

    transaction_id: str
    app_id: str
    amount: int
    phone_number: str

    @classmethod
    def of(cls, transaction: Transaction) -> PushFacts:
        return cls.model_validate(transaction, from_attributes=True)


class ListCriteria(BaseModel):
    """What a transaction listing keeps: a time range and exact matches, all optional."""

    since: datetime | None = None
    until: datetime | None = None
    status: TransactionStatus | None = None
    type: TransactionType | None = None
    reference: str | None = None


class TransactionStore(Protocol):
    def create(self, transaction: Transaction) -> bool: ...
    def get(self, transaction_id: str) -> Transaction | None: ...
    def find_by_checkout(self, checkout_request_id: str) -> Transaction | None: ...
    def find_push(self, checkout_request_id: str) -> PushFacts | None: ...
    def await_push(self, checkout_request_id: str) -> bool: ...
    def record_push_accepted(
        self, transaction: Transaction, merchant_request_id: str, checkout_request_id: str
    ) -> bool: ...
    def note_error(self, transaction_id: str, error: str) -> None: ...
    def claim_status_query(self, transaction_id: str, interval_seconds: int) -> bool: ...
    def claim_send(self, transaction_id: str) -> bool: ...
    def release_send(self, transaction_id: str) -> None: ...
    def record_checkout_only(self, transaction_id: str, checkout_request_id: str) -> None: ...
    def settle(
        self, transaction_id: str, settlement: Settlement, from_statuses: tuple[TransactionStatus, ...] = ...
    ) -> Transaction | None: ...
    def overrule(self, transaction_id: str, settlement: Settlement, conflict: str) -> Transaction | None: ...
    def flag_conflict(self, transaction_id: str, conflict: str) -> None: ...
    def claim_reversal(self, transaction_id: str, reversal_id: str) -> bool: ...
    def release_reversal(self, transaction_id: str, reversal_id: str) -> None: ...
    def mark_reversed(self, transaction_id: str, reversal_id: str) -> Transaction | None: ...
    def find_by_conversation(self, conversation_id: str) -> Transaction | None: ...
    def record_conversation(self, transaction_id: str, conversation_id: str) -> None: ...
    def add_receipt(self, transaction_id: str, settlement: Settlement) -> Transaction | None: ...
    def find_orphans(self, app_id: str, since: datetime) -> list[Transaction]: ...
    def due_for_check(self, now: datetime, limit: int) -> list[Transaction]: ...
    def postpone(self, transaction_id: str, until: datetime, *, escalate: bool = ...) -> None: ...
    def unapplied_callbacks(self, cutoff: datetime, limit: int) -> list[RawCallback]: ...
    def page_for_app(
        self, app_id: str, criteria: ListCriteria, limit: int, start: dict[str, str] | None
    ) -> tuple[list[Transaction], dict[str, str] | None]: ...
    def record_balance(
        self,
        app_id: str,
        balance: str,
        as_of: datetime | None,
        source: str,
        *,
        account: str = "mpesa",
        timed: bool = True,
        ranked_at: datetime | None = None,
    ) -> None: ...
    def latest_balance(self, app_id: str) -> dict[str, Any] | None: ...
    def save_callback(self, callback: RawCallback) -> None: ...
    def mark_callback(
        self, callback: RawCallback, outcome: CallbackOutcome | ValidationSummary, transaction_id: str | None
    ) -> None: ...
    def recent_callbacks(
        self, app_id: str, outcome: CallbackOutcome | ValidationSummary | None, limit: int
    ) -> list[RawCallback]: ...
    def callbacks_for(self, app_id: str, key: str) -> list[RawCallback]: ...


PENDING_PK, PENDING_SK = "pending_pk", "pending_sk"
# Partitions of the sparse `pending` index: transactions not yet final, callbacks not yet applied.
_PENDING_TRANSACTIONS, _UNAPPLIED_CALLBACKS = "PENDING", "CALLBACK"
# A push's answer is recorded within its invocation; an awaited alias still unclaimed after this is not
# going to be (a push that died, or a forged callback), and DynamoDB's TTL drops it.
AWAITED_ALIAS_SECONDS = 24 * 3600
# Final statuses learnt from weak evidence (a refusal, a status query, giving up): proof that money
# moved (a paid callback, a successful result) overrules them, flagged as a conflict.
OVERRULABLE_STATUSES = (
    TransactionStatus.FAILED,
    TransactionStatus.CANCELLED,
    TransactionStatus.TIMEOUT,
    TransactionStatus.EXPIRED,
)
OVERRULABLE_SETTLERS = (SettledBy.REQUEST, SettledBy.QUERY, SettledBy.EXPIRY)


def _now() -> datetime:
    return datetime.now(UTC)


def _txn_key(transaction_id: str) -> dict[str, str]:
    return {"pk": f"TXN#{transaction_id}", "sk": "TXN"}


def _checkout_key(checkout_request_id: str) -> dict[str, str]:
    return {"pk": f"CHECKOUT#{checkout_request_id}", "sk": "ALIAS"}


def _conversation_key(conversation_id: str) -> dict[str, str]:
    return {"pk": f"CONVERSATION#{conversation_id}", "sk": "ALIAS"}


def _callback_key(callback: RawCallback) -> dict[str, str]:
    return {
        "pk": f"CALLBACK#{callback.app_id}#{callback.key}",
        "sk": f"{callback.received_at.isoformat()}#{callback.callback_id}",
    }


@storage_errors
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
            **stored_attributes(transaction),
        }
        if transaction.status is TransactionStatus.PENDING:
            # Ordered by when the reconciler should next look, so nothing waiting long starves the rest.
            due = transaction.check_after or transaction.created_at
            item |= {
                PENDING_PK: _PENDING_TRANSACTIONS,
                PENDING_SK: f"{due.isoformat()}#{transaction.transaction_id}",
            }
        return conditionally(
            lambda: self._table.put_item(Item=to_item(item), ConditionExpression=Attr("pk").not_exists())
        )

    def get(self, transaction_id: str) -> Transaction | None:
        found = self._table.get_item(Key=_txn_key(transaction_id), ConsistentRead=True).get("Item")
        return transaction_from_item(found) if found else None

    def find_by_checkout(self, checkout_request_id: str) -> Transaction | None:
        return self._by_alias(_checkout_key(checkout_request_id))

    def find_by_conversation(self, conversation_id: str) -> Transaction | None:
        return self._by_alias(_conversation_key(conversation_id))

    def find_push(self, checkout_request_id: str) -> PushFacts | None:
        """The push a CheckoutRequestID names, in one read of its alias (an alias written before it kept
        the facts costs a second read); None while only a callback waits for it."""
        alias = self._table.get_item(Key=_checkout_key(checkout_request_id), ConsistentRead=True).get("Item")
        if alias is None or "transaction_id" not in alias:
            return None
        if "app_id" in alias:
            return PushFacts.model_validate(from_item(alias))
        transaction = self.get(alias["transaction_id"])
        return PushFacts.of(transaction) if transaction else None

    def await_push(self, checkout_request_id: str) -> bool:
        """For a callback that found no push: leave the alias awaited, so that recording the push's answer
        tells the caller a callback came first. False if the alias exists (the answer was recorded in the
        meantime, or another callback waits too)."""
        return conditionally(
            lambda: self._table.put_item(
                Item={
                    **_checkout_key(checkout_request_id),
                    "callback_waiting": True,
                    "expires_at": int(_now().timestamp()) + AWAITED_ALIAS_SECONDS,
                },
                ConditionExpression=Attr("pk").not_exists(),
            )
        )

    def record_push_accepted(
        self, transaction: Transaction, merchant_request_id: str, checkout_request_id: str
    ) -> bool:
        """Store Daraja's identifiers, and the CheckoutRequestID's alias with the push's facts, in one
        transaction; recording the same pair again (an early callback matched it first) changes nothing
        and succeeds. True when a callback came first and left the alias awaited: the caller applies the
        callbacks stored under the CheckoutRequestID (no read is made unless one did)."""
        updates = {"merchant_request_id": merchant_request_id, "checkout_request_id": checkout_request_id}
        alias = {**_checkout_key(checkout_request_id), **PushFacts.of(transaction).model_dump()}
        if self._attach(transaction.transaction_id, updates, alias):
            return False
        if self._attach(transaction.transaction_id, updates, alias, over_waiting_callback=True):
            return True
        raise IdentifierTaken(f"{transaction.transaction_id} or {alias['pk']} holds other identifiers")

    def record_checkout_only(self, transaction_id: str, checkout_request_id: str) -> None:
        """The CheckoutRequestID on the transaction alone (no alias): enough for the reconciler's query
        when the full record could not be written."""
        self._table.update_item(
            Key=_txn_key(transaction_id),
            UpdateExpression="SET checkout_request_id = if_not_exists(checkout_request_id, :c)",
            ExpressionAttributeValues={":c": checkout_request_id},
            ConditionExpression=Attr("pk").exists(),
        )

    def record_conversation(self, transaction_id: str, conversation_id: str) -> None:
        """Store Daraja's ConversationID and its alias, so a result naming only it still finds us."""
        alias = {**_conversation_key(conversation_id), "transaction_id": transaction_id}
        if not self._attach(transaction_id, {"conversation_id": conversation_id}, alias):
            raise IdentifierTaken(f"{transaction_id} or {alias['pk']} holds other identifiers")

    def _by_alias(self, key: dict[str, str]) -> Transaction | None:
        alias = self._table.get_item(Key=key, ConsistentRead=True).get("Item") or {}
        return self.get(alias["transaction_id"]) if "transaction_id" in alias else None

    def _attach(
        self,
        transaction_id: str,
        updates: dict[str, str],
        alias: dict[str, Any],
        *,
        over_waiting_callback: bool = False,
    ) -> bool:
        """Identifiers and their alias, all or nothing; False if a condition said no. Idempotent: the
        same identifiers again succeed; other identifiers, or an alias held by another transaction (or,
        with `over_waiting_callback`, an alias no callback waits on), say no. Nothing is read back: the
        caller knows the transaction it is recording them on."""
        values = {**updates, "updated_at": _now().isoformat()}
        same = " AND ".join(f"(attribute_not_exists({name}) OR {name} = :{name})" for name in updates)
        alias_condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_exists(callback_waiting)"}
            if over_waiting_callback
            else {
                "ConditionExpression": "attribute_not_exists(pk) OR transaction_id = :t",
                "ExpressionAttributeValues": {":t": transaction_id},
            }
        )

        def write() -> None:
            # The resource's client takes plain Python values, like the Table methods do.
            self._table.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table_name,
                            "Key": _txn_key(transaction_id),
                            "UpdateExpression": "SET " + ", ".join(f"{name} = :{name}" for name in values),
                            "ConditionExpression": f"attribute_exists(pk) AND {same}",
                            "ExpressionAttributeValues": {
                                f":{name}": value for name, value in values.items()
                            },
                        }
                    },
                    {"Put": {"TableName": self._table_name, "Item": alias, **alias_condition}},
                ]
            )

        return conditionally(lambda: with_retries(write))

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
        return conditionally(
            lambda: self._table.update_item(
                Key=_txn_key(transaction_id),
                UpdateExpression="SET last_queried_at = :now",
                ExpressionAttributeValues={":now": now.isoformat()},
                ConditionExpression=Attr("status").eq(TransactionStatus.PENDING.value)
                & (Attr("last_queried_at").not_exists() | Attr("last_queried_at").lte(cutoff)),
            )
        )

    def claim_send(self, transaction_id: str) -> bool:
        """True for the one caller that may send this pending request to its provider: a redelivered
        job, a second worker or the reconciler giving up on it find it claimed and send nothing."""
        return conditionally(
            lambda: self._table.update_item(
                Key=_txn_key(transaction_id),
                UpdateExpression="SET sent_at = :now",
                ExpressionAttributeValues={":now": _now().isoformat()},
                ConditionExpression=Attr("status").eq(TransactionStatus.PENDING.value)
                & Attr("sent_at").not_exists(),
            )
        )

    def release_send(self, transaction_id: str) -> None:
        """Give a claim back when the request provably never reached its provider (another try may send)."""
        conditionally(
            lambda: self._table.update_item(
                Key=_txn_key(transaction_id),
                UpdateExpression="REMOVE sent_at",
                ConditionExpression=Attr("status").eq(TransactionStatus.PENDING.value),
            )
        )

    def settle(
        self,
        transaction_id: str,
        settlement: Settlement,
        from_statuses: tuple[TransactionStatus, ...] = (TransactionStatus.PENDING,),
    ) -> Transaction | None:
        """PENDING (or another listed status) → final; None when it was not in one (duplicate, late)."""
        return self._update_if(transaction_id, settlement, _status_in(from_statuses))

    def overrule(self, transaction_id: str, settlement: Settlement, conflict: str) -> Transaction | None:
        """Evidence replaces a final status learnt from weaker evidence: proof that money moved replaces
        a refusal, a query's answer or an expiry; any callback or result replaces an expiry. The conflict
        is kept on the record. None when the transaction is in no status this evidence replaces."""
        statuses: tuple[TransactionStatus, ...] = (TransactionStatus.EXPIRED,)
        settlers: tuple[SettledBy, ...] = (SettledBy.EXPIRY,)
        if settlement.status is TransactionStatus.COMPLETED:
            statuses, settlers = OVERRULABLE_STATUSES, OVERRULABLE_SETTLERS
        condition = _status_in(statuses) & Attr("settled_by").is_in([settler.value for settler in settlers])
        return self._update_if(transaction_id, settlement, condition, {"conflict": conflict[:500]})

    def flag_conflict(self, transaction_id: str, conflict: str) -> None:
        """Evidence that contradicts a final status and cannot overrule it: kept for people to look at."""
        self._table.update_item(
            Key=_txn_key(transaction_id),
            UpdateExpression="SET #conflict = :c, updated_at = :u",  # CONFLICT is a reserved word
            ExpressionAttributeNames={"#conflict": "conflict"},
            ExpressionAttributeValues={":c": conflict[:500], ":u": _now().isoformat()},
            ConditionExpression=Attr("pk").exists(),
        )

    def mark_reversed(self, transaction_id: str, reversal_id: str) -> Transaction | None:
        """COMPLETED → REVERSED, once; the rest of the record (receipt, result) stays as it was."""
        answer: dict[str, Any] = {}

        def update() -> None:
            answer.update(
                self._table.update_item(
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
            )

        return transaction_from_item(answer["Attributes"]) if conditionally(update) else None

    def claim_reversal(self, transaction_id: str, reversal_id: str) -> bool:
        """One reversal in flight per completed transaction: True for the caller that may send it."""
        return conditionally(
            lambda: self._table.update_item(
                Key=_txn_key(transaction_id),
                UpdateExpression="SET reversal_in_flight = :r",
                ExpressionAttributeValues={":r": reversal_id},
                ConditionExpression=Attr("status").eq(TransactionStatus.COMPLETED.value)
                & Attr("reversal_in_flight").not_exists(),
            )
        )

    def release_reversal(self, transaction_id: str, reversal_id: str) -> None:
        """The reversal failed for sure: another may be asked for."""
        conditionally(
            lambda: self._table.update_item(
                Key=_txn_key(transaction_id),
                UpdateExpression="REMOVE reversal_in_flight",
                ConditionExpression=Attr("reversal_in_flight").eq(reversal_id),
            )
        )

    def add_receipt(self, transaction_id: str, settlement: Settlement) -> Transaction | None:
        """A completion learnt by query lacks the receipt; the late callback may still supply it."""
        condition = Attr("status").eq(TransactionStatus.COMPLETED.value) & Attr("receipt_number").not_exists()
        return self._update_if(transaction_id, settlement, condition)

    def _update_if(
        self, transaction_id: str, settlement: Settlement, condition: Any, extra: dict[str, Any] | None = None
    ) -> Transaction | None:
        values = to_item(
            {**settlement.model_dump(mode="json"), **(extra or {}), "updated_at": _now().isoformat()}
        )
        names = {f"#{name}": name for name in values}
        answer: dict[str, Any] = {}

        def update() -> None:
            answer.update(
                self._table.update_item(
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
            )

        return (
            transaction_from_item(answer["Attributes"])
            if conditionally(lambda: with_retries(update))
            else None
        )

    def find_orphans(self, app_id: str, since: datetime) -> list[Transaction]:
        """Pending pushes of an app, newer than `since`, that never learnt their CheckoutRequestID."""
        answer = self._table.query(
            IndexName="by_app",
            KeyConditionExpression=Key("gsi1pk").eq(f"APP#{app_id}") & Key("gsi1sk").gte(since.isoformat()),
            FilterExpression=Attr("status").eq(TransactionStatus.PENDING.value)
            & Attr("checkout_request_id").not_exists(),
        )
        return [transaction_from_item(item) for item in answer.get("Items", [])]

    def due_for_check(self, now: datetime, limit: int) -> list[Transaction]:
        """Up to `limit` pending transactions whose check is due, longest-due first (sparse index)."""
        items, _ = read_pages(
            self._table,
            {
                "IndexName": "pending",
                "KeyConditionExpression": Key(PENDING_PK).eq(_PENDING_TRANSACTIONS)
                & Key(PENDING_SK).lt(now.isoformat()),
            },
            limit,
            start=None,
        )
        return [transaction_from_item(item) for item in items]

    def postpone(self, transaction_id: str, until: datetime, *, escalate: bool = False) -> None:
        """A still-pending transaction's next check (and, once, its escalation to operators)."""
        values = {":due": f"{until.isoformat()}#{transaction_id}", ":at": until.isoformat(), ":p": "PENDING"}
        update = f"SET {PENDING_SK} = :due, check_after = :at"
        if escalate:
            update += ", escalated_at = if_not_exists(escalated_at, :now)"
            values[":now"] = _now().isoformat()
        conditionally(
            lambda: self._table.update_item(
                Key=_txn_key(transaction_id),
                UpdateExpression=update,
                ConditionExpression="#status = :p",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
        )

    def unapplied_callbacks(self, cutoff: datetime, limit: int) -> list[RawCallback]:
        """Up to `limit` callbacks stored before `cutoff` whose handling never finished, oldest first."""
        items, _ = read_pages(
            self._table,
            {
                "IndexName": "pending",
                "KeyConditionExpression": Key(PENDING_PK).eq(_UNAPPLIED_CALLBACKS)
                & Key(PENDING_SK).lt(cutoff.isoformat()),
            },
            limit,
            start=None,
        )
        return [RawCallback.model_validate(item) for item in items]

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
        items, resume = read_pages(self._table, query, limit, start)
        return [transaction_from_item(item) for item in items], resume

    def record_balance(
        self,
        app_id: str,
        balance: str,
        as_of: datetime | None,
        source: str,
        *,
        account: str = "mpesa",
        timed: bool = True,
        ranked_at: datetime | None = None,
    ) -> None:
        """Keep an app's balance of one account if it ranks after the one kept (SMS arrive out of order).

        A balance ranks by `ranked_at` (default: `as_of`, default: now), and at the same instant a timed
        one (`timed`: `as_of` is the message's own time) ranks after a timeless one. The caller decides
        how far back a timeless balance ranks; one conditional write keeps the highest rank. Balances kept
        before ranks existed are compared by `as_of`, as they were then.
        """
        when = as_of or _now()
        ranked = f"{(ranked_at or when).astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{int(timed)}"
        conditionally(
            lambda: self._table.put_item(
                Item={
                    "pk": f"BALANCE#{app_id}",
                    "sk": "LATEST" if account == "mpesa" else f"LATEST#{account}",
                    "balance": balance,
                    "as_of": when.isoformat(),
                    "source": source,
                    "account": account,
                    "timed": timed,
                    "ranked": ranked,
                },
                ConditionExpression=Attr("ranked").lt(ranked)
                | (
                    Attr("ranked").not_exists()
                    & (Attr("as_of").not_exists() | Attr("as_of").lt(when.isoformat()))
                ),
            )
        )

    def latest_balance(self, app_id: str) -> dict[str, Any] | None:
        """The M-PESA wallet's kept balance (else the latest-ranked account's), with every account's."""
        items = self._table.query(
            KeyConditionExpression=Key("pk").eq(f"BALANCE#{app_id}"), ConsistentRead=True
        ).get("Items", [])
        if not items:
            return None
        accounts = [
            {
                "account": item.get("account", "mpesa"),
                **{key: item[key] for key in ("balance", "as_of", "source")},
                "time_from": "message" if item.get("timed", True) else "arrival",
            }
            for item in items
        ]
        wallet = next((kept for kept in accounts if kept["account"] == "mpesa"), None)
        newest = max(zip(items, accounts, strict=True), key=lambda pair: str(pair[0].get("ranked", "")))[1]
        return {**(wallet or newest), "accounts": accounts}

    def save_callback(self, callback: RawCallback) -> None:
        """Durably, before anything else: Safaricom never sends a callback twice on purpose."""
        item = {
            **_callback_key(callback),
            "gsi1pk": f"CALLBACKS#{callback.app_id}",
            "gsi1sk": callback.received_at.isoformat(),
            # On the pending index until marked: the reconciler re-applies what was never handled.
            PENDING_PK: _UNAPPLIED_CALLBACKS,
            PENDING_SK: f"{callback.received_at.isoformat()}#{callback.callback_id}",
            **callback.model_dump(mode="json"),
        }
        with_retries(lambda: self._table.put_item(Item=to_item(item)))

    def mark_callback(
        self, callback: RawCallback, outcome: CallbackOutcome | ValidationSummary, transaction_id: str | None
    ) -> None:
        self._table.update_item(
            Key=_callback_key(callback),
            UpdateExpression=f"SET outcome = :o, transaction_id = :t REMOVE {PENDING_PK}, {PENDING_SK}",
            ExpressionAttributeValues={":o": str(outcome), ":t": transaction_id},
        )

    def recent_callbacks(
        self, app_id: str, outcome: CallbackOutcome | ValidationSummary | None, limit: int
    ) -> list[RawCallback]:
        """An app's stored callbacks, newest first, optionally only those with one outcome."""
        query: dict[str, Any] = {
            "IndexName": "by_app",
            "KeyConditionExpression": Key("gsi1pk").eq(f"CALLBACKS#{app_id}"),
            "ScanIndexForward": False,
        }
        if outcome:
            query["FilterExpression"] = Attr("outcome").eq(str(outcome))
        items, _ = read_pages(self._table, query, limit, start=None)
        return [RawCallback.model_validate(item) for item in items]

    def callbacks_for(self, app_id: str, key: str) -> list[RawCallback]:
        """The callbacks one app received about `key`, oldest first."""
        answer = self._table.query(
            KeyConditionExpression=Key("pk").eq(f"CALLBACK#{app_id}#{key}"), ConsistentRead=True
        )
        return [RawCallback.model_validate(from_item(item)) for item in answer.get("Items", [])]


class IdentifierTaken(Exception):
    """Daraja's identifiers for a transaction clash with ones already recorded (never expected)."""


def _status_in(statuses: tuple[TransactionStatus, ...]) -> Any:
    return reduce(operator.or_, (Attr("status").eq(status.value) for status in statuses))


def _filter(criteria: ListCriteria) -> Any:
    exact = {"status": criteria.status, "type": criteria.type, "reference": criteria.reference}
    conditions = [Attr(name).eq(value) for name, value in exact.items() if value is not None]
    return reduce(operator.and_, conditions) if conditions else None


# Sub-models whose fields are top-level attributes of the item: indexes, aliases and conditions name them.
_FLATTENED: dict[str, type[BaseModel]] = {
    "stk": StkPushIds,
    "c2b": C2BPaymentDetails,
    "vodacom": VodacomDetails,
}
# Items written before the sub-models kept every type's extra facts in `details`.
_LEGACY_DETAILS = {TransactionType.SMS.value: "sms", TransactionType.BALANCE_QUERY.value: "balance"}


def stored_attributes(transaction: Transaction) -> dict[str, Any]:
    attributes = transaction.model_dump(mode="json")
    for name in _FLATTENED:
        attributes.update(attributes.pop(name) or {})
    return attributes


def transaction_from_item(item: dict[str, Any]) -> Transaction:
    """A stored item (or a stream image of one) as the Transaction it holds."""
    values = from_item(item)
    for name, model in _FLATTENED.items():
        if fields := {field: values.pop(field) for field in model.model_fields if field in values}:
            values[name] = fields
    if (details := values.pop("details", None)) is not None:
        values.setdefault(_LEGACY_DETAILS.get(values.get("type", ""), "result_parameters"), details)
    return Transaction.model_validate(values)
