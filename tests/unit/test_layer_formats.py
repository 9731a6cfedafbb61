"""daraja.formats: Nairobi-time timestamps and the STK Password."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from mpesa_gateway.daraja.formats import (
    NAIROBI,
    daraja_timestamp,
    nairobi_now,
    parse_daraja_timestamp,
    stk_password,
)
from mpesa_gateway.inputs import load_json, storable

SANDBOX_SHORTCODE = "174379"
SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
# Safaricom's published example Password for the sandbox shortcode at 20160216165627.
PUBLISHED_PASSWORD = (
    "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkx"
    "OTIwMTYwMjE2MTY1NjI3"
)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 15, 11, 30, 0, tzinfo=UTC), "20260315143000"),
        (datetime(2026, 3, 15, 21, 0, 0, tzinfo=UTC), "20260316000000"),  # crosses midnight in Nairobi
        (datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC), "20270101015959"),  # and the year
        (datetime(2024, 2, 28, 21, 0, 0, tzinfo=UTC), "20240229000000"),  # leap day
        (datetime(2026, 3, 15, 14, 30, 0, tzinfo=NAIROBI), "20260315143000"),
        (datetime(2026, 3, 15, 6, 30, 0, tzinfo=timezone(timedelta(hours=-5))), "20260315143000"),
        (datetime(2026, 3, 15, 17, 0, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))), "20260315143000"),
        (datetime(2026, 3, 15, 11, 30, 0, 999_999, tzinfo=UTC), "20260315143000"),  # no rounding up
    ],
)
def test_daraja_timestamp_is_nairobi_wall_time(moment: datetime, expected: str) -> None:
    assert daraja_timestamp(moment) == expected


def test_daraja_timestamp_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        daraja_timestamp(datetime(2026, 3, 15, 14, 30, 0))  # naive on purpose


def test_daraja_timestamp_without_argument_is_now_in_nairobi() -> None:
    before = datetime.now(UTC)
    stamp = daraja_timestamp()
    after = datetime.now(UTC)
    parsed = parse_daraja_timestamp(stamp)
    assert len(stamp) == 14
    assert stamp.isdigit()
    # Second resolution: the parsed instant lies within the second-truncated window of the call.
    assert before.replace(microsecond=0) <= parsed <= after


def test_nairobi_now_is_utc_plus_three() -> None:
    now = nairobi_now()
    assert now.utcoffset() == timedelta(hours=3)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
    assert now.astimezone(UTC).hour == (now.hour - 3) % 24


@pytest.mark.parametrize("value", ["20260315143000", 20260315143000])
def test_parse_daraja_timestamp_reads_nairobi_time(value: str | int) -> None:
    parsed = parse_daraja_timestamp(value)
    assert parsed == datetime(2026, 3, 15, 11, 30, 0, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(hours=3)
    assert parsed.isoformat() == "2026-03-15T14:30:00+03:00"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 15, 11, 30, 0, tzinfo=UTC),
        datetime(2019, 12, 19, 7, 21, 15, tzinfo=UTC),
        datetime(2027, 1, 1, 0, 0, 0, tzinfo=NAIROBI),
    ],
)
@pytest.mark.parametrize("as_int", [False, True])
def test_timestamp_round_trip(moment: datetime, as_int: bool) -> None:
    stamp = daraja_timestamp(moment)
    assert parse_daraja_timestamp(int(stamp) if as_int else stamp) == moment


@pytest.mark.parametrize(
    "value", ["", "2026-03-15 14:30:00", "20261315143000", "not a date", "2026031514300x"]
)
def test_parse_daraja_timestamp_refuses_garbage(value: str) -> None:
    with pytest.raises(ValueError, match=r"does not match|unconverted"):
        parse_daraja_timestamp(value)


def test_stk_password_matches_safaricoms_published_example() -> None:
    assert stk_password(SANDBOX_SHORTCODE, SANDBOX_PASSKEY, "20160216165627") == PUBLISHED_PASSWORD


@pytest.mark.parametrize(
    ("short_code", "passkey", "timestamp"),
    [
        ("174379", SANDBOX_PASSKEY, "20260315143000"),
        ("600984", "another-passkey", "20270101000000"),
    ],
)
def test_stk_password_is_base64_of_shortcode_passkey_timestamp(
    short_code: str, passkey: str, timestamp: str
) -> None:
    password = stk_password(short_code, passkey, timestamp)
    assert base64.b64decode(password, validate=True).decode() == f"{short_code}{passkey}{timestamp}"


# --- what DynamoDB can store as it is ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1.5, "b": [true, null, "x"], "c": {"d": -241571825223026782978965504}}', True),
        ('{"a": 12345678901234567890123456789012345678}', True),  # 38 significant digits
        ('{"a": 1000000000000000000000000000000000000000000000}', True),  # one significant digit
        ('{"a": 2.5e125, "b": 1e-130, "c": 0}', True),
        ('{"a": 123456789012345678901234567890123456789}', False),  # 39
        ('{"a": 1e126}', False),
        ('{"a": 1e-131}', False),
        ('{"a": NaN}', False),
        ('{"a": -Infinity}', False),
        ('{"\\udb3f": 1}', False),  # a lone surrogate
        ('{"a": "\\ud83d\\ude00"}', True),  # a pair: one emoji
        ('{"a": {"": 1}}', False),
    ],
)
def test_storable_says_what_dynamodb_takes_as_it_is(text: str, expected: bool) -> None:
    assert storable(load_json(text)) is expected
