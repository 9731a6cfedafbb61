"""Money-moving Vodacom endpoints: C2B single stage (a USSD push the call waits on), B2C and B2B.

Each answers when the transaction is final: 201 with INS-0, or the customer's or rule's INS- code
(e.g. 401 INS-5 declined, 408 INS-9 timed out, 422 INS-2006 insufficient balance). A reused
input_ThirdPartyConversationID is refused with 409 INS-10 before anything happens.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Response

from local.simulator.logs import note_outcome
from local.simulator.rules import Rule, is_short_code
from local.simulator.state import SimulatorState, get_state
from local.simulator.vodacom.async_results import send_result
from local.simulator.vodacom.auth import require_session
from local.simulator.vodacom.codes import (
    DUPLICATE,
    INVALID_REFERENCE_LENGTH,
    INVALID_SHORTCODE,
    RECEIVER_INVALID,
    SUCCESS,
    VALIDATION_FAILED,
    VodacomError,
    answer,
    code_for_rule,
    vodacom_blueprint,
)
from local.simulator.vodacom.fields import (
    DESCRIPTION,
    TRANSACTION_REFERENCE,
    FieldChecks,
    amount,
    amount_field,
    currency_check,
    json_fields,
    market_checks,
    msisdn_check,
    validated,
)
from local.simulator.vodacom.markets import Market, route
from local.simulator.vodacom.transactions import Kind, Transaction

blueprint = vodacom_blueprint("vodacom_payments")

C2B = "c2bPayment/singleStage"
B2C = "b2cPayment"
B2B = "b2bPayment"


def _customer_checks(market: Market, description_field: str) -> FieldChecks:
    return (
        amount_field("input_Amount"),
        *market_checks(market),
        currency_check(market),
        msisdn_check(market),
        ("input_TransactionReference", TRANSACTION_REFERENCE, INVALID_REFERENCE_LENGTH),
        (description_field, DESCRIPTION, VALIDATION_FAILED),
    )


@route(blueprint, C2B, "POST")
@require_session
def c2b_single_stage(market: Market) -> tuple[Response, int]:
    fields = validated(json_fields(), _customer_checks(market, "input_PurchasedItemsDesc"))
    msisdn = fields["input_CustomerMSISDN"]
    rule = get_state().rules.for_msisdn(msisdn)
    # The provider holds the call open while the USSD prompt waits for the customer.
    code = fields["input_ServiceProviderCode"]
    return _pay(market, Kind.C2B, fields, rule, parties=(code, msisdn), wait_ms=rule.callback_delay_ms)


@route(blueprint, B2C, "POST")
@require_session
def b2c_payment(market: Market) -> tuple[Response, int]:
    fields = validated(json_fields(), _customer_checks(market, "input_PaymentItemsDesc"))
    code, msisdn = fields["input_ServiceProviderCode"], fields["input_CustomerMSISDN"]
    rule = get_state().rules.first_rule(msisdn, code)  # the recipient's rule, else the paying code's
    return _pay(market, Kind.B2C, fields, rule, parties=(code, msisdn), wait_ms=0)


def _b2b_checks(market: Market) -> FieldChecks:
    country, _, third_party = market_checks(market)
    return (
        amount_field("input_Amount"),
        country,
        currency_check(market),
        ("input_PrimaryPartyCode", is_short_code, INVALID_SHORTCODE),
        ("input_ReceiverPartyCode", is_short_code, RECEIVER_INVALID),
        third_party,
        ("input_TransactionReference", TRANSACTION_REFERENCE, INVALID_REFERENCE_LENGTH),
        ("input_PurchasedItemsDesc", DESCRIPTION, VALIDATION_FAILED),
    )


@route(blueprint, B2B, "POST")
@require_session
def b2b_payment(market: Market) -> tuple[Response, int]:
    fields = validated(json_fields(), _b2b_checks(market))
    primary, receiver = fields["input_PrimaryPartyCode"], fields["input_ReceiverPartyCode"]
    rule = get_state().rules.first_rule(receiver, primary)
    return _pay(market, Kind.B2B, fields, rule, parties=(primary, receiver), wait_ms=0)


def _pay(
    market: Market,
    kind: Kind,
    fields: dict[str, str],
    rule: Rule,
    *,
    parties: tuple[str, str],
    wait_ms: int,
) -> tuple[Response, int]:
    """Takes the transaction; `parties` is (the organisation's code, the customer or receiver)."""
    state = get_state()
    service_provider_code, counterparty = parties
    record = take(
        state,
        kind=kind,
        market=market.name,
        third_party_conversation_id=fields["input_ThirdPartyConversationID"],
        service_provider_code=service_provider_code,
        amount=amount(fields["input_Amount"], fields["input_Currency"], state.settings),
        currency=fields["input_Currency"],
        counterparty=counterparty,
    )
    time.sleep(wait_ms / 1000)
    record = state.vodacom_transactions.settle(record.conversation_id, code_for_rule(rule.result_code))
    return conclude(state, record, rule, success_status=201)


def take(state: SimulatorState, **fields: Any) -> Transaction:
    """Records a new pending transaction, unless its ThirdPartyConversationID was used (409 INS-10)."""
    record = state.vodacom_transactions.open(**fields)
    if record is None:
        raise VodacomError(DUPLICATE, ThirdPartyConversationID=fields["third_party_conversation_id"])
    return record


def conclude(
    state: SimulatorState, record: Transaction, rule: Rule, *, success_status: int, **noted: str
) -> tuple[Response, int]:
    """Logs a settled transaction, sends its asynchronous result, and answers it after the rule's
    response delay: INS-0 with `success_status`, else its INS- code."""
    note_outcome(
        conversation_id=record.conversation_id,
        third_party_conversation_id=record.third_party_conversation_id,
        transaction_id=record.reported_transaction_id,
        result_code=record.code,
        callback=send_result(state, record, rule),
        **noted,
    )
    # Done either way, so a client that times out here must reconcile by queryTransactionStatus.
    time.sleep(rule.response_delay_ms / 1000)
    outputs = {
        "TransactionID": record.reported_transaction_id,
        "ConversationID": record.conversation_id,
        "ThirdPartyConversationID": record.third_party_conversation_id,
    }
    if record.code != SUCCESS:
        raise VodacomError(record.code, **outputs)
    return answer(SUCCESS, success_status, **outputs)
