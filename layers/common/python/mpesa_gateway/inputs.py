"""Bounds on what callers send: the shape of ids in paths, and how deeply JSON may nest.

Real DynamoDB refuses keys over 2,048 bytes and documents nested over 32 levels (moto accepts both), and
json.loads raises RecursionError on a few thousand brackets: input is checked against these bounds first.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Payment app ids (and merchant ids), as operators create them.
ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
ID_RULE = "1-40 lowercase letters, digits and hyphens, starting and ending with a letter or digit"
# How merchants name a transaction: the gateway's ids (txn_…, txn_sms_<app>_<receipt>), STK
# CheckoutRequestIDs (ws_CO_…) and M-Pesa receipts.
REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,100}")
REFERENCE_RULE = "1-100 letters, digits, underscores and hyphens"
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
