"""What the asynchronous account APIs (B2C, B2B, reversal, transaction status, account balance) share:
the synchronous acceptance, the initiator check, the Result and timeout bodies, and their delivery
to ResultURL / QueueTimeOutURL as the rules say."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Response, jsonify

from local.simulator.c2b import new_originator_conversation_id
from local.simulator.clock import nairobi_now
from local.simulator.errors import DarajaError
from local.simulator.faults import Delivery, callback_delay_ms, send_callback
from local.simulator.ids import new_conversation_id, placeholder_transaction_id
from local.simulator.logs import note_outcome
from local.simulator.outcomes import result_description
from local.simulator.rules import Rule, is_short_code
from local.simulator.security import MAX_CREDENTIAL_LENGTH
from local.simulator.state import SimulatorState
from local.simulator.validation import Check, as_text, text_length

ACCEPTED = "Accept the service request successfully."

SHORT_CODE = is_short_code
NAME = text_length(1, 100)
CREDENTIAL = text_length(1, MAX_CREDENTIAL_LENGTH)
REMARKS = text_length(1, 100)
OCCASION = text_length(0, 100)
ORIGINATOR_ID = text_length(1, 100)

SUCCESS = 0
INSUFFICIENT_FUNDS = 1
INVALID_INITIATOR = 2001
ALREADY_REVERSED = "R000001"
INVALID_TRANSACTION_ID = "R000002"  # also what a status query for an unknown transaction gets
# Safaricom documents no code for a PRN KRA already holds as paid: this one is the simulator's own,
# lettered so that it cannot pass for a documented code.
PRN_ALREADY_PAID = "SIM_PRN_PAID"
# A queue timeout (ResultType 1): the request was never processed.
TIMEOUT_RESULT_CODE = 1037
TIMEOUT_RESULT_DESC = "The request timed out while waiting in the queue."
# result_and_timeout: the result follows the timeout body this much later.
RESULT_AFTER_TIMEOUT_MS = 100

# Account-API wording; codes not here fall back to the STK descriptions.
RESULT_DESCRIPTIONS: dict[int | str, str] = {
    2: "Declined due to limit rule: less than the minimum transaction amount.",
    3: "Declined due to limit rule: greater than the maximum transaction amount.",
    4: "Declined due to limit rule: would exceed daily transfer limit.",
    8: "Declined due to limit rule: would exceed the maximum balance.",
    1036: "Insufficient B2C balance.",
    2028: "The request is not permitted according to product assignment.",
    8006: "The security credential is locked.",
    ALREADY_REVERSED: "The transaction has already been reversed",
    INVALID_TRANSACTION_ID: "The OriginalTransactionID is invalid.",
    PRN_ALREADY_PAID: "The payment registration number (PRN) has already been paid.",
}

ResultCode = int | str  # R000001 and R000002 are strings; every other code is a number
Parameters = list[dict[str, Any]] | dict[str, Any]  # Daraja sends one parameter bare, several as a list


def describe(code: ResultCode) -> str:
    if code in RESULT_DESCRIPTIONS:
        return RESULT_DESCRIPTIONS[code]
    return result_description(code) if isinstance(code, int) else "Simulated failure"


def item(key: str, value: Any) -> dict[str, Any]:
    return {"Key": key, "Value": value}


def identifier_type(*allowed: str) -> Check:
    """An IdentifierType-like field, sent as a string or a number."""
    return lambda value: as_text(value) in allowed


def initiator_is_valid(state: SimulatorState, body: Mapping[str, Any], field: str) -> bool:
    """Whether SecurityCredential decrypts to the password of the initiator named in `field`."""
    return state.initiator_keys.is_valid_credential(
        body[field], body["SecurityCredential"], state.settings.initiators
    )


def duplicate_originator_conversation_id() -> DarajaError:
    return DarajaError(500, "500.002.1001", "Duplicate OriginatorConversationID")


@dataclass(frozen=True)
class Conversation:
    """One accepted request: its ids and where its outcome goes."""

    conversation_id: str
    originator_conversation_id: str
    result_url: str
    timeout_url: str


def open_conversation(state: SimulatorState, body: Mapping[str, Any], given_id: str | None) -> Conversation:
    """Draws a ConversationID and claims the OriginatorConversationID (given, else generated)."""
    conversation_id = new_conversation_id(nairobi_now())
    if given_id is not None:
        if not state.conversations.add(given_id, conversation_id):
            raise duplicate_originator_conversation_id()
        originator_id = given_id
    else:
        while True:  # 7 random digits on a UUID's tail: a retry is all but never needed
            originator_id = new_originator_conversation_id()
            if state.conversations.add(originator_id, conversation_id):
                break
    return Conversation(conversation_id, originator_id, body["ResultURL"], body["QueueTimeOutURL"])


def result_body(
    conversation: Conversation,
    code: ResultCode,
    *,
    reference: Parameters,
    transaction_id: str | None = None,
    parameters: Parameters | None = None,
) -> dict[str, Any]:
    """A Result; failures (no parameters) carry a placeholder TransactionID unless given one."""
    result: dict[str, Any] = {
        "ResultType": 0,
        "ResultCode": code,
        "ResultDesc": describe(code),
        "OriginatorConversationID": conversation.originator_conversation_id,
        "ConversationID": conversation.conversation_id,
        "TransactionID": transaction_id or placeholder_transaction_id(),
    }
    if parameters is not None:
        result["ResultParameters"] = {"ResultParameter": parameters}
    result["ReferenceData"] = {"ReferenceItem": reference}
    return {"Result": result}


def timeout_body(conversation: Conversation) -> dict[str, Any]:
    return {
        "Result": {
            "ResultType": 1,
            "ResultCode": TIMEOUT_RESULT_CODE,
            "ResultDesc": TIMEOUT_RESULT_DESC,
            "OriginatorConversationID": conversation.originator_conversation_id,
            "ConversationID": conversation.conversation_id,
            "TransactionID": "",
        }
    }


def queue_timeout_reference(conversation: Conversation) -> dict[str, Any]:
    # The usual ReferenceData: one item, sent bare rather than in a list.
    return item("QueueTimeoutURL", conversation.timeout_url)


def process(
    state: SimulatorState,
    conversation: Conversation,
    rule: Rule,
    *,
    initiator_ok: bool,
    reference: Parameters,
    settle: Callable[[], dict[str, Any]],
) -> Response:
    """Decides the outcome, schedules its delivery as the rule says and answers the acceptance.

    A bad initiator (2001) or a rule's result_code fails the request before anything happens;
    otherwise settle() carries it out (moving money, marking reversals) and builds the Result.
    A timeout-only rule means the request was never processed: nothing is settled.
    """
    if rule.timeout:
        result = None
    elif not initiator_ok:
        result = result_body(conversation, INVALID_INITIATOR, reference=reference)
    elif rule.result_code != SUCCESS:
        result = result_body(conversation, rule.result_code, reference=reference)
    else:
        result = settle()
    delivery = _deliver(state, conversation, rule, result)
    outcome = None if result is None else result["Result"]
    note_outcome(
        conversation_id=conversation.conversation_id,
        originator_conversation_id=conversation.originator_conversation_id,
        result_code=None if outcome is None else outcome["ResultCode"],  # None: only the queue timeout
        transaction_id=outcome["TransactionID"] if outcome and outcome["ResultCode"] == SUCCESS else None,
        callback=delivery.value,
    )
    # The request is already under way, so a client that times out here must reconcile by query.
    time.sleep(rule.response_delay_ms / 1000)
    return jsonify(
        {
            "ConversationID": conversation.conversation_id,
            "OriginatorConversationID": conversation.originator_conversation_id,
            "ResponseCode": "0",
            "ResponseDescription": ACCEPTED,
        }
    )


def _deliver(
    state: SimulatorState, conversation: Conversation, rule: Rule, result: dict[str, Any] | None
) -> Delivery:
    if rule.drop_callback:  # processed (or not) as decided, but nothing is ever sent
        return Delivery.DROPPED
    delay_ms = callback_delay_ms(rule.callback_delay_ms)
    delivery = Delivery.SCHEDULED
    if rule.timeout or rule.result_and_timeout:
        delivery = send_callback(
            state,
            conversation.timeout_url,
            timeout_body(conversation),
            delay_ms=delay_ms,
            extra_copies=rule.duplicate_callbacks,
        )
        delay_ms += RESULT_AFTER_TIMEOUT_MS
    if result is not None:
        delivery = send_callback(
            state, conversation.result_url, result, delay_ms=delay_ms, extra_copies=rule.duplicate_callbacks
        )
    return delivery
