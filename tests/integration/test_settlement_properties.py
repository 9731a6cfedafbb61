"""Property-based tests of the transaction state machine, on the real store's conditional writes.

Whatever order the evidence arrives in (callbacks, their duplicates, status queries, the reconciler
giving up, results, queue timeouts, status-query results, an early refusal), a transaction ends in
the state the truth dictates, and never leaves a state backed by proof.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mpesa_gateway.models import Transaction, TransactionStatus, TransactionType
from mpesa_gateway.settling import settle_by_evidence
from mpesa_gateway.store.transactions import DynamoTransactionStore, Settlement
from tests.integration.dynamodb_backends import gateway_tables
from tests.integration.test_transaction_store import pending

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
STK_TRUTHS = {
    TransactionStatus.COMPLETED: 0,
    TransactionStatus.CANCELLED: 1032,
    TransactionStatus.FAILED: 1,
    TransactionStatus.TIMEOUT: 1037,
}


@pytest.fixture(params=["moto"])
def store(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DynamoTransactionStore]:
    with gateway_tables(request, monkeypatch):
        yield DynamoTransactionStore("mpesa-gateway-transactions")


def new_transaction(store: DynamoTransactionStore, kind: TransactionType) -> str:
    """A fresh pending transaction of `kind` per example (the store's table lives for the whole test)."""
    transaction = pending(f"txn_{uuid.uuid4().hex}").model_copy(update={"type": kind})
    store.create(transaction)
    return transaction.transaction_id


def evidence(
    status: TransactionStatus, code: int | None, settled_by: str, receipt: str | None = None
) -> Settlement:
    return Settlement(
        status=status, result_code=code, result_desc=f"{settled_by} says {status.value}",
        settled_by=settled_by, receipt_number=receipt,
    )  # fmt: skip


EXPIRY = evidence(TransactionStatus.EXPIRED, None, "expiry")


def status_of(store: DynamoTransactionStore, transaction_id: str) -> Transaction:
    found = store.get(transaction_id)
    assert found is not None
    return found


def assert_never_left_proof(history: list[Transaction]) -> None:
    """Once settled by a callback or result (proof), a transaction's status never changes."""
    for before, after in itertools.pairwise(history):
        if before.settled_by in {"callback", "result"}:
            assert after.status is before.status, (before.status, after.status)


@PROPERTY_SETTINGS
@given(
    truth=st.sampled_from(list(STK_TRUTHS)),
    events=st.lists(st.sampled_from(["callback", "query", "expire"]), max_size=8),
)
def test_an_stk_push_ends_as_the_customer_acted_in_any_order_of_evidence(
    store: DynamoTransactionStore, truth: TransactionStatus, events: list[str]
):
    transaction_id = new_transaction(store, TransactionType.STK_PUSH)
    code = STK_TRUTHS[truth]
    receipt = "TJK1234567" if truth is TransactionStatus.COMPLETED else None
    history = [status_of(store, transaction_id)]
    for event in events:
        if event == "callback":  # duplicates are simply repeated callbacks
            settle_by_evidence(store, transaction_id, evidence(truth, code, "callback", receipt))
        elif event == "query":  # the service asks only while pending; a query carries no receipt
            store.settle(transaction_id, evidence(truth, code, "query"))
        else:
            store.settle(transaction_id, EXPIRY)
        history.append(status_of(store, transaction_id))

    final = history[-1]
    assert_never_left_proof(history)
    if "callback" in events:
        assert final.status is truth
        assert final.receipt_number == receipt
    elif "query" in events and ("expire" not in events or events.index("query") < events.index("expire")):
        assert final.status is truth
    elif "expire" in events:
        assert final.status is TransactionStatus.EXPIRED
    else:
        assert final.status is TransactionStatus.PENDING


@PROPERTY_SETTINGS
@given(
    paid=st.booleans(),
    refused_first=st.booleans(),
    events=st.lists(st.sampled_from(["result", "timeout", "status_query"]), max_size=8),
)
def test_a_payout_ends_as_the_money_moved_and_a_queue_timeout_is_never_an_outcome(
    store: DynamoTransactionStore, paid: bool, refused_first: bool, events: list[str]
):
    transaction_id = new_transaction(store, TransactionType.B2C)
    truth = TransactionStatus.COMPLETED if paid else TransactionStatus.FAILED
    if refused_first:  # Daraja's error JSON said "not done", yet (as a fault) it did it
        store.settle(transaction_id, evidence(TransactionStatus.FAILED, None, "request"))
    history = [status_of(store, transaction_id)]
    for event in events:
        if event == "result":
            receipt = "TJK7654321" if paid else None
            settle_by_evidence(store, transaction_id, evidence(truth, 0 if paid else 2001, "result", receipt))
        elif event == "timeout":
            store.note_error(transaction_id, "queue timed out")  # what the timeout callback does
        elif paid:  # a Transaction Status result settles only a payout it finds completed
            settle_by_evidence(store, transaction_id, evidence(truth, 0, "status_query"))
        history.append(status_of(store, transaction_id))

    final = history[-1]
    assert_never_left_proof(history)
    proof = "result" in events or (paid and "status_query" in events)
    if proof:
        assert final.status is truth
    elif refused_first:
        assert final.status is TransactionStatus.FAILED
    else:
        assert final.status is TransactionStatus.PENDING  # a timeout alone settles nothing
