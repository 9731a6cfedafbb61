"""B2Pochi and Tax Remittance, with the Pochi balances and paid PRNs they keep (B2C Account Top Up is
the B2B payment request, served in payouts.py)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify

from local.simulator.balances import WORKING
from local.simulator.oauth import require_access_token
from local.simulator.payouts import B2C_MIN_AMOUNT, pay_business, pay_customer
from local.simulator.results import (
    CREDENTIAL,
    NAME,
    OCCASION,
    ORIGINATOR_ID,
    PRN_ALREADY_PAID,
    REMARKS,
    SHORT_CODE,
    SUCCESS,
    identifier_type,
    initiator_is_valid,
    item,
    open_conversation,
    process,
    queue_timeout_reference,
    result_body,
)
from local.simulator.state import get_state
from local.simulator.validation import (
    FieldChecks,
    as_text,
    is_http_url,
    is_msisdn,
    is_whole_amount,
    json_object_body,
    one_of,
    validate_fields,
    validate_optional_fields,
    whole_amount,
)

blueprint = Blueprint("daraja_pochi_tax", __name__)

# --- B2Pochi -------------------------------------------------------------------------------------

B2POCHI = "/mpesa/b2pochi/v1/paymentrequest"
POCHI_REASON = "Business Pay to Pochi"


def is_pochi_amount(value: Any) -> bool:
    # B2Pochi is B2C into a customer's second wallet: B2C's minimum is assumed to hold.
    amount = whole_amount(value)
    return amount is not None and amount >= B2C_MIN_AMOUNT


POCHI_CHECKS: FieldChecks = (
    ("OriginatorConversationID", ORIGINATOR_ID),
    ("InitiatorName", NAME),
    ("SecurityCredential", CREDENTIAL),
    ("CommandID", one_of("BusinessPayToPochi")),
    ("Amount", is_pochi_amount),
    ("PartyA", SHORT_CODE),
    ("PartyB", is_msisdn),
    ("Remarks", REMARKS),
    ("QueueTimeOutURL", is_http_url),
    ("ResultURL", is_http_url),
)
POCHI_OPTIONAL_CHECKS: FieldChecks = (("Occasion", OCCASION),)  # spelt right here, unlike B2C's


@blueprint.post(B2POCHI)
@require_access_token
def b2pochi_payment() -> Response:
    body = json_object_body()
    validate_fields(body, POCHI_CHECKS)
    validate_optional_fields(body, POCHI_OPTIONAL_CHECKS)
    state = get_state()
    conversation = open_conversation(state, body, body["OriginatorConversationID"])
    party_a, party_b = as_text(body["PartyA"]) or "", as_text(body["PartyB"]) or ""
    amount = whole_amount(body["Amount"]) or 0
    reference = queue_timeout_reference(conversation)

    def settle() -> dict[str, Any]:
        result = pay_customer(
            state, conversation, party_a=party_a, party_b=party_b, amount=amount,
            reason_type=POCHI_REASON, reference=reference,
        )  # fmt: skip
        if result["Result"]["ResultCode"] == SUCCESS:
            state.pochi_balances.update(party_b, lambda balance: (balance or 0) + amount)
        return result

    return process(
        state,
        conversation,
        state.rules.first_rule(party_b, party_a),  # the customer's rule, else the paying short code's
        initiator_ok=initiator_is_valid(state, body, "InitiatorName"),
        reference=reference,
        settle=settle,
    )


# --- Tax Remittance ------------------------------------------------------------------------------

REMIT_TAX = "/mpesa/b2b/v1/remittax"
KRA_SHORT_CODE = "572572"
TAX_REASON = "Pay Tax to KRA"
# The documented samples are "353353" and "PRN1234XN": letters and digits.
_PRN = re.compile(r"[A-Za-z0-9]{6,20}")


def is_prn(value: Any) -> bool:
    return isinstance(value, str) and _PRN.fullmatch(value) is not None


TAX_CHECKS: FieldChecks = (
    ("Initiator", NAME),
    ("SecurityCredential", CREDENTIAL),
    ("CommandID", one_of("PayTaxToKRA")),
    ("SenderIdentifierType", identifier_type("4")),
    ("RecieverIdentifierType", identifier_type("4")),  # Safaricom's spelling
    ("Amount", is_whole_amount),
    ("PartyA", SHORT_CODE),
    ("PartyB", lambda value: as_text(value) == KRA_SHORT_CODE),  # KRA is the only payee
    ("AccountReference", is_prn),
    ("Remarks", REMARKS),
    ("QueueTimeOutURL", is_http_url),
    ("ResultURL", is_http_url),
)
TAX_OPTIONAL_CHECKS: FieldChecks = (("OriginatorConversationID", ORIGINATOR_ID),)


@blueprint.post(REMIT_TAX)
@require_access_token
def remit_tax() -> Response:
    body = json_object_body()
    validate_fields(body, TAX_CHECKS)
    validate_optional_fields(body, TAX_OPTIONAL_CHECKS)
    state = get_state()
    conversation = open_conversation(state, body, body.get("OriginatorConversationID"))
    party_a, prn = as_text(body["PartyA"]) or "", body["AccountReference"].upper()
    amount = whole_amount(body["Amount"]) or 0
    reference = [item("PRN", prn), item("QueueTimeoutURL", conversation.timeout_url)]

    def settle() -> dict[str, Any]:
        if state.paid_prns.get(prn) is not None:  # KRA takes one payment per PRN
            return result_body(conversation, PRN_ALREADY_PAID, reference=reference)
        result = pay_business(
            state, conversation, party_a=party_a, party_b=KRA_SHORT_CODE, amount=amount,
            reason_type=TAX_REASON, credited_account=WORKING, reference=reference,
        )  # fmt: skip
        if result["Result"]["ResultCode"] == SUCCESS:
            state.paid_prns.add(prn, result["Result"]["TransactionID"])
        return result

    return process(
        state,
        conversation,
        state.rules.first_rule(party_a),
        initiator_ok=initiator_is_valid(state, body, "Initiator"),
        reference=reference,
        settle=settle,
    )


# --- control -------------------------------------------------------------------------------------


@blueprint.get("/simulator/pochi")
def list_pochi_balances() -> Response:
    """Each customer's Pochi la Biashara balance, in whole shillings, as B2Pochi payments left it."""
    return jsonify({"balances": get_state().pochi_balances.as_dict()})


@blueprint.get("/simulator/prns")
def list_paid_prns() -> Response:
    """Every PRN paid to KRA, with the receipt that paid it."""
    return jsonify({"paid": get_state().paid_prns.as_dict()})
