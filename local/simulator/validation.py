"""Reusable request-body checks that answer like Daraja ("Bad Request - Invalid <Field>")."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from flask import request

from local.simulator.clock import is_recent, parse_daraja_timestamp
from local.simulator.errors import invalid_field, invalid_payload

Check = Callable[[Any], bool]
FieldChecks = Sequence[tuple[str, Check]]

_MSISDN = re.compile(r"254[17]\d{8}")


def json_object_body() -> dict[str, Any]:
    """The request's JSON object, or Daraja's invalid-payload error."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise invalid_payload()
    return body


def validate_fields(body: Mapping[str, Any], checks: FieldChecks) -> None:
    """Reports the first missing or invalid field, in the order the checks are listed."""
    for field, check in checks:
        if field not in body or not check(body[field]):
            raise invalid_field(field)


def validate_optional_fields(body: Mapping[str, Any], checks: FieldChecks) -> None:
    """Like validate_fields, for fields that may be left out or sent as null."""
    for field, check in checks:
        if body.get(field) is not None and not check(body[field]):
            raise invalid_field(field)


def as_text(value: Any) -> str | None:
    """Daraja accepts numbers and strings alike for numeric identifiers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    return None


def digits(min_len: int, max_len: int) -> Check:
    def check(value: Any) -> bool:
        text = as_text(value)
        return text is not None and text.isascii() and text.isdigit() and min_len <= len(text) <= max_len

    return check


def is_msisdn(value: Any) -> bool:
    text = as_text(value)
    return text is not None and _MSISDN.fullmatch(text) is not None


def text_length(min_len: int, max_len: int) -> Check:
    def check(value: Any) -> bool:
        return isinstance(value, str) and min_len <= len(value) <= max_len

    return check


def one_of(*allowed: str) -> Check:
    def check(value: Any) -> bool:
        return isinstance(value, str) and value in allowed

    return check


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def whole_amount(value: Any) -> int | None:
    """Whole shillings >= 1 as an int or a digit string; floats are refused even when whole,
    because Daraja's acceptance of 1.0 is undocumented and the gateway should not rely on it."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value >= 1 else None


def is_whole_amount(value: Any) -> bool:
    return whole_amount(value) is not None


def recent_timestamp(tolerance_seconds: int) -> Check:
    """A Nairobi `YYYYMMDDHHmmss` near now: a UTC clock (3 h behind) fails this."""

    def check(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        moment = parse_daraja_timestamp(value)
        return moment is not None and is_recent(moment, tolerance_seconds)

    return check
