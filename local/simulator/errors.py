"""Daraja's synchronous error answers: `{"requestId", "errorCode", "errorMessage"}`."""

from __future__ import annotations

from flask import Response, jsonify

from local.simulator.ids import new_request_id


class ControlInputError(ValueError):
    """A bad control-API request (/simulator/...); names the field so a test author sees the typo."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class DarajaError(Exception):
    """Raised anywhere in a Daraja view; the app turns it into Daraja's error body."""

    def __init__(self, http_status: int, error_code: str, error_message: str) -> None:
        super().__init__(f"{error_code} {error_message}")
        self.http_status = http_status
        self.error_code = error_code
        self.error_message = error_message


def invalid_field(field: str) -> DarajaError:
    return DarajaError(400, "400.002.02", f"Bad Request - Invalid {field}")


def invalid_payload() -> DarajaError:
    return DarajaError(400, "400.002.05", "Invalid Request Payload")


def invalid_grant_type() -> DarajaError:
    return DarajaError(400, "400.008.02", "Invalid grant type passed")


def invalid_authentication() -> DarajaError:
    return DarajaError(400, "400.008.01", "Invalid Authentication passed")


def invalid_access_token() -> DarajaError:
    return DarajaError(404, "404.001.03", "Invalid Access Token")


def overloaded(message: str) -> DarajaError:
    # Daraja reuses 500.001.1001 for unrelated conditions; only the message tells them apart.
    return DarajaError(500, "500.001.1001", message)


def error_response(error: DarajaError) -> tuple[Response, int]:
    body = {
        "requestId": new_request_id(),
        "errorCode": error.error_code,
        "errorMessage": error.error_message,
    }
    return jsonify(body), error.http_status
