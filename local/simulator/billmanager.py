"""M-Pesa Bill Manager: opt-in, single and bulk invoices, cancellation, and (on a test's request through the
control API) an invoice's payment notification, posted to the opted-in short code's callback URL.

Bill Manager answers in its own shape, `{"rescode", "resmsg", "Status_Message"}`, with HTTP 200 even
when it refuses (rescode 400, 404, 409); a malformed body gets Daraja's usual error JSON. Bulk invoicing
takes a bare JSON array of up to 1,000 single invoices and keeps all of them or none (Safaricom does not
document what it does with a partly bad batch; this simulator refuses it whole, which is what the
gateway assumes least about).
"""

from __future__ import annotations

import calendar
import re
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from local.simulator.clock import nairobi_now
from local.simulator.errors import ControlInputError, invalid_payload
from local.simulator.ids import new_receipt_number
from local.simulator.oauth import caller_consumer_key, require_access_token
from local.simulator.receipts import register_customer_payment
from local.simulator.state import SimulatorState, get_state
from local.simulator.validation import (
    FieldChecks,
    as_text,
    digits,
    is_http_url,
    is_msisdn,
    is_whole_amount,
    json_object_body,
    text_length,
    validate_fields,
    validate_optional_fields,
    whole_amount,
)

blueprint = Blueprint("daraja_bill_manager", __name__)

OPT_IN = "/v1/billmanager-invoice/optin"
SINGLE_INVOICE = "/v1/billmanager-invoice/single-invoicing"
CANCEL_INVOICE = "/v1/billmanager-invoice/cancel-single-invoice"
BULK_INVOICE = "/v1/billmanager-invoice/bulk-invoicing"
BULK_LIMIT = 1000
SENT, PAID, CANCELLED = "sent", "paid", "cancelled"
_LOCAL_NUMBER = re.compile(r"0[17]\d{8}")
_PERIOD = re.compile(rf"({'|'.join(calendar.month_name[1:])}) \d{{4}}")


@dataclass(frozen=True)
class OptIn:
    short_code: str
    consumer_key: str
    callback_url: str
    app_key: str


@dataclass(frozen=True)
class BilledInvoice:
    external_reference: str
    short_code: str
    account_reference: str
    amount: int
    msisdn: str  # 2547XXXXXXXX
    status: str = SENT
    paid_by: str | None = None


def _is_phone(value: Any) -> bool:
    text = as_text(value)
    return text is not None and (_LOCAL_NUMBER.fullmatch(text) is not None or is_msisdn(text))


def _is_due_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    for pattern in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"):
        try:
            datetime.strptime(value, pattern)
        except ValueError:
            continue
        return True
    return False


def _are_items(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, dict)
        and text_length(1, 100)(item.get("itemName"))
        and is_whole_amount(item.get("amount"))
        for item in value
    )


OPT_IN_CHECKS: FieldChecks = (
    ("shortcode", digits(5, 7)),
    ("email", lambda value: isinstance(value, str) and "@" in value and len(value) <= 254),
    ("officialContact", _is_phone),
    ("sendReminders", lambda value: as_text(value) in ("0", "1")),
    ("callbackurl", is_http_url),
)
INVOICE_CHECKS: FieldChecks = (
    ("externalReference", text_length(1, 64)),
    ("billedFullName", text_length(1, 100)),
    ("billedPhoneNumber", _is_phone),
    ("billedPeriod", lambda value: isinstance(value, str) and _PERIOD.fullmatch(value) is not None),
    ("invoiceName", text_length(1, 100)),
    ("dueDate", _is_due_date),
    ("accountReference", text_length(1, 20)),
    ("amount", is_whole_amount),
)


def _answer(rescode: str, message: str, status_message: str = "") -> Response:
    body = {"rescode": rescode, "resmsg": message}
    return jsonify({"Status_Message": status_message, **body} if status_message else body)


@blueprint.post(OPT_IN)
@require_access_token
def opt_in() -> Response:
    state = get_state()
    body = json_object_body()
    validate_fields(body, OPT_IN_CHECKS)
    validate_optional_fields(body, (("logo", text_length(0, 200_000)),))
    record = OptIn(
        short_code=as_text(body["shortcode"]) or "",
        consumer_key=caller_consumer_key() or "",
        callback_url=body["callbackurl"],
        app_key=f"AG_{uuid.uuid4().hex[:20].upper()}",
    )
    state.bill_opt_ins.update(record.short_code, lambda _: record)  # opting in again updates the details
    return jsonify({"app_key": record.app_key, "resmsg": "Success", "rescode": "200"})


@blueprint.post(SINGLE_INVOICE)
@require_access_token
def single_invoice() -> Response:
    state = get_state()
    body = json_object_body()
    _check_invoice(body)
    biller = _biller(state)
    if biller is None:
        return _not_opted_in()
    invoice = _billed(body, biller)
    if not state.invoices.add(invoice.external_reference, invoice):
        return _answer("409", "Failed", "An invoice with this external reference exists")
    return _answer("200", "Success", "Invoice sent successfully")


@blueprint.post(BULK_INVOICE)
@require_access_token
def bulk_invoice() -> Response:
    state = get_state()
    body = request.get_json(silent=True)
    if not isinstance(body, list) or not body or len(body) > BULK_LIMIT:
        raise invalid_payload()
    for entry in body:
        if not isinstance(entry, dict):
            raise invalid_payload()
        _check_invoice(entry)
    biller = _biller(state)
    if biller is None:
        return _not_opted_in()
    kept: list[str] = []
    for invoice in (_billed(entry, biller) for entry in body):
        if not state.invoices.add(invoice.external_reference, invoice):
            for reference in kept:
                state.invoices.remove(reference)
            return _answer(
                "409", "Failed", f"An invoice with external reference {invoice.external_reference} exists"
            )
        kept.append(invoice.external_reference)
    return _answer("200", "Success", "Invoice sent successfully")


