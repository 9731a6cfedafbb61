"""Listing cursors: a DynamoDB resume key given to the client, taken back only by the listing it came from."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TypeGuard

from mpesa_gateway.errors import InvalidRequest

_CURSOR_KEYS = {"pk", "sk", "gsi1pk", "gsi1sk"}


def encode_cursor(key: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_cursor(cursor: str, listing: str) -> dict[str, str]:
    """The resume key, if it is one the listing (its index partition, e.g. APP#<app>) could have produced."""
    try:
        key: object = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if not _is_resume_key(key, listing):
        raise InvalidRequest("cursor is not one this listing gave out", field="cursor")
    return key


def _is_resume_key(key: object, listing: str) -> TypeGuard[dict[str, str]]:
    return (
        isinstance(key, dict)
        and set(key) == _CURSOR_KEYS
        and all(isinstance(value, str) for value in key.values())
        and key["gsi1pk"] == listing
    )
