"""Daraja's formats: Nairobi-time timestamps, the STK Password, identifiers sent as numbers or text."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import BeforeValidator

# Kenya keeps UTC+3 all year (no DST since 1942); a fixed offset avoids needing tzdata on Lambda,
# whose clock is UTC. Daraja rejects UTC timestamps as "Invalid Timestamp" / "Wrong credentials".
NAIROBI = timezone(timedelta(hours=3), "EAT")
TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"


def nairobi_now() -> datetime:
    return datetime.now(UTC).astimezone(NAIROBI)


def daraja_timestamp(moment: datetime | None = None) -> str:
    """YYYYMMDDHHmmss in Nairobi time; a naive moment is refused rather than guessed."""
    moment = moment or nairobi_now()
    if moment.tzinfo is None:
        raise ValueError("timestamp needs an aware datetime")
    return moment.astimezone(NAIROBI).strftime(TIMESTAMP_FORMAT)


def parse_daraja_timestamp(value: str | int) -> datetime:
    """Daraja's YYYYMMDDHHmmss (Nairobi time) as an aware datetime."""
    return datetime.strptime(str(value), TIMESTAMP_FORMAT).replace(tzinfo=NAIROBI)


def stk_password(short_code: str, passkey: str, timestamp: str) -> str:
    """base64(ShortCode + Passkey + Timestamp), as Lipa Na M-Pesa Online requires."""
    return base64.b64encode(f"{short_code}{passkey}{timestamp}".encode()).decode("ascii")


def _text(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else str(value)


# A field Daraja's samples show as text that may come as a number ("ResponseCode": 0): read as text.
DarajaText = Annotated[str, BeforeValidator(_text)]
