"""simSwap: Daraja's Swap API, read-only and answered at once, so nothing is tracked or stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.daraja.payloads import SimSwapBody
from mpesa_gateway.errors import DarajaRejected, InvalidRequest
from mpesa_gateway.models import PaymentApp
from mpesa_gateway.phone import normalise_msisdn
from mpesa_gateway.simswap.models import SUCCESS_CODE, DarajaSimSwap, SimSwapAnswer, SimSwapQuery
from mpesa_gateway.synchronous import answered

SWAP_PATH = "/imsi/v2/checkATI"
ACTION = "SIM swap check"


def customer_number(phone_number: str) -> str:
    try:
        return normalise_msisdn(phone_number)
    except ValueError as error:
        raise InvalidRequest(f"phone_number {error}", field="phone_number") from None


class SimSwapService:
    def __init__(self, apps: AppDirectory, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._apps = apps
        self._clock = clock

    def last_swap(self, app: PaymentApp, phone_number: str, query: SimSwapQuery) -> SimSwapAnswer:
        body = SimSwapBody(customerNumber=customer_number(phone_number))
        client = self._apps.daraja(app, self._apps.credentials(app))
        answer = answered(
            lambda: client.post(SWAP_PATH, body), DarajaSimSwap, action=ACTION, undone="no number was checked"
        )
        if answer.responseCode != SUCCESS_CODE or not answer.lastSwapDate:
            # Daraja's own refusal inside a successful HTTP answer.
            raise DarajaRejected(
                f"Daraja refused the {ACTION}: {answer.responseDesc or 'no swap date given'}",
                daraja_code=answer.responseCode,
            )
        last_swap = answer.last_swap
        swapped_within = None
        if query.within_days is not None:
            since = self._clock() - timedelta(days=query.within_days)
            swapped_within = last_swap is not None and last_swap >= since
        return SimSwapAnswer(
            phone_number=body.customerNumber,
            last_swap_at=last_swap,
            within_days=query.within_days,
            swapped_within=swapped_within,
            requestRefID=answer.requestRefID,
        )
