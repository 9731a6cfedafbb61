"""DynamoTransactionStore's conditional writes, on moto and on Amazon's DynamoDB Local: each status change
happens once, and a write whose condition fails changes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from pydantic import BaseModel

from mpesa_gateway.errors import StorageConflict, StorageError, StorageUnavailable
from mpesa_gateway.models import (
    C2BPaymentDetails,
    SettledBy,
    StkPushIds,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from mpesa_gateway.store.transactions import (
    AWAITED_ALIAS_SECONDS,
    DynamoTransactionStore,
    IdentifierTaken,
    PushFacts,
    Settlement,
)
from tests.integration.dynamodb_backends import BACKENDS, calls_made, gateway_tables

COMPLETED = Settlement(
    status=TransactionStatus.COMPLETED,
    result_code=0,
    result_desc="The service request is processed successfully.",
    settled_by="callback",
    receipt_number="TJK1234567",
)
CANCELLED = Settlement(
    status=TransactionStatus.CANCELLED,
    result_code=1032,
    result_desc="Request cancelled by user",
    settled_by="callback",
)


@pytest.fixture(params=BACKENDS)
def store(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DynamoTransactionStore]:
    with gateway_tables(request, monkeypatch):
        yield DynamoTransactionStore("mpesa-gateway-transactions")


def pending(transaction_id: str = "txn_1") -> Transaction:
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    return Transaction(
        transaction_id=transaction_id,
        app_id="demo-express",
        merchant_id="demo",
        type=TransactionType.STK_PUSH,
        amount=1,
        phone_number="254712345678",
        reference="ORDER-1",
        description="Test",
        created_at=now,
        updated_at=now,
    )


def test_a_transaction_is_created_once(store: DynamoTransactionStore):
    assert store.create(pending())
    assert not store.create(pending().model_copy(update={"amount": 99}))
    assert store.get("txn_1").amount == 1


def test_a_pending_transaction_settles_once_and_leaves_the_pending_index(store: DynamoTransactionStore):
    store.create(pending())
    cutoff = datetime(2026, 12, 1, tzinfo=UTC)
    assert [t.transaction_id for t in store.due_for_check(cutoff, limit=10)] == ["txn_1"]

    settled = store.settle("txn_1", COMPLETED)
    duplicate = store.settle("txn_1", CANCELLED)  # a late or duplicate callback

    assert settled.status is TransactionStatus.COMPLETED
    assert duplicate is None
    assert store.get("txn_1").status is TransactionStatus.COMPLETED
    assert store.due_for_check(cutoff, limit=10) == []


def test_a_missing_transaction_is_not_settled(store: DynamoTransactionStore):
    assert store.settle("txn_nowhere", COMPLETED) is None
    assert store.get("txn_nowhere") is None


def test_push_accepted_attaches_the_checkout_alias_once(store: DynamoTransactionStore):
    store.create(pending("txn_1"))
    store.create(pending("txn_2"))

    assert store.record_push_accepted(pending("txn_1"), "merchant-1", "ws_CO_1") is False  # none waits
    with pytest.raises(IdentifierTaken):
        store.record_push_accepted(pending("txn_2"), "merchant-2", "ws_CO_1")  # the alias is taken

    assert store.find_by_checkout("ws_CO_1").transaction_id == "txn_1"
    assert store.get("txn_2").checkout_request_id is None  # the transaction wrote nothing


def test_push_accepted_for_a_missing_transaction_writes_no_alias(store: DynamoTransactionStore):
    with pytest.raises(IdentifierTaken):
        store.record_push_accepted(pending("txn_nowhere"), "merchant-1", "ws_CO_9")

    assert store.find_by_checkout("ws_CO_9") is None
    assert store.find_push("ws_CO_9") is None


def test_recording_the_same_push_twice_succeeds_callback_before_answer(store: DynamoTransactionStore):
    """An early callback matched the push by phone and amount first; the push's own answer then
    records the same identifiers: that is not an error (it once made the merchant a 500)."""
    store.create(pending("txn_1"))
    store.record_push_accepted(pending("txn_1"), "merchant-1", "ws_CO_1")

    assert store.record_push_accepted(pending("txn_1"), "merchant-1", "ws_CO_1") is False

    assert store.get("txn_1").checkout_request_id == "ws_CO_1"
    with pytest.raises(IdentifierTaken):  # other identifiers for the same transaction are refused
        store.record_push_accepted(pending("txn_1"), "merchant-1", "ws_CO_2")


def test_the_alias_keeps_what_a_callback_is_checked_against_so_one_read_finds_it(
    store: DynamoTransactionStore,
):
    store.create(pending("txn_1"))
    store.record_push_accepted(pending("txn_1"), "merchant-1", "ws_CO_1")

    with calls_made(store._table) as calls:
        push = store.find_push("ws_CO_1")

    assert push == PushFacts(
        transaction_id="txn_1", app_id="demo-express", amount=1, phone_number="254712345678"
    )
    assert calls == ["GetItem"]


def test_an_alias_written_before_it_kept_the_facts_reads_them_from_the_transaction(
    store: DynamoTransactionStore,
):
    store.create(pending("txn_1"))
    store._table.put_item(Item={"pk": "CHECKOUT#ws_CO_old", "sk": "ALIAS", "transaction_id": "txn_1"})

    assert store.find_push("ws_CO_old") == PushFacts.of(pending("txn_1"))


def test_a_callback_before_the_answer_leaves_the_alias_awaited_and_recording_the_answer_says_so(
    store: DynamoTransactionStore,
):
    """The rendezvous that replaces a query on every push: only a push whose callback came first pays
    for finding it."""
    store.create(pending("txn_1"))

    assert store.await_push("ws_CO_1") is True  # the callback found no alias
    assert store.await_push("ws_CO_1") is False  # a second early callback: already awaited
    assert store.find_push("ws_CO_1") is None  # awaited is not found
    assert store.find_by_checkout("ws_CO_1") is None

    # Left unclaimed, DynamoDB's TTL drops it a day later.
    awaited = store._table.get_item(Key={"pk": "CHECKOUT#ws_CO_1", "sk": "ALIAS"})["Item"]
    assert abs(int(awaited["expires_at"]) - time.time() - AWAITED_ALIAS_SECONDS) < 60

    assert store.record_push_accepted(pending("txn_1"), "merchant-1", "ws_CO_1") is True
    assert store.find_push("ws_CO_1") == PushFacts.of(pending("txn_1"))
    claimed = store._table.get_item(Key={"pk": "CHECKOUT#ws_CO_1", "sk": "ALIAS"})["Item"]
    assert "expires_at" not in claimed  # a claimed alias is kept
    assert store.get("txn_1").checkout_request_id == "ws_CO_1"
    assert store.await_push("ws_CO_1") is False  # recorded: a later callback reads it instead


def test_an_awaited_alias_is_not_taken_by_another_transaction_twice(store: DynamoTransactionStore):
    store.create(pending("txn_1"))
    store.create(pending("txn_2"))
    store.await_push("ws_CO_1")
    store.record_push_accepted(pending("txn_1"), "merchant-1", "ws_CO_1")

    with pytest.raises(IdentifierTaken):
        store.record_push_accepted(pending("txn_2"), "merchant-2", "ws_CO_1")

    assert store.find_push("ws_CO_1").transaction_id == "txn_1"
    assert store.get("txn_2").checkout_request_id is None


def test_throttled_writes_are_retried_and_the_settlement_lands(
    store: DynamoTransactionStore, monkeypatch: pytest.MonkeyPatch
):
    """DynamoDB throttling injected into the first two attempts of a settlement."""
    store.create(pending("txn_1"))
    client = store._table.meta.client
    real = client._make_api_call
    failures = {"left": 2}

    def throttled(operation: str, params: dict):
        if operation == "UpdateItem" and failures["left"]:
            failures["left"] -= 1
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
                operation,
            )
        return real(operation, params)

    monkeypatch.setattr(client, "_make_api_call", throttled)
    settled = store.settle(
        "txn_1",
        Settlement(status=TransactionStatus.FAILED, result_code=1, result_desc="x", settled_by="callback"),
    )

    assert failures["left"] == 0
    assert settled is not None
    assert settled.status is TransactionStatus.FAILED


def test_one_status_query_per_interval(store: DynamoTransactionStore):
    store.create(pending())
    assert store.claim_status_query("txn_1", interval_seconds=60)
    assert not store.claim_status_query("txn_1", interval_seconds=60)
    assert store.claim_status_query("txn_1", interval_seconds=0)
    store.settle("txn_1", COMPLETED)
    assert not store.claim_status_query("txn_1", interval_seconds=0)  # only pending ones are queried


def test_only_a_completed_transaction_is_reversed_and_only_once(store: DynamoTransactionStore):
    store.create(pending())
    assert store.mark_reversed("txn_1", "txn_rev") is None  # still pending
    store.settle("txn_1", COMPLETED)

    reversed_ = store.mark_reversed("txn_1", "txn_rev")

    assert reversed_.status is TransactionStatus.REVERSED
    assert reversed_.receipt_number == "TJK1234567"
    assert store.mark_reversed("txn_1", "txn_rev_2") is None
    assert store.get("txn_1").reversed_by == "txn_rev"


def test_a_receipt_is_added_once_to_a_completion_learnt_without_one(store: DynamoTransactionStore):
    store.create(pending())
    by_query = COMPLETED.model_copy(update={"receipt_number": None, "settled_by": SettledBy.QUERY})
    store.settle("txn_1", by_query)

    assert store.add_receipt("txn_1", COMPLETED).receipt_number == "TJK1234567"
    assert store.add_receipt("txn_1", COMPLETED.model_copy(update={"receipt_number": "OTHER"})) is None
    assert store.get("txn_1").receipt_number == "TJK1234567"


def test_a_write_whose_condition_fails_unexpectedly_raises_a_storage_conflict(store: DynamoTransactionStore):
    with pytest.raises(StorageConflict) as raised:
        store.note_error("txn_missing", "outcome unknown")

    assert isinstance(raised.value.__cause__, ClientError)  # kept for the logs, never raised as such


def test_throttling_that_outlasts_the_retries_raises_storage_unavailable(
    store: DynamoTransactionStore, monkeypatch: pytest.MonkeyPatch
):
    store.create(pending("txn_1"))
    monkeypatch.setattr(store._table.meta.client, "_make_api_call", throttled_always)

    with pytest.raises(StorageUnavailable):
        store.settle("txn_1", CANCELLED)


def test_an_unreachable_table_raises_storage_unavailable(
    store: DynamoTransactionStore, monkeypatch: pytest.MonkeyPatch
):
    def unreachable(operation: str, params: dict):
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    monkeypatch.setattr(store._table.meta.client, "_make_api_call", unreachable)

    with pytest.raises(StorageUnavailable):
        store.get("txn_1")


def test_another_dynamodb_refusal_raises_a_storage_error(store: DynamoTransactionStore):
    with pytest.raises(StorageError) as raised:
        store.create(pending("x" * 3000))  # the partition key is over DynamoDB's 2048 bytes

    assert not isinstance(raised.value, StorageConflict | StorageUnavailable)
    assert isinstance(raised.value.__cause__, ClientError)


def throttled_always(operation: str, params: dict):
    raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, operation)


def test_product_sub_models_are_flat_attributes_of_the_item_and_nested_again_on_reading(
    store: DynamoTransactionStore,
):
    paid = pending("txn_c2b").model_copy(
        update={
            "type": TransactionType.C2B,
            "c2b": C2BPaymentDetails(payer_name="JOHN DOE", validation="accepted 0"),
        }
    )
    assert store.create(pending())
    assert store.create(paid)
    store.record_push_accepted(pending(), "29115-34620561-1", "ws_CO_191220191020363925")

    item = store._table.get_item(Key={"pk": "TXN#txn_1", "sk": "TXN"})["Item"]
    # The alias and the reconciler's conditions name the attribute itself, not a map inside `stk`.
    assert (item["checkout_request_id"], "stk" in item) == ("ws_CO_191220191020363925", False)
    assert store.find_by_checkout("ws_CO_191220191020363925").stk == StkPushIds(
        merchant_request_id="29115-34620561-1", checkout_request_id="ws_CO_191220191020363925"
    )
    assert store.get("txn_c2b").c2b == C2BPaymentDetails(payer_name="JOHN DOE", validation="accepted 0")
    assert (store.get("txn_c2b").stk, store.get("txn_1").c2b) == (None, None)


@pytest.mark.parametrize(
    ("kind", "details", "field"),
    [
        (
            TransactionType.BALANCE_QUERY,
            {"accounts": [{"account": "Working Account", "currency": "KES"}]},
            "balance",
        ),
        (TransactionType.B2C, {"ReceiverPartyPublicName": "254712345678 - JOHN DOE"}, "result_parameters"),
    ],
)
def test_items_written_before_the_sub_models_load_their_details_into_the_type_s_own_field(
    store: DynamoTransactionStore, kind: TransactionType, details: dict, field: str
):
    item = {
        "pk": "TXN#txn_old",
        "sk": "TXN",
        **pending("txn_old").model_copy(update={"type": kind}).model_dump(mode="json", exclude_none=True),
        "details": details,
    }
    store._table.put_item(Item=item)

    value = getattr(store.get("txn_old"), field)
    assert (value.model_dump(exclude_none=True) if isinstance(value, BaseModel) else value) == details
