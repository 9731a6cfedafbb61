"""Kinds, outcomes and settlers are StrEnums: items stored as strings load as members and dump unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mpesa_gateway.c2b.validation import Decision, ValidationCode
from mpesa_gateway.callbacks import CallbackKind, CallbackOutcome, RawCallback
from mpesa_gateway.models import SettledBy, Transaction

STORED_CALLBACK = {
    "callback_id": "0f3c",
    "app_id": "demo-c2b",
    "kind": "c2b_validation",
    "key": "QJI3R7GXWV",
    "received_at": "2026-11-30T08:00:00Z",
    "body": {"TransID": "QJI3R7GXWV"},
    "outcome": "received",
    "transaction_id": None,
}


@pytest.mark.parametrize("outcome", [outcome.value for outcome in CallbackOutcome])
def test_a_stored_outcome_loads_as_its_member_and_dumps_as_it_was(outcome: str):
    callback = RawCallback.model_validate({**STORED_CALLBACK, "outcome": outcome})

    assert callback.outcome is CallbackOutcome(outcome)
    assert callback.model_dump(mode="json") == {**STORED_CALLBACK, "outcome": outcome}


def test_a_validation_decision_is_stored_in_words_and_loads_as_them():
    summary = Decision(ValidationCode.INVALID_ACCOUNT, "the account number is not among the app's accounts")
    stored = {**STORED_CALLBACK, "outcome": summary.summary()}

    callback = RawCallback.model_validate(stored)

    assert callback.outcome == "rejected C2B00012: the account number is not among the app's accounts"
    assert not isinstance(callback.outcome, CallbackOutcome)
    assert callback.model_dump(mode="json") == stored


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        RawCallback.model_validate({**STORED_CALLBACK, "kind": "sms"})


@pytest.mark.parametrize("kind", [kind.value for kind in CallbackKind])
def test_every_stored_kind_loads(kind: str):
    assert RawCallback.model_validate({**STORED_CALLBACK, "kind": kind}).kind is CallbackKind(kind)


@pytest.mark.parametrize("settled_by", [settler.value for settler in SettledBy])
def test_a_settled_transaction_reads_and_serialises_as_stored(settled_by: str):
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC).isoformat()
    stored = {
        "transaction_id": "txn_1", "app_id": "demo-express", "merchant_id": "demo", "type": "STK_PUSH",
        "status": "COMPLETED", "amount": 1, "phone_number": "254712345678", "reference": "ORDER-1",
        "description": "Test", "created_at": now, "updated_at": now, "settled_by": settled_by,
    }  # fmt: skip

    transaction = Transaction.model_validate(stored)

    assert transaction.settled_by is SettledBy(settled_by)
    assert json.loads(transaction.model_dump_json())["settled_by"] == settled_by
    assert json.dumps({"settled_by": transaction.settled_by}) == json.dumps({"settled_by": settled_by})


def test_a_merchants_rejection_code_is_answered_as_daraja_spells_it():
    answer = Decision(ValidationCode.INVALID_AMOUNT, "the merchant rejected").answer()

    assert answer.model_dump_json(exclude_none=True) == '{"ResultCode":"C2B00013","ResultDesc":"Rejected"}'
