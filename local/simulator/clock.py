"""Daraja's clock is Nairobi time (UTC+3), whatever the host's zone is; lifetimes run on a monotonic clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

NAIROBI = ZoneInfo("Africa/Nairobi")
TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"

# Seconds on a monotonic clock (time.monotonic in a running simulator); tests pass their own to
# create_app, so that delays and lifetimes pass without sleeping.
Monotonic = Callable[[], float]


def nairobi_now() -> datetime:
    return datetime.now(NAIROBI)


def daraja_timestamp(moment: datetime) -> str:
    return moment.astimezone(NAIROBI).strftime(TIMESTAMP_FORMAT)


def parse_daraja_timestamp(value: str) -> datetime | None:
    """The Nairobi moment a `YYYYMMDDHHmmss` string names, or None when it is not one."""
    if len(value) != len("YYYYMMDDHHmmss") or not value.isascii() or not value.isdigit():
        return None
    try:
        return datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=NAIROBI)
    except ValueError:
        return None


def is_recent(moment: datetime, tolerance_seconds: int) -> bool:
    return abs(nairobi_now() - moment) <= timedelta(seconds=tolerance_seconds)
