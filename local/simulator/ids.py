"""Identifiers shaped like the ones Daraja hands out."""

from __future__ import annotations

import secrets
import string
from datetime import datetime

_DIGITS = string.digits
_UPPER_ALNUM = string.ascii_uppercase + string.digits


def random_digits(count: int) -> str:
    return "".join(secrets.choice(_DIGITS) for _ in range(count))


def new_request_id() -> str:
    return f"{random_digits(5)}-{random_digits(8)}-1"


# Daraja's MerchantRequestID has the same shape as the requestId of its error answers.
new_merchant_request_id = new_request_id


def new_checkout_request_id(now: datetime) -> str:
    # Real ones are ws_CO_ + DDMMYYYYHHMMSS + digits; 10 random digits make collisions negligible.
    return f"ws_CO_{now:%d%m%Y%H%M%S}{random_digits(10)}"


def new_receipt_number() -> str:
    # M-Pesa receipts are 10 upper-case characters and always start with a letter.
    first = secrets.choice(string.ascii_uppercase)
    return first + "".join(secrets.choice(_UPPER_ALNUM) for _ in range(9))


def new_access_token() -> str:
    # Daraja tokens are 28 alphanumerics; 32 keeps them unguessable.
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def new_conversation_id(now: datetime) -> str:
    # Daraja's are AG_ + the Nairobi date + 20 hex digits, e.g. AG_20191219_00005797af5d7d75f652.
    return f"AG_{now:%Y%m%d}_{secrets.token_hex(10)}"


def placeholder_transaction_id() -> str:
    # Failed results carry an id like "NLJ0000000": receipt-shaped, but no money moved under it.
    return "".join(secrets.choice(string.ascii_uppercase) for _ in range(3)) + "0" * 7


def new_hex_id() -> str:
    # Vodacom's session ids are 32 lower-case hex digits; the simulator's ConversationIDs for it too.
    return secrets.token_hex(16)
