"""The markets the simulator serves, their paths, and the per-market field checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask import Blueprint

ENVIRONMENTS = ("sandbox", "openapi")  # test apps and live ones; the simulator treats them alike
API_VERSION = "ipg/v2"
AMOUNT = re.compile(r"\d{1,12}(\.\d{1,2})?")


@dataclass(frozen=True)
class Market:
    name: str  # the path segment, e.g. vodacomTZN
    country: str  # what input_Country must say
    currencies: tuple[str, ...]  # what input_Currency may say
    msisdn_prefix: str  # the country code; a customer number is it plus 9 digits

    def is_msisdn(self, value: Any) -> bool:
        return isinstance(value, str) and is_market_msisdn(value) and value.startswith(self.msisdn_prefix)


MARKETS: dict[str, Market] = {
    market.name: market
    for market in (
        Market("vodacomTZN", "TZN", ("TZS",), "255"),
        Market("vodacomDRC", "DRC", ("USD", "CDF"), "243"),
    )
}
_MSISDN = re.compile("(" + "|".join(market.msisdn_prefix for market in MARKETS.values()) + r")\d{9}")


def is_market_msisdn(value: Any) -> bool:
    """A customer number of any market the simulator serves (rules accept them beside Kenyan ones)."""
    return isinstance(value, str) and _MSISDN.fullmatch(value) is not None


def parse_amount(value: Any, decimals: int) -> Decimal | None:
    """A positive amount string with at most `decimals` significant decimals (e.g. "10", "10.50"), or None."""
    if not isinstance(value, str) or AMOUNT.fullmatch(value) is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    if amount <= 0 or amount != amount.quantize(Decimal(1).scaleb(-decimals)):
        return None
    return amount


def endpoint_paths(endpoint: str) -> dict[str, str]:
    """Market name -> path, one per environment and market: `/sandbox/ipg/v2/vodacomTZN/getSession/`.

    Concrete paths rather than URL variables, so that faults (keyed by path) can target one of them.
    """
    return {
        f"/{environment}/{API_VERSION}/{market}/{endpoint}/": market
        for environment in ENVIRONMENTS
        for market in MARKETS
    }


def is_vodacom_path(path: str) -> bool:
    parts = path.split("/")
    return len(parts) > 4 and parts[1] in ENVIRONMENTS and "/".join(parts[2:4]) == API_VERSION


ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def route(blueprint: Blueprint, endpoint: str, method: str) -> Callable[[ViewT], ViewT]:
    """Registers a view on every environment and market; the view gets its Market as `market`."""

    def register(view: ViewT) -> ViewT:
        for index, (path, market) in enumerate(endpoint_paths(endpoint).items()):
            blueprint.add_url_rule(
                path,
                endpoint=f"{view.__name__}_{index}",
                view_func=view,
                methods=[method],
                defaults={"market": MARKETS[market]},
            )
        return view

    return register
