"""C2B URL registration: tell Daraja where to send validation and confirmation requests."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.daraja.errors import DarajaError, DarajaNotSent, DarajaOutcomeUnknown
from mpesa_gateway.errors import (
    DarajaRejected,
    DarajaRejectedContent,
    DarajaTimeout,
    DarajaUnavailable,
    InvalidRequest,
    UrlsAlreadyRegistered,
)
from mpesa_gateway.models import DarajaCredentials, Operation, PaymentApp

REGISTER_PATHS = {"v1": "/mpesa/c2b/v1/registerurl", "v2": "/mpesa/c2b/v2/registerurl"}
# Daraja refuses callback URLs containing these words (longest first, so the message names "exec").
FORBIDDEN_URL_WORDS = ("safaricom", "m-pesa", "mpesa", "query", "exec", "exe", "cmd", "sql")


class RegisterUrlsAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Safaricom's own spelling of the field in this answer.
    OriginatorCoversationID: str
    ResponseCode: str
    ResponseDescription: str
    ConversationID: str = ""


def forbidden_word(url: str) -> str | None:
    lowered = url.lower()
    return next((word for word in FORBIDDEN_URL_WORDS if word in lowered), None)


def c2b_urls(base_url: str, app: PaymentApp, credentials: DarajaCredentials) -> dict[str, str]:
    secret = credentials.callback_secret.get_secret_value()
    prefix = f"{base_url}/api/pay/{app.app_id}"
    return {
        "ValidationURL": f"{prefix}/validateTransaction?secret={secret}",
        "ConfirmationURL": f"{prefix}/callback/confirmation?secret={secret}",
    }


class C2BService:
    def __init__(self, apps: AppDirectory) -> None:
        self._apps = apps

    def register_urls(self, app: PaymentApp, base_url: str) -> dict[str, Any]:
        """Register the gateway's validation and confirmation URLs for the app's short code."""
        if not app.allows(Operation.REGISTER_URLS):
            raise InvalidRequest(f"registerUrls is not available for the {app.driver.value} driver")
        credentials = self._apps.credentials(app)
        urls = c2b_urls(base_url, app, credentials)
        if word := forbidden_word(base_url):
            raise InvalidRequest(
                f"Daraja refuses callback URLs containing '{word}', which this API's base URL {base_url} "
                "contains: serve the API on a custom domain and set PUBLIC_BASE_URL to it",
                field="PUBLIC_BASE_URL",
            )
        payload = {"ShortCode": app.short_code, "ResponseType": app.c2b_response_type.value, **urls}
        try:
            raw = self._apps.daraja(app, credentials).post(REGISTER_PATHS[app.c2b_api_version.value], payload)
            answer = RegisterUrlsAnswer.model_validate(raw)
        except DarajaError as error:
            raise _refusal(error) from None
        except DarajaNotSent:
            raise DarajaUnavailable("Daraja could not be reached; the URLs were not registered") from None
        except (DarajaOutcomeUnknown, ValidationError):
            raise DarajaTimeout(
                "Daraja's answer never came: the URLs may or may not be registered; registering again "
                "will say 'already registered' if they were"
            ) from None
        return {
            "ConversationID": answer.ConversationID,
            "OriginatorConversationID": answer.OriginatorCoversationID,
            "ResponseDescription": answer.ResponseDescription,
        }


def _refusal(error: DarajaError) -> Exception:
    if "already registered" in error.error_message.lower():
        return UrlsAlreadyRegistered(
            "Daraja already has URLs registered for this short code (production allows one registration; "
            "ask Safaricom to delete them to change them)",
            daraja_code=error.error_code,
        )
    rejection = DarajaRejectedContent if error.http_status == 400 else DarajaRejected
    return rejection(f"Daraja refused the registration: {error.error_message}", daraja_code=error.error_code)
