"""queryTransactionStatus: any transaction the simulator took, by TransactionID, ConversationID or
ThirdPartyConversationID, scoped to the asking service provider code."""

from __future__ import annotations

from flask import Response, jsonify, request

from local.simulator.state import get_state
from local.simulator.vodacom.auth import require_session
from local.simulator.vodacom.codes import INVALID_REFERENCE, SUCCESS, answer, vodacom_blueprint
from local.simulator.vodacom.fields import market_checks, text, validated
from local.simulator.vodacom.markets import Market, route
from local.simulator.vodacom.transactions import Status

blueprint = vodacom_blueprint("vodacom_status")

QUERY_TRANSACTION_STATUS = "queryTransactionStatus"
QUERY_REFERENCE = text(1, 64)
TRANSACTIONS_PATH = "/simulator/vodacom/transactions"


@blueprint.get(TRANSACTIONS_PATH)
def list_transactions() -> Response:
    """Control API: every Vodacom transaction taken (payments and reversals), oldest first."""
    return jsonify({"transactions": [record.to_json() for record in get_state().vodacom_transactions.all()]})


@blueprint.delete(TRANSACTIONS_PATH)
def clear_transactions() -> Response:
    return jsonify({"deleted": get_state().vodacom_transactions.clear()})


@route(blueprint, QUERY_TRANSACTION_STATUS, "GET")
@require_session
def query_transaction_status(market: Market) -> tuple[Response, int]:
    checks = (("input_QueryReference", QUERY_REFERENCE, INVALID_REFERENCE), *market_checks(market))
    fields = validated(request.args, checks)
    record = get_state().vodacom_transactions.find(fields["input_QueryReference"])
    if record is not None and (
        record.market != market.name or record.service_provider_code != fields["input_ServiceProviderCode"]
    ):
        record = None  # another organisation's transaction is none of the asker's business
    return answer(
        SUCCESS,
        ResponseTransactionStatus=(Status.UNKNOWN if record is None else record.status).value,
        ConversationID="" if record is None else record.conversation_id,
        OriginalTransactionID="" if record is None else record.reported_transaction_id,
        ThirdPartyConversationID=fields["input_ThirdPartyConversationID"],
    )
