"""Bounds on what callers send: the shape of ids in paths, and how deeply JSON may nest.

Real DynamoDB refuses keys over 2,048 bytes and documents nested over 32 levels (moto accepts both), and
json.loads raises RecursionError on a few thousand brackets: input is checked against these bounds first.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

# Payment app ids (and merchant ids), as operators create them.
ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
ID_RULE = "1-40 lowercase letters, digits and hyphens, starting and ending with a letter or digit"
# How merchants name a transaction: the gateway's ids (txn_…, txn_sms_<app>_<receipt>), STK
# CheckoutRequestIDs (ws_CO_…) and M-Pesa receipts.
REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,100}")
REFERENCE_RULE = "1-100 letters, digits, underscores and hyphens"
# events.derive.event_id's shape.
EVENT_ID_PATTERN = re.compile(r"evt_[0-9a-f]{32}")
EVENT_ID_RULE = "evt_ and 32 lowercase hexadecimal digits"
# A phone number in a path: mpesa_gateway.phone then says whether it is a Kenyan mobile number.
PHONE_NUMBER_PATTERN = re.compile(r"\+?[0-9]{9,12}")
PHONE_NUMBER_RULE = "9-12 digits, optionally after a +, such as 0712345678 or 254712345678"
# A Bill Manager invoice's externalReference, as merchants name it in the path.
INVOICE_REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
INVOICE_REFERENCE_RULE = "1-64 letters, digits, underscores and hyphens"
# DynamoDB's numbers: 38 significant digits, magnitudes from 1e-130 up to (not including) 1e126.
DYNAMO_NUMBER_DIGITS = 38
DYNAMO_SMALLEST = Decimal("1e-130")
DYNAMO_TOO_LARGE = Decimal("1e126")
# Daraja's bodies nest about 5 levels deep; a stored body must stay well inside DynamoDB's 32.
MAX_JSON_DEPTH = 20


class NestedTooDeeply(ValueError):
    """A JSON document nested deeper than MAX_JSON_DEPTH (or too deep for the parser itself)."""

    def __init__(self) -> None:
        super().__init__(f"nested too deeply (more than {MAX_JSON_DEPTH} levels)")


def load_json(text: str) -> Any:
    """json.loads, refusing documents nested deeper than MAX_JSON_DEPTH; ValueError for anything else bad."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise NestedTooDeeply from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise NestedTooDeeply
    return value


def storable(value: Any) -> bool:
    """Whether DynamoDB can store the JSON value as it is: non-empty keys, UTF-8 strings (JSON's
    \\u escapes can spell lone surrogates, which are not), and finite numbers of at most 38
    significant digits between 1e-130 and 1e126 (json.loads also reads NaN, Infinity and 1e300)."""
    pending: list[Any] = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            if "" in current:  # an attribute name, nested or not, has at least one character
                return False
            pending.extend(current.keys())
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)
        elif isinstance(current, str):
            if not _utf8(current):
                return False
        elif (
            isinstance(current, int | float) and not isinstance(current, bool) and not _dynamo_number(current)
        ):
            return False
    return True


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _dynamo_number(number: float) -> bool:
    exact = Decimal(str(number))
    if not exact.is_finite():
        return False
    if exact.is_zero():
        return True
    # Significant digits without trailing zeros (normalize() would round to the context's 28 digits).
    significant = "".join(map(str, exact.as_tuple().digits)).strip("0")
    return len(significant) <= DYNAMO_NUMBER_DIGITS and DYNAMO_SMALLEST <= abs(exact) < DYNAMO_TOO_LARGE


def _depth(value: Any) -> int:
    """How many arrays and objects enclose the innermost value, counted without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, dict | list):
            deepest = max(deepest, depth + 1)
            if deepest > MAX_JSON_DEPTH:
                return deepest
            children = current.values() if isinstance(current, dict) else current
            pending.extend((child, depth + 1) for child in children)
    return deepest
