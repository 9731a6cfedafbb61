"""Account APIs that only look: transaction status and account balance."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from local.simulator.balances import balance_text
from local.simulator.clock import daraja_timestamp, nairobi_now
from local.simulator.errors import invalid_field
from local.simulator.ids import new_receipt_number
from local.simulator.oauth import require_access_token
from local.simulator.receipts import Receipt
from local.simulator.results import (
    CREDENTIAL,
    INVALID_TRANSACTION_ID,
    NAME,
    OCCASION,
    ORIGINATOR_ID,
    REMARKS,
    SHORT_CODE,
    SUCCESS,
    Conversation,
    identifier_type,
    initiator_is_valid,
    item,
    open_conversation,
    process,
    queue_timeout_reference,
    result_body,
)
from local.simulator.state import SimulatorState, get_state
from local.simulator.validation import (
    FieldChecks,
    as_text,
    is_http_url,
    is_msisdn,
    json_object_body,
    one_of,
    text_length,
    validate_fields,
    validate_optional_fields,
)

blueprint = Blueprint("daraja_queries", __name__)

# --- transaction status --------------------------------------------------------------------------

TRANSACTION_STATUS = "/mpesa/transactionstatus/v1/query"
MSISDN_IDENTIFIER = "1"  # 2 is a till, 4 a short code
TRANSACTION_REFERENCE = text_length(1, 100)


def is_party(value: Any) -> bool:
    return is_msisdn(value) or SHORT_CODE(value)


STATUS_CHECKS: FieldChecks = (
    ("Initiator", NAME),
    ("SecurityCredential", CREDENTIAL),
    ("CommandID", one_of("TransactionStatusQuery")),
)
STATUS_TAIL_CHECKS: FieldChecks = (
    ("PartyA", is_party),
    ("IdentifierType", identifier_type(MSISDN_IDENTIFIER, "2", "4")),
    ("ResultURL", is_http_url),
    ("QueueTimeOutURL", is_http_url),
    ("Remarks", REMARKS),
)
STATUS_OPTIONAL_CHECKS: FieldChecks = (
    ("Occasion", OCCASION),
    ("OriginatorConversationID", ORIGINATOR_ID),
)


def _looked_up_id(body: dict[str, Any]) -> tuple[str, str]:
    """(TransactionID, OriginalConversationID): either may be empty, not both."""
    transaction_id = body.get("TransactionID") or ""
    original_id = body.get("OriginalConversationID") or ""
    if transaction_id and not TRANSACTION_REFERENCE(transaction_id):
        raise invalid_field("TransactionID")
    if original_id and not TRANSACTION_REFERENCE(original_id):
        raise invalid_field("OriginalConversationID")
    if not transaction_id and not original_id:
        raise invalid_field("TransactionID")
    return transaction_id, original_id


@blueprint.post(TRANSACTION_STATUS)
@require_access_token
def transaction_status() -> Response:
    body = json_object_body()
    validate_fields(body, STATUS_CHECKS)
    transaction_id, original_id = _looked_up_id(body)
    validate_fields(body, STATUS_TAIL_CHECKS)
    party_a = as_text(body["PartyA"]) or ""
    if (as_text(body["IdentifierType"]) == MSISDN_IDENTIFIER) != is_msisdn(party_a):
        raise invalid_field("PartyA")  # a number needs type 1; a short code or till 2 or 4
    validate_optional_fields(body, STATUS_OPTIONAL_CHECKS)
    state = get_state()
    conversation = open_conversation(state, body, body.get("OriginatorConversationID"))
    occasion = body.get("Occasion") or ""
    # Daraja echoes the Occasion as the only reference item, with no Value when it was empty.
    reference = item("Occasion", occasion) if occasion else {"Key": "Occasion"}

    def settle() -> dict[str, Any]:
        if transaction_id:
            receipt = state.receipts.get(transaction_id)
        else:
            receipt = state.receipts.find_by_conversation(original_id)
        if receipt is None:
            return result_body(conversation, INVALID_TRANSACTION_ID, reference=reference)
        return result_body(
            conversation,
            SUCCESS,
            transaction_id=new_receipt_number(),  # the query's own transaction, not a payment
            parameters=_status_parameters(receipt),
            reference=reference,
        )

    return process(
        state,
        conversation,
        state.rules.first_rule(party_a),
        initiator_ok=initiator_is_valid(state, body, "Initiator"),
        reference=reference,
        settle=settle,
    )


def _status_parameters(receipt: Receipt) -> list[dict[str, Any]]:
    completed = int(daraja_timestamp(receipt.completed_at))
    return [
        item("ReceiptNo", receipt.number),
        item("Conversation ID", receipt.conversation_id),  # Daraja's keys here have spaces
        item("FinalisedTime", completed),
        item("Amount", float(receipt.amount)),
        item("TransactionStatus", "Reversed" if receipt.reversed else "Completed"),
        item("ReasonType", receipt.reason_type),
        item("TransactionReason", ""),
        item("DebitPartyCharges", ""),
        item("DebitAccountType", receipt.debit_account_type),
        item("InitiatedTime", completed),
        item("Originator Conversation ID", receipt.originator_conversation_id),
        item("CreditPartyName", receipt.credit_party),
        item("DebitPartyName", receipt.debit_party),
    ]


# --- account balance -----------------------------------------------------------------------------

ACCOUNT_BALANCE = "/mpesa/accountbalance/v1/query"

BALANCE_CHECKS: FieldChecks = (
    ("Initiator", NAME),
    ("SecurityCredential", CREDENTIAL),
    ("CommandID", one_of("AccountBalance")),
    ("PartyA", SHORT_CODE),
    ("IdentifierType", identifier_type("4")),
    ("Remarks", REMARKS),
    ("QueueTimeOutURL", is_http_url),
    ("ResultURL", is_http_url),
)
BALANCE_OPTIONAL_CHECKS: FieldChecks = (("OriginatorConversationID", ORIGINATOR_ID),)


@blueprint.post(ACCOUNT_BALANCE)
@require_access_token
def account_balance() -> Response:
    body = json_object_body()
    validate_fields(body, BALANCE_CHECKS)
    validate_optional_fields(body, BALANCE_OPTIONAL_CHECKS)
    state = get_state()
    conversation = open_conversation(state, body, body.get("OriginatorConversationID"))
    party_a = as_text(body["PartyA"]) or ""
    return process(
        state,
        conversation,
        state.rules.first_rule(party_a),
        initiator_ok=initiator_is_valid(state, body, "Initiator"),
        reference=queue_timeout_reference(conversation),
        settle=lambda: _balance_result(state, conversation, party_a),
    )


def _balance_result(state: SimulatorState, conversation: Conversation, party_a: str) -> dict[str, Any]:
    parameters = [
        item("AccountBalance", balance_text(state.org_accounts.balances(party_a))),
        item("BOCompletedTime", int(daraja_timestamp(nairobi_now()))),
    ]
    return result_body(
        conversation,
        SUCCESS,
        transaction_id=new_receipt_number(),  # the query's own transaction, not a payment
        parameters=parameters,
        reference=queue_timeout_reference(conversation),
    )
