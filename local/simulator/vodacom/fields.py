"""Request fields as Vodacom checks them: every value a string, each bad one answered with its INS- code."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from flask import request

from local.simulator.rules import is_short_code
from local.simulator.settings import SimulatorSettings
from local.simulator.vodacom.codes import (
    INVALID_AMOUNT,
    INVALID_MARKET,
    INVALID_MSISDN,
    INVALID_SHORTCODE,
    INVALID_THIRD_PARTY_ID,
    MISSING_PARAMETERS,
    VALIDATION_FAILED,
    VodacomError,
)
from local.simulator.vodacom.markets import Market, parse_amount

# (field, check of its string value, the INS- code a failure answers)
FieldChecks = Sequence[tuple[str, Callable[[str], bool], str]]


def text(min_len: int, max_len: int) -> Callable[[str], bool]:
    return lambda value: min_len <= len(value.strip()) <= len(value) <= max_len


THIRD_PARTY_ID = text(1, 64)
TRANSACTION_REFERENCE = text(1, 20)
DESCRIPTION = text(1, 256)


def json_fields() -> Mapping[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise VodacomError(MISSING_PARAMETERS)
    return body


def validated(source: Mapping[str, Any], checks: FieldChecks) -> dict[str, str]:
    """The checked fields; a missing or empty one fails the whole request first (INS-20)."""
    if any(source.get(field) in (None, "") for field, _, _ in checks):
        raise VodacomError(MISSING_PARAMETERS)
    for field, check, code in checks:
        value = source[field]
        if not isinstance(value, str) or not check(value):
            raise VodacomError(code)
    return {field: source[field] for field, _, _ in checks}


def market_checks(market: Market) -> FieldChecks:
    """input_Country and input_ServiceProviderCode, which every endpoint but getSession takes."""
    return (
        ("input_Country", lambda value: value == market.country, INVALID_MARKET),
        ("input_ServiceProviderCode", is_short_code, INVALID_SHORTCODE),
        ("input_ThirdPartyConversationID", THIRD_PARTY_ID, INVALID_THIRD_PARTY_ID),
    )


def currency_check(market: Market) -> tuple[str, Callable[[str], bool], str]:
    return ("input_Currency", lambda value: value in market.currencies, VALIDATION_FAILED)


def msisdn_check(market: Market) -> tuple[str, Callable[[str], bool], str]:
    return ("input_CustomerMSISDN", market.is_msisdn, INVALID_MSISDN)


def amount_field(field: str) -> tuple[str, Callable[[str], bool], str]:
    """Present and a string; its format depends on the currency, so `amount` checks it later."""
    return (field, lambda value: True, INVALID_AMOUNT)


def amount(value: str, currency: str, settings: SimulatorSettings) -> Decimal:
    """input_Amount in the currency's decimals (TZS whole shillings; USD and CDF cents), else INS-15."""
    parsed = parse_amount(value, settings.vodacom_amount_decimals.get(currency, 2))
    if parsed is None:
        raise VodacomError(INVALID_AMOUNT)
    return parsed
