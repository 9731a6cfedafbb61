"""The invoice store on moto and DynamoDB Local: one invoice per reference, found by its account
reference, and status changes that hold only from the status they leave."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from mpesa_gateway.billmanager.models import Invoice, InvoiceStatus
from mpesa_gateway.store.invoices import DynamoInvoiceStore
from tests.integration.dynamodb_backends import BACKENDS, gateway_tables

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoInvoiceStore]:
    with gateway_tables(request, monkeypatch):
        yield DynamoInvoiceStore("mpesa-gateway-transactions")


def invoice(reference: str, minutes: int = 0) -> Invoice:
    return Invoice(
        app_id="demo-c2b",
        external_reference=reference,
        billed_full_name="Jane Wanjiru",
        billed_phone_number="254712345678",
        billed_period="November 2026",
        invoice_name="School fees",
        due_date=date(2026, 12, 15),
        account_reference="STUDENT-7",
        amount=800,
        invoice_items=[],
        created_at=NOW + timedelta(minutes=minutes),
        updated_at=NOW,
    )


def test_an_invoice_lives_by_its_reference_and_moves_only_from_the_status_it_leaves(
    store: DynamoInvoiceStore,
):
    assert store.create(invoice("INV-2", minutes=1))
    assert store.create(invoice("INV-1"))
    assert not store.create(invoice("INV-1"))  # one invoice per reference

    assert [found.external_reference for found in store.for_account("demo-c2b", "student-7")] == [
        "INV-1",
        "INV-2",
    ]
    paid = store.move("demo-c2b", "INV-1", InvoiceStatus.SENT, InvoiceStatus.PAID, "txn_bill_R1")
    assert paid is not None
    assert (paid.status, paid.paid_by) == (InvoiceStatus.PAID, "txn_bill_R1")
    assert store.move("demo-c2b", "INV-1", InvoiceStatus.SENT, InvoiceStatus.CANCELLED) is None
    store.remove_unsent("demo-c2b", "INV-1")  # paid: it stays
    store.note_error("demo-c2b", "INV-2", "answer lost")
    store.remove_unsent("demo-c2b", "INV-2")  # sent, unpaid: it goes

    assert store.get("demo-c2b", "INV-1") == paid
    assert store.get("demo-c2b", "INV-2") is None
    assert store.for_account("demo-c2b", "OTHER") == []
