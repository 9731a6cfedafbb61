"""What can go wrong calling Vodacom, split by what it means for money in flight."""

from __future__ import annotations

from mpesa_gateway.models import TransactionStatus
from mpesa_gateway.vodacom.codes import CONTENT_REFUSALS


class VodacomRefused(Exception):
    """Vodacom refused the request with a code that means nothing was done (vodacom.codes.REFUSALS)."""

    def __init__(self, http_status: int, code: str, description: str, status: TransactionStatus) -> None:
        super().__init__(f"{code}: {description}")
        self.http_status = http_status
        self.code = code
        self.description = description
        self.status = status

    @property
    def about_content(self) -> bool:
        return self.code in CONTENT_REFUSALS


class VodacomNotSent(Exception):
    """The request never reached Vodacom (no connection, no usable session): surely not done."""


class SessionNotActive(VodacomNotSent):
    """No session of the app is active yet (Vodacom activates a new one some seconds after issuing it)."""


class VodacomOutcomeUnknown(Exception):
    """The request was sent but no answer says it was not acted on: never resent, settled by a query."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
