"""Merchants' webhook URLs and one delivery attempt to one of them, over the gateway's one guarded way out
to URLs that merchants choose (mpesa_gateway.outbound: the URL check, the address policy, the POST)."""

from __future__ import annotations

from collections.abc import Mapping

from mpesa_gateway import outbound
from mpesa_gateway.outbound import MAX_URL_LENGTH, Attempt, check_url

# The webhook's names, as the events package imports them.
__all__ = ["MAX_ANSWER_BYTES", "MAX_URL_LENGTH", "Attempt", "check_url", "post"]

# Enough of an answer to let the merchant's server finish writing a short one; the rest is not read.
MAX_ANSWER_BYTES = 4096


def post(
    url: str, body: bytes, headers: Mapping[str, str], *, timeout_seconds: float, local_mode: bool
) -> Attempt:
    """POST body to url once, the answer read up to MAX_ANSWER_BYTES and dropped; never raises for a
    refused URL or a network problem (see Attempt.error), and timeout_seconds bounds the whole attempt."""
    return outbound.post(
        url,
        body,
        headers,
        timeout_seconds=timeout_seconds,
        local_mode=local_mode,
        max_answer_bytes=MAX_ANSWER_BYTES,
    ).attempt
