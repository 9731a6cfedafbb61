"""Per market: the path segment, country, currencies and their decimals, and customers' numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from mpesa_gateway.errors import InvalidRequest, OperationNotAllowed
from mpesa_gateway.models import Driver, PaymentApp

_SEPARATORS = re.compile(r"[\s\-().]")
# Decimal places each currency's amounts may carry. M-Pesa Tanzania moves whole shillings; dollars and
# Congolese francs have cents.
DECIMALS: dict[str, int] = {"TZS": 0, "USD": 2, "CDF": 2}


@dataclass(frozen=True)
class Market:
    name: str  # the path segment: /ipg/v2/{name}/...
    country: str  # input_Country
    calling_code: str  # customers' MSISDNs: this, then 9 digits
    currencies: tuple[str, ...]  # the first is the default
    label: str

    def msisdn(self, value: str) -> str:
        """A customer's number as Vodacom takes it (calling code + 9 digits), from +…, 0… or 9-digit forms."""
        text = _SEPARATORS.sub("", value)
        match = re.fullmatch(rf"(?:\+?{self.calling_code}|0)?([1-9][0-9]{{8}})", text)
        if not match:
            raise InvalidRequest(
                f"phone_number must be a {self.label} mobile number such as {self.calling_code}7XXXXXXXX",
                field="phone_number",
            )
        return self.calling_code + match.group(1)

    def currency(self, app: PaymentApp, requested: str | None) -> str:
        currency = (requested or app.currency or self.currencies[0]).upper()
        if currency not in self.currencies:
            raise InvalidRequest(
                f"currency must be one of {', '.join(self.currencies)} in {self.label}", field="currency"
            )
        return currency


TANZANIA = Market("vodacomTZN", "TZN", "255", ("TZS",), "Tanzanian")
CONGO = Market("vodacomDRC", "DRC", "243", ("USD", "CDF"), "Congolese (DRC)")
MARKETS: dict[Driver, Market] = {Driver.TANZANIA: TANZANIA, Driver.CONGO: CONGO}


def market_of(app: PaymentApp) -> Market:
    return MARKETS[app.driver]


def no_balance_query(app: PaymentApp) -> NoReturn:
    """The seed lists checkBalance for these drivers, but Vodacom's OpenAPI (ipg/v2) has no balance
    query for either market."""
    raise OperationNotAllowed(
        "Vodacom's M-Pesa OpenAPI has no balance query for Tanzania or the DRC: checkBalance is not "
        "available for MpesaTz and MpesaCongo apps (see the M-Pesa portal instead)",
        driver=app.driver.value,
    )


def exact_amount(amount: Decimal | int | str, currency: str, field: str = "amount") -> str:
    """The amount as Vodacom takes it: positive, with no more decimals than its currency has."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise InvalidRequest(f"{field} must be a number", field=field) from None
    places = DECIMALS[currency]
    if not value.is_finite() or value <= 0:
        raise InvalidRequest(f"{field} must be above zero", field=field)
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise InvalidRequest(f"{field} has more than {places} decimal places for {currency}", field=field)
    return f"{value:.{places}f}"