def _check_invoice(body: dict[str, Any]) -> None:
    validate_fields(body, INVOICE_CHECKS)
    validate_optional_fields(body, (("invoiceItems", _are_items),))


def _billed(body: dict[str, Any], biller: OptIn) -> BilledInvoice:
    phone = as_text(body["billedPhoneNumber"]) or ""
    return BilledInvoice(
        external_reference=body["externalReference"],
        short_code=biller.short_code,
        account_reference=body["accountReference"],
        amount=whole_amount(body["amount"]) or 0,
        msisdn=f"254{phone[1:]}" if phone.startswith("0") else phone,
    )


def _not_opted_in() -> Response:
    return _answer("400", "Failed", "This account has no short code opted in to Bill Manager")


@blueprint.post(CANCEL_INVOICE)
@require_access_token
def cancel_invoice() -> Response:
    state = get_state()
    body = json_object_body()
    validate_fields(body, (("externalReference", text_length(1, 64)),))
    outcome: dict[str, str] = {}

    def cancel(current: BilledInvoice | None) -> BilledInvoice | None:
        if current is None or current.status != SENT:
            outcome["refusal"] = "No such invoice" if current is None else f"The invoice is {current.status}"
            return current
        return replace(current, status=CANCELLED)

    state.invoices.update(body["externalReference"], cancel)
    if "refusal" in outcome:
        return _answer("409", "Failed", outcome["refusal"])
    return jsonify(
        {
            "Status_Message": "Invoice cancelled successfully.",
            "resmsg": "Success",
            "rescode": "200",
            "errors": [],
        }
    )


def _biller(state: SimulatorState) -> OptIn | None:
    """The short code the caller's app opted in last (invoices do not name one: the token does)."""
    consumer_key = caller_consumer_key()
    opted_in = [record for record in state.bill_opt_ins.all() if record.consumer_key == consumer_key]
    return opted_in[-1] if opted_in else None


@dataclass(frozen=True)
class PaymentOrder:
    """A control-API request: a customer pays an invoice (or any account of an opted-in short code)."""

    external_reference: str | None
    account_reference: str | None
    short_code: str | None
    amount: int | None
    msisdn: str | None


def _parse_payment(body: Any) -> PaymentOrder:
    if not isinstance(body, dict):
        raise ControlInputError("body", "must be a JSON object")
    unknown = sorted(
        set(body) - {"external_reference", "account_reference", "short_code", "amount", "msisdn"}
    )
    if unknown:
        raise ControlInputError(unknown[0], "is not a payment field")
    amount = body.get("amount")
    if amount is not None and whole_amount(amount) is None:
        raise ControlInputError("amount", "must be a whole number of shillings, at least 1")
    if body.get("msisdn") is not None and not is_msisdn(body["msisdn"]):
        raise ControlInputError("msisdn", "must be 2547XXXXXXXX or 2541XXXXXXXX")
    if body.get("external_reference") is None and not (
        body.get("account_reference") and body.get("short_code")
    ):
        raise ControlInputError("external_reference", "is required (or account_reference and short_code)")
    return PaymentOrder(
        external_reference=body.get("external_reference"),
        account_reference=body.get("account_reference"),
        short_code=as_text(body.get("short_code")),
        amount=whole_amount(amount) if amount is not None else None,
        msisdn=body.get("msisdn"),
    )


@blueprint.post("/simulator/billManager/payments")
def pay_invoice() -> tuple[Response, int]:
    """A customer pays: the notification goes to the short code's callback URL before this answers."""
    state = get_state()
    try:
        order = _parse_payment(request.get_json(silent=True))
    except ControlInputError as error:
        return jsonify({"error": str(error), "field": error.field}), 400
    invoice = state.invoices.get(order.external_reference) if order.external_reference else None
    if order.external_reference and invoice is None:
        return jsonify(
            {"error": f"no invoice {order.external_reference}", "field": "external_reference"}
        ), 404
    short_code = invoice.short_code if invoice else order.short_code or ""
    biller = state.bill_opt_ins.get(short_code)
    if biller is None:
        return jsonify({"error": f"{short_code} is not opted in", "field": "short_code"}), 404
    amount = order.amount or (invoice.amount if invoice else 1)
    msisdn = order.msisdn or (invoice.msisdn if invoice else "254708374149")
    receipt = register_customer_payment(
        state.receipts, new_receipt_number(), amount=amount, msisdn=msisdn, short_code=short_code,
        reason_type="Pay Bill Online",
    )  # fmt: skip
    if invoice is not None and invoice.status == SENT:
        state.invoices.update(
            invoice.external_reference,
            lambda current: current and replace(current, status=PAID, paid_by=receipt),
        )
    notice = {
        "transactionId": receipt,
        "paidAmount": amount,
        "msisdn": msisdn,
        "dateCreated": nairobi_now().strftime("%Y-%m-%d"),
        "accountReference": invoice.account_reference if invoice else order.account_reference,
        "shortCode": int(short_code),
    }
    state.dispatcher.deliver_now(biller.callback_url, notice)
    return jsonify({"transactionId": receipt, "notification": notice}), 202


@blueprint.get("/simulator/billManager/invoices")
def list_invoices() -> Response:
    return jsonify({"invoices": [asdict(invoice) for invoice in get_state().invoices.all()]})


@blueprint.get("/simulator/billManager/optIns")
def list_opt_ins() -> Response:
    return jsonify({"opt_ins": [asdict(record) for record in get_state().bill_opt_ins.all()]})
