"""Bill Manager: the invoice's, batch's and opt-in's limits, the payment notification as Daraja may spell
its amount, the form of numbers, dates and batches sent, and the event a payment is. Pure; the flow is in
integration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from mpesa_gateway.api import invalid_request
from mpesa_gateway.billmanager.models import (
    MAX_BULK_INVOICES,
    BulkInvoiceBody,
    BulkInvoiceRequest,
    InvoicePaymentNotice,
    InvoiceRequest,
    OptInRequest,
)
from mpesa_gateway.billmanager.service import _daraja_form, _local_number, _payment_date, _stored_form
from mpesa_gateway.daraja.formats import NAIROBI
from mpesa_gateway.events.derive import transaction_events
from mpesa_gateway.events.models import EventType
from mpesa_gateway.models import Driver, PaymentApp, TransactionStatus, TransactionType
from tests.unit.test_events import transaction

INVOICE: dict[str, Any] = {
    "external_reference": "INV-0042",
    "billed_full_name": "Jane Wanjiru",
    "billed_phone_number": "+254 712 345 678",
    "billed_period": "November 2026",
    "invoice_name": "School fees",
    "due_date": "2026-12-15",
    "account_reference": "STUDENT-7",
    "amount": 800,
    "invoice_items": [{"item_name": "Tuition", "amount": 700}, {"item_name": "Lunch", "amount": 100}],
}
NOTICE = {
    "transactionId": "RJB53MYR1N",
    "paidAmount": 5000,
    "msisdn": "254722000000",
    "dateCreated": "2021-10-01",
    "accountReference": "BC001",
    "shortCode": 456545,
}


def test_an_invoice_normalises_its_phone_and_keeps_its_items():
    invoice = InvoiceRequest.model_validate(INVOICE)

    assert (invoice.billed_phone_number, len(invoice.invoice_items)) == ("254712345678", 2)
    assert _local_number(invoice.billed_phone_number) == "0712345678"  # as Safaricom's samples send it


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"billed_period": "Nov 2026"}, "billed_period"),
        ({"billed_period": "November 26"}, "billed_period"),
        ({"external_reference": "#9932340"}, "external_reference"),
        ({"external_reference": "x" * 65}, "external_reference"),
        ({"amount": 0}, "amount"),
        ({"due_date": "15/12/2026"}, "due_date"),
        ({"account_reference": "A" * 21}, "account_reference"),
        ({"billed_phone_number": "12345"}, "billed_phone_number"),
        ({"amount": 900}, "add up"),
        ({"invoice_items": [{"item_name": "", "amount": 800}]}, "item_name"),
    ],
)
def test_a_malformed_invoice_is_refused_naming_the_problem(change: dict[str, Any], problem: str):
    with pytest.raises(ValidationError, match=problem):
        InvoiceRequest.model_validate({**INVOICE, **change})


def test_an_invoice_without_items_needs_none_to_add_up():
    assert InvoiceRequest.model_validate({**INVOICE, "amount": 900, "invoice_items": []}).amount == 900


@pytest.mark.parametrize(
    ("change", "field"),
    [({"email": "billing"}, "email"), ({"official_contact": "123"}, "official_contact"), ({"x": 1}, "x")],
)
def test_a_malformed_opt_in_is_refused_naming_the_field(change: dict[str, Any], field: str):
    body = {"email": "billing@shop.example.com", "official_contact": "0712345678", **change}

    with pytest.raises(ValidationError) as refused:
        OptInRequest.model_validate(body)

    assert refused.value.errors()[0]["loc"][0] == field


@pytest.mark.parametrize("amount", [5000, "5000", 5000.0, "5000.00"])
def test_a_notice_takes_its_amount_as_a_number_or_text(amount: Any):
    assert InvoicePaymentNotice.model_validate({**NOTICE, "paidAmount": amount}).paidAmount == 5000


@pytest.mark.parametrize("amount", [0, 10.5, "ten", "inf", "NaN", True, None])
def test_a_notice_with_no_whole_positive_amount_is_not_a_notice(amount: Any):
    with pytest.raises(ValidationError):
        InvoicePaymentNotice.model_validate({**NOTICE, "paidAmount": amount})


def test_the_payment_date_is_nairobi_and_an_unknown_form_is_none():
    assert _payment_date("2021-10-01") == datetime(2021, 10, 1, tzinfo=NAIROBI)
    assert _payment_date("2021-10-01 14:30:00") == datetime(2021, 10, 1, 14, 30, tzinfo=NAIROBI)
    assert _payment_date("01.10.2021") is None


def test_a_recorded_invoice_payment_is_one_event_and_its_conflict_another():
    paid = transaction(
        TransactionType.INVOICE_PAYMENT, status=TransactionStatus.COMPLETED, conflict="no invoice"
    )

    assert [kind for _, kind in transaction_events(None, paid)] == [
        EventType.INVOICE_PAID,
        EventType.TRANSACTION_CONFLICT,
    ]


def _batch(count: int, **changes: Any) -> list[dict[str, Any]]:
    return [{**INVOICE, "external_reference": f"INV-{index}", **changes} for index in range(count)]


def _refused_fields(body: dict[str, Any]) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as refused:
        BulkInvoiceRequest.model_validate(body)
    return invalid_request(refused.value.errors(include_url=False)).details["fields"]


def test_a_bad_entry_is_named_by_its_index_and_field():
    invoices = _batch(5)
    invoices[3] = {**invoices[3], "amount": 0}

    assert [field["field"] for field in _refused_fields({"invoices": invoices})] == ["invoices[3].amount"]


def test_a_reference_repeated_in_the_batch_names_both_places():
    invoices = [*_batch(3), {**INVOICE, "external_reference": "INV-1"}]

    assert _refused_fields({"invoices": invoices}) == [
        {"field": "invoices[3].external_reference", "problem": "repeats invoices[1].external_reference"}
    ]


@pytest.mark.parametrize("count", [0, MAX_BULK_INVOICES + 1])
def test_a_batch_holds_one_to_a_thousand_invoices(count: int):
    assert [field["field"] for field in _refused_fields({"invoices": _batch(count)})] == ["invoices"]


def test_a_full_batch_is_one_bare_array_in_safaricoms_spelling():
    batch = BulkInvoiceRequest.model_validate({"invoices": _batch(MAX_BULK_INVOICES)})
    app = PaymentApp(
        app_id="school", merchant_id="m", driver=Driver.C2B, short_code="600984", callback_secret_sha256="0"
    )
    now = datetime.now(NAIROBI)

    sent = BulkInvoiceBody([_daraja_form(_stored_form(app, invoice, now)) for invoice in batch.invoices])

    body = sent.as_json()
    assert isinstance(body, list)
    assert len(body) == MAX_BULK_INVOICES
    assert body[0] == {
        "externalReference": "INV-0",
        "billedFullName": "Jane Wanjiru",
        "billedPhoneNumber": "0712345678",
        "billedPeriod": "November 2026",
        "invoiceName": "School fees",
        "dueDate": "2026-12-15",
        "accountReference": "STUDENT-7",
        "amount": 800,
        "invoiceItems": [{"itemName": "Tuition", "amount": 700}, {"itemName": "Lunch", "amount": 100}],
    }
