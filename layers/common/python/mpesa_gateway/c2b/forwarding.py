"""Asking the merchant's own validation URL, which anyone who can set a rule chooses: one POST, nothing more.

The POST goes through the gateway's one guarded way out to merchants' URLs (mpesa_gateway.outbound):
https only (http and loopback only where the local-mode setting allows them), public addresses only,
checked again where the connection goes so DNS rebinding cannot redirect the payment, no redirect
followed, and one deadline for the whole exchange. Anything but a complete 2xx JSON answer within
MAX_ANSWER_BYTES counts as no answer, and the app's default decides.
"""

from __future__ import annotations

import json
from typing import Any

from mpesa_gateway import outbound
from mpesa_gateway.inputs import load_json
from mpesa_gateway.observability import logger

# A validation answer is a small JSON object; anything longer is not one.
MAX_ANSWER_BYTES = 16 * 1024


def forward_to_merchant(url: str, body: dict[str, Any], timeout: float, *, allow_local: bool) -> Any:
    """The merchant's JSON answer, or None when it is refused, fails, redirects or is late."""
    outcome = outbound.post(
        url,
        json.dumps(body).encode(),
        {"Accept": "application/json"},
        timeout_seconds=timeout,
        local_mode=allow_local,
        max_answer_bytes=MAX_ANSWER_BYTES,
    )
    attempt = outcome.attempt
    if outcome.refused:
        logger.warning("merchant validation URL refused", extra={"reason": attempt.error})
        return None
    if attempt.error is not None:
        logger.info("merchant validation URL did not answer", extra={"error": attempt.error})
        return None
    if not outcome.complete:
        logger.info("merchant validation URL did not answer", extra={"error": "an incomplete answer"})
        return None
    try:
        return load_json(outcome.answer.decode())
    except ValueError:  # not UTF-8, not JSON, or nested too deep
        logger.info("merchant validation URL did not answer", extra={"error": "not a JSON answer"})
        return None
