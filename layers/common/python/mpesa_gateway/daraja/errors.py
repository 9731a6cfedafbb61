"""What can go wrong talking to Daraja, split by what it means for money in flight."""

from __future__ import annotations

# Daraja's codes for a token it no longer accepts (expired, or replaced by a newer one).
INVALID_TOKEN_CODES = frozenset({"404.001.03", "401.002.01", "400.003.01"})
# STK Query's answer while the customer has not yet acted: pending, not failed.
STK_QUERY_PENDING_CODE = "500.001.1001"


class DarajaError(Exception):
    """Daraja answered with an error: the request was refused and nothing happened."""

    def __init__(self, http_status: int, error_code: str, error_message: str) -> None:
        super().__init__(f"{error_code}: {error_message}")
        self.http_status = http_status
        self.error_code = error_code
        self.error_message = error_message

    @property
    def is_invalid_token(self) -> bool:
        return self.error_code in INVALID_TOKEN_CODES


class DarajaNotSent(Exception):
    """The request never reached Daraja (no connection): safe to report as not done."""


class DarajaOutcomeUnknown(Exception):
    """The request was sent but no answer came (read timeout, dropped connection).

    It may have reached the customer, so it must never be retried blindly.
    """
