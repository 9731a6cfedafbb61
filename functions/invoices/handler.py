"""POST /api/pay/{payment_app}/invoices, GET and DELETE .../invoices/{reference}, POST .../bulkInvoices:
Bill Manager invoices."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from mpesa_gateway.api import (
    MERCHANT,
    Data,
    GatewayResolver,
    InvoiceReference,
    PaymentAppId,
    documented,
    lambda_handler,
    merchant_id,
)
from mpesa_gateway.billmanager.models import (
    MAX_BULK_INVOICES,
    BulkInvoiceAnswer,
    BulkInvoiceRequest,
    Invoice,
    InvoiceRequest,
)
from mpesa_gateway.models import Operation, PaymentApp
from mpesa_gateway.runtime import app_directory, bill_manager_service

app = GatewayResolver()
ROUTE = "/api/pay/<payment_app>/invoices"


def _owned(payment_app: str) -> PaymentApp:
    return app_directory().for_merchant(payment_app, merchant_id(app.current_event), Operation.BILL_MANAGER)


@app.post(
    ROUTE,
    summary="Send an invoice to a customer's phone (MpesaKeC2B apps); a retry under its reference is safe",
    tags=["Bill Manager"],
    security=MERCHANT,
    responses=documented(Data[Invoice], pending=True, errors=(403, 409, 424, 503)),
)
def send_invoice(
    payment_app: PaymentAppId, request: Annotated[InvoiceRequest, Body()]
) -> Response[Data[Invoice]]:
    status, invoice = bill_manager_service().send_invoice(_owned(payment_app), request)
    return app.answer(status, {"data": invoice})


@app.get(
    f"{ROUTE}/<reference>",
    summary="An invoice and its status: sent, paid or cancelled",
    tags=["Bill Manager"],
    security=MERCHANT,
    responses=documented(Data[Invoice], errors=(403, 404)),
)
def get_invoice(payment_app: PaymentAppId, reference: InvoiceReference) -> Response[Data[Invoice]]:
    return app.answer(200, {"data": bill_manager_service().invoice(_owned(payment_app), reference)})


@app.delete(
    f"{ROUTE}/<reference>",
    summary="Cancel a sent invoice (a paid one cannot be)",
    tags=["Bill Manager"],
    security=MERCHANT,
    responses=documented(Data[Invoice], errors=(403, 404, 409, 424, 503)),
)
def cancel_invoice(payment_app: PaymentAppId, reference: InvoiceReference) -> Response[Data[Invoice]]:
    return app.answer(200, {"data": bill_manager_service().cancel(_owned(payment_app), reference)})


@app.post(
    "/api/pay/<payment_app>/bulkInvoices",
    summary=(
        f"Send up to {MAX_BULK_INVOICES} invoices in one Daraja call (MpesaKeC2B apps); any invalid or "
        "conflicting entry refuses the whole batch, and a retry sends only what was never sent"
    ),
    tags=["Bill Manager"],
    security=MERCHANT,
    responses=documented(Data[BulkInvoiceAnswer], pending=True, errors=(403, 409, 413, 424, 503)),
)
def send_invoices(
    payment_app: PaymentAppId, request: Annotated[BulkInvoiceRequest, Body()]
) -> Response[Data[BulkInvoiceAnswer]]:
    status, answer = bill_manager_service().send_invoices(_owned(payment_app), request)
    return app.answer(status, {"data": answer})


handler = lambda_handler(app)
