"""B2Pochi, B2C account top-up and tax remittance without AWS: the bodies merchants send, the Daraja
payloads built from them, which API each goes to, and the events and reversals their types allow."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from mpesa_gateway.account.service import AccountService
from mpesa_gateway.daraja.payloads import B2CTopUpBody, B2PochiPaymentBody, ResultUrls, TaxRemittanceBody
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.events.derive import transaction_events
from mpesa_gateway.events.models import EventType
from mpesa_gateway.models import Driver, PaymentApp, Transaction, TransactionStatus, TransactionType
from mpesa_gateway.payouts.models import B2CRequest, B2CTopUpRequest, TaxRemittanceRequest
from mpesa_gateway.payouts.service import B2POCHI_PATH, TAX_PATH, TOP_UP_PATH, PayoutService
from mpesa_gateway.tracked import BodyBuilder

URLS: ResultUrls = {"ResultURL": "https://gw/result", "QueueTimeOutURL": "https://gw/timeout"}
B2B_APP = PaymentApp(
    app_id="demo-b2b", merchant_id="demo", driver=Driver.B2B, short_code="600992", callback_secret_sha256="x"
)
B2C_APP = B2B_APP.model_copy(update={"app_id": "demo-b2c", "driver": Driver.B2C, "short_code": "600997"})
NEW_PAYOUTS = (TransactionType.B2POCHI, TransactionType.B2C_TOPUP, TransactionType.TAX_REMITTANCE)


class RecordingTracked:
    """Stands in for TrackedRequests: keeps what would be sent instead of storing and sending it."""

    def __init__(self) -> None:
        self.started: list[dict[str, Any]] = []

    def initiator(self, app: PaymentApp) -> tuple[str, str]:
        return "testapi", "c2VjcmV0"

    def start(self, app: PaymentApp, *, body: BodyBuilder, **recorded: Any) -> None:
        self.started.append({**recorded, "sent": body("txn_1", URLS).as_json()})

    def sent(self, call: Any) -> dict[str, Any]:
        call()
        return self.started[-1]


@pytest.fixture
def tracked() -> RecordingTracked:
    return RecordingTracked()


def test_send_money_with_business_pay_to_pochi_goes_to_b2pochi_with_occasion_spelt_right(tracked):
    request = B2CRequest(
        phone_number="0712345678", amount=500, command_id="BusinessPayToPochi", occasion="Eid"
    )

    started = tracked.sent(lambda: PayoutService(tracked).send_money(B2C_APP, request, "https://gw"))

    assert (started["kind"], started["path"]) == (TransactionType.B2POCHI, B2POCHI_PATH)
    assert started["sent"] == {
        "SecurityCredential": "c2VjcmV0",
        **URLS,
        "OriginatorConversationID": "txn_1",
        "InitiatorName": "testapi",
        "CommandID": "BusinessPayToPochi",
        "Amount": 500,
        "PartyA": "600997",
        "PartyB": "254712345678",
        "Remarks": "Payment",
        "Occasion": "Eid",
    }


def test_a_top_up_is_business_pay_to_bulk_on_the_b2b_path_with_the_requester_only_when_given(tracked):
    service = PayoutService(tracked)
    plain = B2CTopUpRequest(b2c_short_code="600997", amount=20000, reference="FLOAT-1")

    started = tracked.sent(lambda: service.top_up_b2c_account(B2B_APP, plain, "https://gw"))
    on_behalf = tracked.sent(
        lambda: service.top_up_b2c_account(
            B2B_APP, plain.model_copy(update={"requester": "254708374149"}), "x"
        )
    )

    assert (started["kind"], started["path"]) == (TransactionType.B2C_TOPUP, TOP_UP_PATH)
    assert started["sent"] == {
        "SecurityCredential": "c2VjcmV0",
        **URLS,
        "OriginatorConversationID": "txn_1",
        "Initiator": "testapi",
        "SenderIdentifierType": "4",
        "RecieverIdentifierType": "4",
        "Amount": 20000,
        "PartyA": "600992",
        "PartyB": "600997",
        "AccountReference": "FLOAT-1",
        "Remarks": "B2C account top up",
        "CommandID": "BusinessPayToBulk",
    }
    assert on_behalf["sent"]["Requester"] == "254708374149"


def test_a_top_up_of_the_paying_short_code_itself_is_refused_before_anything_is_stored(tracked):
    request = B2CTopUpRequest(b2c_short_code="600992", amount=100)

    with pytest.raises(InvalidRequest, match="b2c_short_code"):
        PayoutService(tracked).top_up_b2c_account(B2B_APP, request, "https://gw")

    assert tracked.started == []


def test_a_tax_remittance_pays_kra_572572_with_the_prn_as_account_reference(tracked):
    request = TaxRemittanceRequest(prn="prn1234xn", amount=12500)

    started = tracked.sent(lambda: PayoutService(tracked).remit_tax(B2B_APP, request, "https://gw"))

    assert (started["kind"], started["path"], started["reference"]) == (
        TransactionType.TAX_REMITTANCE,
        TAX_PATH,
        "PRN1234XN",
    )
    sent = started["sent"]
    assert (sent["CommandID"], sent["PartyA"], sent["PartyB"], sent["AccountReference"]) == (
        "PayTaxToKRA",
        "600992",
        "572572",
        "PRN1234XN",
    )
    assert (sent["SenderIdentifierType"], sent["RecieverIdentifierType"]) == ("4", "4")


@pytest.mark.parametrize("prn", ["353353", "PRN1234XN", " 2026031234567890 ", "prn1234xn"])
def test_a_prn_of_letters_and_digits_is_taken_upper_cased(prn: str):
    assert TaxRemittanceRequest(prn=prn, amount=1).prn == prn.strip().upper()


@pytest.mark.parametrize("prn", ["", "12345", "PRN-1234", "PRN 1234", "A" * 21, "PRN1234X\u00e9"])
def test_anything_else_is_not_a_prn(prn: str):
    with pytest.raises(ValidationError, match="payment registration number"):
        TaxRemittanceRequest(prn=prn, amount=1)


@pytest.mark.parametrize(
    "body",
    [
        {"b2c_short_code": "12", "amount": 1},
        {"b2c_short_code": "600997", "amount": 0},
        {"b2c_short_code": "600997", "amount": 1, "reference": "R" * 14},  # Daraja's 13 at most
        {"b2c_short_code": "600997", "amount": 1, "requester": "12345"},
        {"b2c_short_code": "600997", "amount": 1, "tip": 1},
    ],
)
def test_top_up_bodies_out_of_bounds_are_refused(body: dict[str, Any]):
    with pytest.raises(ValidationError):
        B2CTopUpRequest.model_validate(body)


def test_a_top_up_body_without_requester_sends_no_null():
    body = B2CTopUpBody(
        OriginatorConversationID="txn_1", Initiator="a", SecurityCredential="c", Amount=1, PartyA="600992",
        PartyB="600997", AccountReference="", Remarks="r", **URLS,
    )  # fmt: skip

    assert "Requester" not in body.as_json()
    assert TaxRemittanceBody.KRA_PARTY == "572572"
    assert B2PochiPaymentBody.model_fields["CommandID"].default == "BusinessPayToPochi"


def settled(kind: TransactionType, status: TransactionStatus) -> tuple[Transaction, Transaction]:
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    pending = Transaction(
        transaction_id="txn_1", app_id="demo-b2b", merchant_id="demo", type=kind, amount=10,
        phone_number="600997", reference="", description="", created_at=now, updated_at=now,
    )  # fmt: skip
    return pending, pending.model_copy(update={"status": status})


@pytest.mark.parametrize("kind", NEW_PAYOUTS)
@pytest.mark.parametrize(
    ("status", "event"),
    [
        (TransactionStatus.COMPLETED, EventType.PAYOUT_COMPLETED),
        (TransactionStatus.FAILED, EventType.PAYOUT_FAILED),
    ],
)
def test_the_new_payouts_settle_into_payout_events(kind, status, event):
    assert [found for _, found in transaction_events(*settled(kind, status))] == [event]


class OneTransactionLedger:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    def find(self, app_id: str, reference: str) -> Transaction:
        return self._transaction


def test_a_completed_tax_remittance_is_not_reversed_and_nothing_is_claimed(tracked):
    _, paid = settled(TransactionType.TAX_REMITTANCE, TransactionStatus.COMPLETED)
    paid = paid.model_copy(update={"receipt_number": "QKA1234567"})
    service = AccountService(tracked, OneTransactionLedger(paid), transactions=None)  # type: ignore[arg-type]

    with pytest.raises(InvalidRequest, match="tax remittance"):
        service.reverse(B2B_APP, "txn_1", request=None, base_url="https://gw")  # type: ignore[arg-type]

    assert tracked.started == []
