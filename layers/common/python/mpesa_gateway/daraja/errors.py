"""What can go wrong talking to Daraja, split by what it means for money in flight."""

from __future__ import annotations

# Daraja's codes for a token it no longer accepts (expired, or replaced by a newer one).
INVALID_TOKEN_CODES = frozenset({"404.001.03", "401.002.01", "400.003.01"})
# STK Query's answer while the customer has not yet acted: pending, not failed.
STK_QUERY_PENDING_CODE = "500.001.1001"
# Daraja's 5xx codes that say the request was turned away before anything was done with it: overloaded
# or refused (500.001.1001: wrong credentials, unknown merchant, subscriber locked), spike arrest,
# quota. Any other 5xx (internal error, duplicate OriginatorConversationID, a proxy's page) may
# follow work already done, so its outcome is unknown.
NOT_DONE_SERVER_CODES = frozenset({STK_QUERY_PENDING_CODE, "500.003.02", "500.003.03"})


class DarajaError(Exception):
    """Daraja refused the request with its error JSON and a code that means nothing happened."""

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
    """The request was sent but no usable answer came (read timeout, dropped connection, a proxy's
    error page, a server error that may follow work already done, an answer we cannot read).

    It may have reached the customer, so it must never be retried blindly. `daraja_error` is Daraja's
    own error JSON when one came (a server error code that does not say "not done").
    """

    def __init__(self, message: str, daraja_error: DarajaError | None = None) -> None:
        super().__init__(message)
        self.daraja_error = daraja_error
