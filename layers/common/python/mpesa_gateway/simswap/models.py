"""GET /api/pay/{app}/simSwap/{phone_number}: the query, Daraja's answer and the gateway's.

Daraja's Swap API (`/imsi/v2/checkATI`, Safaricom's portal documentation "Swap") takes
{"customerNumber": "2547XXXXXXXX"} and answers requestRefID, responseCode ("200" on success),
responseDesc and lastSwapDate ("01-01-1900 00:00" when the SIM was swapped more than 3 months ago, or
never). The IMSI product's `/imsi/v1/checkATI` answers the same fields and more (a hashed IMSI, the
number's registration date), at a higher price per call; the gateway asks the Swap product.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mpesa_gateway.answers import Answer, omitted
from mpesa_gateway.daraja.formats import NAIROBI, DarajaText

# What lastSwapDate looks like: with minutes in the Swap product's sample, a bare date in the IMSI one's.
SWAP_DATE_FORMATS = ("%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y")
# Daraja's "no swap within 3 months" date.
NO_RECENT_SWAP_YEAR = 1900
SUCCESS_CODE = "200"
# Daraja reports swaps of the last 3 months only, and 3 months can be as short as 89 days (February to
# April): a longer window could not tell "no swap" from "swapped before Daraja looks".
MAX_WITHIN_DAYS = 89


class SimSwapQuery(BaseModel):
    """GET /api/pay/{app}/simSwap/{phone_number} query parameters."""

    model_config = ConfigDict(extra="forbid")

    within_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_WITHIN_DAYS,
        description=f"Also say whether the SIM was swapped within this many days (1-{MAX_WITHIN_DAYS})",
    )


def swap_moment(value: str) -> datetime | None:
    """lastSwapDate as a Nairobi moment; None for Daraja's 01-01-1900 (no swap within 3 months)."""
    text = value.strip()
    for layout in SWAP_DATE_FORMATS:
        try:
            moment = datetime.strptime(text, layout).replace(tzinfo=NAIROBI)
        except ValueError:
            continue
        return None if moment.year <= NO_RECENT_SWAP_YEAR else moment
    raise ValueError(f"not a date Daraja writes: {value[:40]!r}")


class DarajaSimSwap(BaseModel):
    model_config = ConfigDict(extra="ignore")

    requestRefID: DarajaText | None = None
    responseCode: DarajaText
    responseDesc: DarajaText | None = None
    lastSwapDate: str | None = None

    @field_validator("lastSwapDate")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        # Only a success must carry a date; an unreadable one makes the whole answer unreadable.
        if value:
            swap_moment(value)
        return value

    @property
    def last_swap(self) -> datetime | None:
        return swap_moment(self.lastSwapDate) if self.lastSwapDate else None


class SimSwapAnswer(Answer):
    """simSwap: when the number's SIM card was last swapped, as far as Daraja looks back."""

    phone_number: str
    last_swap_at: datetime | None = Field(
        description="When the SIM card was last swapped (Nairobi time); null when not within the last 3 "
        "months, which is as far as Daraja looks back (it answers 01-01-1900)"
    )
    within_days: int | None = omitted("The window asked about, in days")
    swapped_within: bool | None = omitted("Whether the last swap falls within `within_days` days of now")
    requestRefID: str | None = omitted("Daraja's id of the check")
