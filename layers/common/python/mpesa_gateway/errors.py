"""Typed errors, each with its HTTP status and a stable code for the JSON error body."""

from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_body(self) -> dict[str, Any]:
        """The stable error body: {"error": {"code", "message", ...details}}."""
        return {"error": {"code": self.code, "message": self.message, **self.details}}


class InvalidRequest(GatewayError):
    status = 400
    code = "invalid_request"


class OperationNotAllowed(GatewayError):
    status = 400
    code = "operation_not_allowed"


class Unauthorized(GatewayError):
    status = 401
    code = "unauthorized"


class InvalidClient(GatewayError):
    """Wrong client credentials at the token endpoint (OAuth 2.0's invalid_client)."""

    status = 401
    code = "invalid_client"


class AppForbidden(GatewayError):
    """Unknown and foreign apps get the same answer, so a merchant learns nothing about others' apps."""

    status = 403
    code = "app_forbidden"


class CallbackForbidden(GatewayError):
    status = 403
    code = "callback_forbidden"


class NotFound(GatewayError):
    status = 404
    code = "not_found"


class IdempotencyConflict(GatewayError):
    """The Idempotency-Key is in use by a request still running, or was used for a different request."""

    status = 409
    code = "idempotency_conflict"


class ReversalInFlight(GatewayError):
    """A transaction's reversal is already on its way; a second one could reverse it twice."""

    status = 409
    code = "reversal_in_flight"


class UrlsAlreadyRegistered(GatewayError):
    status = 409
    code = "urls_already_registered"


class PayloadTooLarge(GatewayError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(GatewayError):
    status = 415
    code = "unsupported_media_type"


class NotProcessable(GatewayError):
    """Well-formed input that cannot be acted on (e.g. an SMS that is not a completed transaction)."""

    status = 422
    code = "not_a_transaction"


class DarajaRejected(GatewayError):
    """Daraja refused the request outright: nothing reached the customer. A 4xx (424 Failed Dependency)
    rather than a 5xx: the outcome is known, nothing happened, and 5xx stays reserved for answers that
    leave the merchant unsure."""

    status = 424
    code = "daraja_rejected"


class DarajaRejectedContent(DarajaRejected):
    """Daraja's 400s are about the request's content, which the merchant can correct."""

    status = 400


class DarajaUnavailable(GatewayError):
    """Daraja could not be reached (or was busy); the request was not accepted."""

    status = 503
    code = "daraja_unavailable"


class DarajaTimeout(GatewayError):
    """Daraja got the request but its answer never came; the outcome is unknown."""

    status = 504
    code = "daraja_timeout"


class InvoiceConflict(GatewayError):
    """A Bill Manager invoice cannot do what was asked: its reference names another invoice, or it is paid."""

    status = 409
    code = "invoice_conflict"


class VodacomRejected(GatewayError):
    """Vodacom refused the request with a code that says nothing was done (as DarajaRejected)."""

    status = 424
    code = "vodacom_rejected"


class VodacomRejectedContent(VodacomRejected):
    """Vodacom refused the request's content (amount, number, reference): the merchant can correct it."""

    status = 400


class VodacomUnavailable(GatewayError):
    """Vodacom could not be reached, or the app has no active session yet: nothing was sent; retry."""

    status = 503
    code = "vodacom_unavailable"


# The stores' errors. Not GatewayErrors: a failure of the gateway's own storage is answered like any
# unexpected error (500, details in the logs only), and callbacks are acknowledged once stored.
class StorageError(Exception):
    """The gateway's storage failed a read or write (botocore's error is the cause)."""


class StorageUnavailable(StorageError):
    """Throttled, a server error, or unreachable: the same call may succeed a moment later."""


class StorageConflict(StorageError):
    """A write's condition did not hold where the store expected it to (e.g. the item is gone)."""
