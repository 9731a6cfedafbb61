"""generateQrCode: Daraja's Dynamic QR. It moves no money (the customer pays when scanning), so nothing
is tracked; what the code pays, and to whom, is checked here before Daraja is asked."""

from __future__ import annotations

import re

from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.daraja.payloads import DynamicQrBody
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.models import Driver, LipaCommand, PaymentApp
from mpesa_gateway.phone import normalise_msisdn
from mpesa_gateway.qr.models import DarajaQrCode, QrCodeAnswer, QrCodeRequest, QrTransactionCode
from mpesa_gateway.synchronous import answered

QR_PATH = "/mpesa/qrcode/v1/generate"
# Tills, agent numbers and paybills: 5 to 7 digits, as the gateway's short codes are.
_BUSINESS_NUMBER = re.compile(r"[0-9]{5,7}")
_BUSINESS_CODES = frozenset(
    {QrTransactionCode.BUY_GOODS, QrTransactionCode.WITHDRAW_AT_AGENT, QrTransactionCode.PAYBILL}
)
_OWN_KINDS = {QrTransactionCode.BUY_GOODS: "Buy Goods", QrTransactionCode.PAYBILL: "Paybill"}
# Safaricom's M-PESA tariff starts withdrawals at an agent at KES 50.
MIN_WITHDRAWAL = 50


class QrService:
    def __init__(self, apps: AppDirectory, max_amount: int) -> None:
        self._apps = apps
        self._max_amount = max_amount  # M-Pesa's per-transaction maximum

    def generate(self, app: PaymentApp, request: QrCodeRequest) -> QrCodeAnswer:
        body = DynamicQrBody(
            MerchantName=request.merchant_name,
            RefNo=request.reference,
            Amount=self._amount(request),
            TrxCode=request.trx_code,
            CPI=credit_party(app, request),
            Size=str(request.size),
        )
        client = self._apps.daraja(app, self._apps.credentials(app))
        answer = answered(
            lambda: client.post(QR_PATH, body), DarajaQrCode, action="QR code", undone="no QR code was made"
        )
        return QrCodeAnswer(**answer.model_dump())

    def _amount(self, request: QrCodeRequest) -> int:
        if request.amount > self._max_amount:
            raise InvalidRequest(
                f"amount is above M-Pesa's per-transaction maximum of {self._max_amount}", field="amount"
            )
        if request.trx_code is QrTransactionCode.WITHDRAW_AT_AGENT and request.amount < MIN_WITHDRAWAL:
            raise InvalidRequest(
                f"amount: a withdrawal at an agent (WA) is at least {MIN_WITHDRAWAL}", field="amount"
            )
        return request.amount


def credit_party(app: PaymentApp, request: QrCodeRequest) -> str:
    """Who the code pays (Daraja's CPI), in the shape its TrxCode needs. BG and PB default to this app's
    own till or paybill, when it is one."""
    code = request.trx_code
    given = request.cpi.strip() if request.cpi is not None else ""
    if not given:
        if (own := own_number(app, code)) is None:
            kind = _OWN_KINDS.get(code)
            reason = f" (this app does not take {kind} payments)" if kind else ""
            raise InvalidRequest(f"cpi is required for trx_code {code.value}{reason}", field="cpi")
        return own
    if code in _BUSINESS_CODES:
        if not _BUSINESS_NUMBER.fullmatch(given):
            raise InvalidRequest(
                f"cpi for trx_code {code.value} must be a number of 5 to 7 digits", field="cpi"
            )
        return given
    try:
        return normalise_msisdn(given)
    except ValueError as error:
        raise InvalidRequest(f"cpi for trx_code {code.value} {error}", field="cpi") from None


def own_number(app: PaymentApp, code: QrTransactionCode) -> str | None:
    """The app's own till (BG) or paybill (PB), if that is what its short code takes."""
    takes = app.stk_transaction_type if app.driver is Driver.EXPRESS else app.c2b_command
    if code is QrTransactionCode.BUY_GOODS and takes is LipaCommand.BUY_GOODS:
        return app.till_number or app.short_code  # an Express till's PartyB is its till number
    if code is QrTransactionCode.PAYBILL and takes is LipaCommand.PAYBILL:
        return app.short_code
    return None
