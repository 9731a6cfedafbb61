"""Bill Manager invoices, in the transactions table beside the payments made against them.

INVOICE#<app>#<external reference> holds one invoice; the by_app index files it under its account
reference too (INVOICEACCOUNT#<app>#<account>), which is all a payment notification names. Every status
change is conditional on the status it leaves, so a payment and a cancellation cannot both win.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from boto3.dynamodb.conditions import Attr, Key

from mpesa_gateway.billmanager.models import Invoice, InvoiceStatus
from mpesa_gateway.store.dynamo import (
    conditionally,
    from_item,
    query_all,
    storage_errors,
    table,
    to_item,
    with_retries,
)

BY_ACCOUNT_INDEX = "by_app"


class InvoiceStore(Protocol):
    def create(self, invoice: Invoice) -> bool: ...
    def get(self, app_id: str, reference: str) -> Invoice | None: ...
    def for_account(self, app_id: str, account_reference: str) -> list[Invoice]: ...
    def move(
        self,
        app_id: str,
        reference: str,
        leaving: InvoiceStatus,
        to: InvoiceStatus,
        paid_by: str | None = None,
    ) -> Invoice | None: ...
    def remove_unsent(self, app_id: str, reference: str) -> None: ...
    def note_error(self, app_id: str, reference: str, error: str) -> None: ...


def _key(app_id: str, reference: str) -> dict[str, str]:
    return {"pk": f"INVOICE#{app_id}#{reference}", "sk": "INVOICE"}


def _account_key(app_id: str, account_reference: str) -> str:
    return f"INVOICEACCOUNT#{app_id}#{account_reference.lower()}"


def _invoice(item: dict[str, Any]) -> Invoice:
    return Invoice.model_validate(from_item(item))


def _now() -> str:
    return datetime.now(UTC).isoformat()


@storage_errors
class DynamoInvoiceStore:
    def __init__(self, table_name: str) -> None:
        self._table = table(table_name)

    def create(self, invoice: Invoice) -> bool:
        """Stores a new invoice; False when the app has one by this external reference."""
        item = {
            **_key(invoice.app_id, invoice.external_reference),
            "gsi1pk": _account_key(invoice.app_id, invoice.account_reference),
            "gsi1sk": f"{invoice.created_at.isoformat()}#{invoice.external_reference}",
            **invoice.model_dump(mode="json"),
        }
        return conditionally(
            lambda: self._table.put_item(Item=to_item(item), ConditionExpression=Attr("pk").not_exists())
        )

    def get(self, app_id: str, reference: str) -> Invoice | None:
        found = self._table.get_item(Key=_key(app_id, reference), ConsistentRead=True).get("Item")
        return _invoice(found) if found else None

    def for_account(self, app_id: str, account_reference: str) -> list[Invoice]:
        """The app's invoices for an account reference (case-insensitive), oldest first."""
        items = query_all(
            self._table,
            IndexName=BY_ACCOUNT_INDEX,
            KeyConditionExpression=Key("gsi1pk").eq(_account_key(app_id, account_reference)),
        )
        return [_invoice(item) for item in items]

    def move(
        self,
        app_id: str,
        reference: str,
        leaving: InvoiceStatus,
        to: InvoiceStatus,
        paid_by: str | None = None,
    ) -> Invoice | None:
        """`leaving` → `to` (recording the payment that paid it); None when it was not `leaving`."""
        values = to_item({":to": to.value, ":leaving": leaving.value, ":u": _now(), ":p": paid_by})
        assignments = "#status = :to, updated_at = :u" + (", paid_by = :p" if paid_by else "")
        answer: dict[str, Any] = {}

        def update() -> None:
            answer.update(
                self._table.update_item(
                    Key=_key(app_id, reference),
                    UpdateExpression=f"SET {assignments}",
                    ConditionExpression="#status = :leaving",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=values,
                    ReturnValues="ALL_NEW",
                )
            )

        return _invoice(answer["Attributes"]) if conditionally(lambda: with_retries(update)) else None

    def remove_unsent(self, app_id: str, reference: str) -> None:
        """Forgets an invoice Daraja refused (so nothing reached the customer), unless it moved on."""
        conditionally(
            lambda: self._table.delete_item(
                Key=_key(app_id, reference),
                ConditionExpression=Attr("status").eq(InvoiceStatus.SENT.value)
                & Attr("paid_by").not_exists(),
            )
        )

    def note_error(self, app_id: str, reference: str, error: str) -> None:
        self._table.update_item(
            Key=_key(app_id, reference),
            UpdateExpression="SET #error = :e, updated_at = :u",
            ExpressionAttributeNames={"#error": "error"},
            ExpressionAttributeValues={":e": error[:500], ":u": _now()},
            ConditionExpression=Attr("pk").exists(),
        )
