"""Signed webhooks to merchants: signing and verifying (signing), URLs and delivery attempts (endpoints),
the retry schedule (schedule). Merchants verify a delivery with `mpesa_gateway.webhooks.verify`."""

from mpesa_gateway.webhooks.signing import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    SignatureMismatch,
    new_secret,
    signature_header,
    verify,
)

__all__ = [
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "SignatureMismatch",
    "new_secret",
    "signature_header",
    "verify",
]
