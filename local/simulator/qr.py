"""Dynamic QR (`/mpesa/qrcode/v1/generate`): a real QR code image of the payment it was asked for.

The answer's QRCode is a PNG, base64-encoded, about Size pixels square, whose code holds the request's
MerchantName, RefNo, Amount, TrxCode and CPI as compact JSON (`qr_payload`), so a test that decodes the
image sees what was asked for. Safaricom's own codes hold an EMVCo-style string; the simulator does not
imitate that format. The image is made by segno (pure Python: PNG without Pillow).
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import segno
from flask import Blueprint, Response, jsonify

from local.simulator.errors import invalid_field
from local.simulator.ids import new_request_id
from local.simulator.oauth import require_access_token
from local.simulator.validation import (
    Check,
    FieldChecks,
    as_text,
    digits,
    is_msisdn,
    is_whole_amount,
    json_object_body,
    one_of,
    text_length,
    validate_fields,
    whole_amount,
)

blueprint = Blueprint("daraja_qr", __name__)

GENERATE_QR = "/mpesa/qrcode/v1/generate"
# TrxCode -> what its CPI (credit party) must be: a till, agent or paybill number, or a phone number.
CREDIT_PARTIES: dict[str, Check] = {
    "BG": digits(5, 7),
    "WA": digits(5, 7),
    "PB": digits(5, 7),
    "SM": is_msisdn,
    "SB": is_msisdn,
}
MAX_SIZE_PIXELS = 2000
# segno's quiet zone: the 4 modules of white the QR standard asks for around the code.
QUIET_ZONE_MODULES = 4
PAYLOAD_FIELDS = ("MerchantName", "RefNo", "Amount", "TrxCode", "CPI")

QR_CHECKS: FieldChecks = (
    ("MerchantName", text_length(1, 100)),
    ("RefNo", text_length(1, 100)),
    ("Amount", is_whole_amount),
    ("TrxCode", one_of(*CREDIT_PARTIES)),
)


def qr_payload(body: dict[str, Any]) -> str:
    """What the code says: the payment's fields as compact JSON, the amount a number, the CPI text."""
    values = {field: body[field] for field in PAYLOAD_FIELDS}
    values["Amount"] = whole_amount(body["Amount"])
    values["CPI"] = as_text(body["CPI"])
    return json.dumps(values, separators=(",", ":"))


def qr_png(payload: str, size: int) -> bytes:
    """A PNG of the code, as close to `size` pixels square as whole pixels per module allow."""
    code = segno.make_qr(payload, error="m")
    width, _ = code.symbol_size(border=QUIET_ZONE_MODULES)
    image = io.BytesIO()
    code.save(image, kind="png", scale=max(1, size // width), border=QUIET_ZONE_MODULES)
    return image.getvalue()


def _size(value: Any) -> int:
    text = as_text(value)
    if text is None or not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_SIZE_PIXELS:
        raise invalid_field("Size")
    return int(text)


@blueprint.post(GENERATE_QR)
@require_access_token
def generate_qr() -> Response:
    body = json_object_body()
    validate_fields(body, QR_CHECKS)
    validate_fields(body, (("CPI", CREDIT_PARTIES[body["TrxCode"]]),))
    size = _size(body.get("Size"))
    png = qr_png(qr_payload(body), size)
    return jsonify(
        {
            "ResponseCode": "00",
            "RequestID": new_request_id(),
            "ResponseDescription": "QR Code Successfully Generated.",
            "QRCode": base64.b64encode(png).decode("ascii"),
        }
    )
