"""Money-moving account APIs: B2C (v1 and v3), B2B (B2C Account Top Up among its commands) and reversal."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from local.simulator.balances import UTILITY, WORKING, account_line, format_cents
from local.simulator.clock import daraja_timestamp, nairobi_now
from local.simulator.errors import invalid_field
from local.simulator.ids import new_receipt_number
from local.simulator.oauth import require_access_token
from local.simulator.receipts import Receipt, business_public_name, customer_public_name
from local.simulator.results import (
    ALREADY_REVERSED,
    CREDENTIAL,
    INSUFFICIENT_FUNDS,
    INVALID_TRANSACTION_ID,
    NAME,
    OCCASION,
    ORIGINATOR_ID,
    REMARKS,
    SHORT_CODE,
    SUCCESS,
    Conversation,
    Parameters,
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
    is_whole_amount,
    json_object_body,
    one_of,
    text_length,
    validate_fields,
    validate_optional_fields,
    whole_amount,
)

blueprint = Blueprint("daraja_payouts", __name__)

# --- B2C -----------------------------------------------------------------------------------------

B2C_V1 = "/mpesa/b2c/v1/paymentrequest"
B2C_V3 = "/mpesa/b2c/v3/paymentrequest"
B2C_MIN_AMOUNT = 10
# CommandID -> the ReasonType a status query reports.
B2C_REASONS = {
    "BusinessPayment": "Business Payment to Individual via API",
    "SalaryPayment": "Salary Payment via API",
    "PromotionPayment": "Promotion Payment via API",
}


def is_b2c_amount(value: Any) -> bool:
    amount = whole_amount(value)
    return amount is not None and amount >= B2C_MIN_AMOUNT


B2C_CHECKS: FieldChecks = (
    ("InitiatorName", NAME),
    ("SecurityCredential", CREDENTIAL),
    ("CommandID", one_of(*B2C_REASONS)),
    ("Amount", is_b2c_amount),
    ("PartyA", SHORT_CODE),
    ("PartyB", is_msisdn),
    ("Remarks", REMARKS),
    ("QueueTimeOutURL", is_http_url),
    ("ResultURL", is_http_url),
)
B2C_OPTIONAL_CHECKS: FieldChecks = (("Occassion", OCCASION),)  # Safaricom's spelling


@blueprint.post(B2C_V1, defaults={"version": "v1"})
@blueprint.post(B2C_V3, defaults={"version": "v3"})
@require_access_token
def b2c_payment(version: str) -> Response:
    body = json_object_body()
    # v3 requires the caller's OriginatorConversationID, unique across requests; v1 has none.
    is_v3 = version == "v3"
    validate_fields(body, (("OriginatorConversationID", ORIGINATOR_ID), *B2C_CHECKS) if is_v3 else B2C_CHECKS)
    validate_optional_fields(body, B2C_OPTIONAL_CHECKS)
    state = get_state()
    conversation = open_conversation(state, body, body["OriginatorConversationID"] if is_v3 else None)
    party_a, party_b = as_text(body["PartyA"]) or "", as_text(body["PartyB"]) or ""
    amount = whole_amount(body["Amount"]) or 0
    reference = queue_timeout_reference(conversation)

    def settle() -> dict[str, Any]:
        return pay_customer(
            state, conversation, party_a=party_a, party_b=party_b, amount=amount,
            reason_type=B2C_REASONS[body["CommandID"]], reference=reference,
        )  # fmt: skip

    return process(
        state,
        conversation,
        state.rules.first_rule(party_b, party_a),  # the recipient's rule, else the paying short code's
        initiator_ok=initiator_is_valid(state, body, "InitiatorName"),
        reference=reference,
        settle=settle,
    )


def pay_customer(
    state: SimulatorState,
    conversation: Conversation,
    *,
    party_a: str,
    party_b: str,
    amount: int,
    reason_type: str,
    reference: Parameters,
) -> dict[str, Any]:
    """A short code pays a customer out of its utility account (B2C, B2Pochi): the Result."""
    balances = state.org_accounts.debit(party_a, UTILITY, amount)
    if balances is None:
        return result_body(conversation, INSUFFICIENT_FUNDS, reference=reference)
    now = nairobi_now()
    receipt = state.receipts.issue(
        lambda number: Receipt(
            number=number,
            reason_type=reason_type,
            amount=amount,
            debit_party=business_public_name(party_a),
            credit_party=customer_public_name(party_b),
            debit_account_type="Utility Account",
            short_code=party_a,
            completed_at=now,
            conversation_id=conversation.conversation_id,
            originator_conversation_id=conversation.originator_conversation_id,
            payout_account=UTILITY,
        )
    )
    parameters = [
        item("TransactionAmount", amount),
        item("TransactionReceipt", receipt.number),
        item("ReceiverPartyPublicName", receipt.credit_party),
        item("TransactionCompletedDateTime", f"{now:%d.%m.%Y %H:%M:%S}"),
        item("B2CUtilityAccountAvailableFunds", balances[UTILITY] / 100),
        item("B2CWorkingAccountAvailableFunds", balances[WORKING] / 100),
        item("B2CRecipientIsRegisteredCustomer", "Y"),
        item("B2CChargesPaidAccountAvailableFunds", 0.0),  # the simulator charges nothing
    ]
    return result_body(
        conversation, SUCCESS, transaction_id=receipt.number, parameters=parameters, reference=reference
    )


# --- B2B -----------------------------------------------------------------------------------------

B2B = "/mpesa/b2b/v1/paymentrequest"
PAY_BILL = "BusinessPayBill"
TOP_UP = "BusinessPayToBulk"  # B2C Account Top Up: into PartyB's utility account, for disbursement
B2B_REASONS = {
    PAY_BILL: "Business Pay Bill",
    "BusinessBuyGoods": "Business Buy Goods",
    "MerchantToMerchantTransfer": "Merchant to Merchant Transfer",
    TOP_UP: "Business Pay to Bulk",
}
# The receiver's account each command credits; the others credit its working account.
CREDITED_ACCOUNTS = {TOP_UP: UTILITY}
ACCOUNT_REFERENCE_MAX_LENGTH = 13

B2B_CHECKS: FieldChecks = (
    ("Initiator", NAME),
    ("SecurityCredential", CREDENTIAL),
    ("CommandID", one_of(*B2B_REASONS)),
    ("SenderIdentifierType", identifier_type("4")),
    ("RecieverIdentifierType", identifier_type("2", "4")),  # Safaricom's spelling; 2 is a till
    ("Amount", is_whole_amount),
    ("PartyA", SHORT_CODE),
    ("PartyB", SHORT_CODE),
)
B2B_TAIL_CHECKS: FieldChecks = (
    ("Remarks", REMARKS),
    ("QueueTimeOutURL", is_http_url),
    ("ResultURL", is_http_url),
)
B2B_OPTIONAL_CHECKS: FieldChecks = (
    ("Requester", is_msisdn),
    ("Occasion", OCCASION),
    ("OriginatorConversationID", ORIGINATOR_ID),
)


def _account_reference(body: dict[str, Any]) -> str:
    """AccountReference: required (1-13 characters) for a pay bill, optional (at most 13) otherwise."""
    value = body.get("AccountReference")
    if value is None and body["CommandID"] != PAY_BILL:
        return ""
    text = as_text(value)
    minimum = 1 if body["CommandID"] == PAY_BILL else 0
    if text is None or not minimum <= len(text.strip()) <= len(text) <= ACCOUNT_REFERENCE_MAX_LENGTH:
        raise invalid_field("AccountReference")
    return text


def initiator_account_balance(cents: int) -> str:
    # Daraja's Java-ish rendering of a balance in some B2B results; a parser must not choke on it.
    return f"{{Amount={{CurrencyCode=KES, MinimumAmount={cents}, BasicAmount={format_cents(cents)}}}}}"


@blueprint.post(B2B)
@require_access_token
def b2b_payment() -> Response:
    body = json_object_body()
    validate_fields(body, B2B_CHECKS)
    if body["CommandID"] == TOP_UP and as_text(body["RecieverIdentifierType"]) != "4":
        raise invalid_field("RecieverIdentifierType")  # a top-up pays a B2C short code, never a till
    account_reference = _account_reference(body)
    validate_fields(body, B2B_TAIL_CHECKS)
    validate_optional_fields(body, B2B_OPTIONAL_CHECKS)
    state = get_state()
    conversation = open_conversation(state, body, body.get("OriginatorConversationID"))
    party_a, party_b = as_text(body["PartyA"]) or "", as_text(body["PartyB"]) or ""
    amount = whole_amount(body["Amount"]) or 0
    # Several reference items: a list this time.
    reference = [
        item("BillReferenceNumber", account_reference),
        item("QueueTimeoutURL", conversation.timeout_url),
    ]

    def settle() -> dict[str, Any]:
        return pay_business(
            state, conversation, party_a=party_a, party_b=party_b, amount=amount,
            reason_type=B2B_REASONS[body["CommandID"]],
            credited_account=CREDITED_ACCOUNTS.get(body["CommandID"], WORKING), reference=reference,
        )  # fmt: skip

    return process(
        state,
        conversation,
        state.rules.first_rule(party_b, party_a),
        initiator_ok=initiator_is_valid(state, body, "Initiator"),
        reference=reference,
        settle=settle,
    )


def pay_business(
    state: SimulatorState,
    conversation: Conversation,
    *,
    party_a: str,
    party_b: str,
    amount: int,
    reason_type: str,
    credited_account: str,
    reference: Parameters,
) -> dict[str, Any]:
    """A short code pays another out of its working account (B2B, top-up, tax): the Result."""
    balances = state.org_accounts.debit(party_a, WORKING, amount)
    if balances is None:
        return result_body(conversation, INSUFFICIENT_FUNDS, reference=reference)
    state.org_accounts.credit(party_b, credited_account, amount)
    now = nairobi_now()
    receipt = state.receipts.issue(
        lambda number: Receipt(
            number=number,
            reason_type=reason_type,
            amount=amount,
            debit_party=business_public_name(party_a),
            credit_party=business_public_name(party_b),
            debit_account_type="Working Account",
            short_code=party_a,
            completed_at=now,
            conversation_id=conversation.conversation_id,
            originator_conversation_id=conversation.originator_conversation_id,
            payout_account=WORKING,
        )
    )
    working = balances[WORKING]
    parameters = [
        item("DebitAccountBalance", account_line(WORKING, working)),
        item("Amount", float(amount)),
        item("DebitPartyAffectedAccountBalance", account_line(WORKING, working)),
        item("TransCompletedTime", int(daraja_timestamp(now))),
        item("DebitPartyCharges", ""),
        item("ReceiverPartyPublicName", receipt.credit_party),
        item("Currency", "KES"),
        item("InitiatorAccountCurrentBalance", initiator_account_balance(working)),
    ]
    return result_body(
        conversation, SUCCESS, transaction_id=receipt.number, parameters=parameters, reference=reference
    )


# --- reversal ------------------------------------------------------------------------------------

REVERSAL = "/mpesa/reversal/v1/request"

REVERSAL_CHECKS: FieldChecks = (
    ("Initiator", NAME),
    ("SecurityCredential", CREDENTIAL),
    ("CommandID", one_of("TransactionReversal")),
    ("TransactionID", text_length(1, 64)),
    ("Amount", is_whole_amount),
    ("ReceiverParty", SHORT_CODE),
    ("RecieverIdentifierType", identifier_type("11", "4")),  # Safaricom's spelling
    ("ResultURL", is_http_url),
    ("QueueTimeOutURL", is_http_url),
    ("Remarks", REMARKS),
)
REVERSAL_OPTIONAL_CHECKS: FieldChecks = (
    ("Occasion", OCCASION),
    ("OriginatorConversationID", ORIGINATOR_ID),
)


@blueprint.post(REVERSAL)
@require_access_token
def reversal() -> Response:
    body = json_object_body()
    validate_fields(body, REVERSAL_CHECKS)
    validate_optional_fields(body, REVERSAL_OPTIONAL_CHECKS)
    state = get_state()
    conversation = open_conversation(state, body, body.get("OriginatorConversationID"))
    receiver_party = as_text(body["ReceiverParty"]) or ""
    return process(
        state,
        conversation,
        state.rules.first_rule(receiver_party),
        initiator_ok=initiator_is_valid(state, body, "Initiator"),
        reference=queue_timeout_reference(conversation),
        settle=lambda: _reverse(state, conversation, body["TransactionID"]),
    )


def _reverse(state: SimulatorState, conversation: Conversation, transaction_id: str) -> dict[str, Any]:
    reference = queue_timeout_reference(conversation)
    original = state.receipts.reverse(transaction_id)
    if original is None:
        return result_body(conversation, INVALID_TRANSACTION_ID, reference=reference)
    if original.reversed:
        return result_body(conversation, ALREADY_REVERSED, reference=reference)
    if original.payout_account is not None:  # a payout's money goes back where it came from
        state.org_accounts.credit(original.short_code, original.payout_account, original.amount)
    # ResultParameter holds a single object here, not a list, as Daraja sometimes sends it.
    return result_body(
        conversation,
        SUCCESS,
        transaction_id=new_receipt_number(),
        parameters=item("OriginalTransactionID", original.number),
        reference=reference,
    )
