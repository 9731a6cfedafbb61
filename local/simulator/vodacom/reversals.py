"""reversal: gives back all or part of a completed payment, once.

A second reversal is refused with 409 INS-10 and kept as a Failed transaction, so that a client which
reads INS-10 as "outcome unknown" learns from queryTransactionStatus that it did nothing.
"""

from __future__ import annotations

from flask import Response

from local.simulator.state import get_state
from local.simulator.vodacom.auth import require_session
from local.simulator.vodacom.codes import (
    DUPLICATE,
    INVALID_AMOUNT,
    INVALID_TRANSACTION_ID,
    SUCCESS,
    VodacomError,
    code_for_rule,
    vodacom_blueprint,
)
from local.simulator.vodacom.fields import amount, amount_field, json_fields, market_checks, text, validated
from local.simulator.vodacom.markets import Market, route
from local.simulator.vodacom.payments import conclude, take
from local.simulator.vodacom.transactions import Kind, Transaction

blueprint = vodacom_blueprint("vodacom_reversals")

REVERSAL = "reversal"
TRANSACTION_ID = text(1, 20)


@route(blueprint, REVERSAL, "PUT")
@require_session
def reversal(market: Market) -> tuple[Response, int]:
    checks = (
        amount_field("input_ReversalAmount"),
        *market_checks(market),
        ("input_TransactionID", TRANSACTION_ID, INVALID_TRANSACTION_ID),
    )
    fields = validated(json_fields(), checks)
    state = get_state()
    book = state.vodacom_transactions
    code, transaction_id = fields["input_ServiceProviderCode"], fields["input_TransactionID"]
    original = _reversible(book.find(transaction_id), market, code, transaction_id)
    value = amount(fields["input_ReversalAmount"], original.currency, state.settings)
    if value > original.amount:
        raise VodacomError(INVALID_AMOUNT)
    record = take(
        state,
        kind=Kind.REVERSAL,
        market=market.name,
        third_party_conversation_id=fields["input_ThirdPartyConversationID"],
        service_provider_code=code,
        amount=value,
        currency=original.currency,
        counterparty=transaction_id,
    )
    rule = state.rules.first_rule(code)
    result = code_for_rule(rule.result_code)
    if result == SUCCESS:
        before = book.mark_reversed(transaction_id)
        if before is None or before.reversed:  # reversed already: kept as a failed reversal
            result = DUPLICATE
    record = book.settle(record.conversation_id, result)
    return conclude(state, record, rule, success_status=200, reversed_transaction_id=transaction_id)


def _reversible(record: Transaction | None, market: Market, code: str, transaction_id: str) -> Transaction:
    """The completed payment of this market and code with that TransactionID; else 400 INS-18."""
    if (
        record is None
        or record.kind is Kind.REVERSAL
        or record.transaction_id != transaction_id
        or record.market != market.name
        or record.service_provider_code != code
    ):
        raise VodacomError(INVALID_TRANSACTION_ID)
    return record
