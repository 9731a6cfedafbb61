"""Daraja APIs that answer at once and move no money (C2B register and simulate, Dynamic QR, SIM swap).

Nothing is tracked for them: Daraja's answer is the whole outcome. Its refusals, even the 5xx ones, are
answered as refusals (nothing was done that a retry could do twice); an answer that never came, or
cannot be read, is a 504 the caller may simply retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mpesa_gateway.daraja.errors import DarajaError, DarajaNotSent, DarajaOutcomeUnknown
from mpesa_gateway.errors import (
    DarajaRejected,
    DarajaRejectedContent,
    DarajaTimeout,
    DarajaUnavailable,
    GatewayError,
)

Answer = TypeVar("Answer", bound=BaseModel)
# How Daraja's refusal of `action` is told to the merchant.
Refusal = Callable[[DarajaError, str], GatewayError]


def refused(error: DarajaError, action: str) -> GatewayError:
    """Daraja's 400s are about the request's content, which the merchant can correct; others are not."""
    rejection = DarajaRejectedContent if error.http_status == 400 else DarajaRejected
    return rejection(f"Daraja refused the {action}: {error.error_message}", daraja_code=error.error_code)


def answered(
    call: Callable[[], dict[str, Any]],
    answer: type[Answer],
    *,
    action: str,
    undone: str,
    refusal: Refusal = refused,
) -> Answer:
    """Daraja's answer to `call` read as `answer`; `undone` says what did not happen when Daraja was
    not reached."""
    unknown = f"Daraja's answer never came: it is unknown whether it did the {action}"
    try:
        return answer.model_validate(call())
    except DarajaError as error:
        raise refusal(error, action) from None
    except DarajaNotSent:
        raise DarajaUnavailable(f"Daraja could not be reached; {undone}") from None
    except DarajaOutcomeUnknown as error:
        if error.daraja_error:
            raise refusal(error.daraja_error, action) from None
        raise DarajaTimeout(unknown) from None
    except ValidationError:
        raise DarajaTimeout(unknown) from None
