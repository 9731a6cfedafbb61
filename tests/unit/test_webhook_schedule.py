"""The webhook retry schedule: delays double then cap, jitter only adds, the attempt count spans 72 hours
at its shortest, SQS gets whole seconds within its limit, and the base comes from the environment."""

from __future__ import annotations

import random

import pytest

from infra.queues import WEBHOOK_DELIVERIES
from mpesa_gateway.webhooks import schedule
from mpesa_gateway.webhooks.schedule import (
    CAP_UNITS,
    DEFAULT_BASE_SECONDS,
    JITTER_FRACTION,
    MAX_ATTEMPTS,
    SQS_MAX_VISIBILITY_SECONDS,
    delay_seconds_for_sqs,
    minimum_delay_units,
    minimum_total_units,
    retry_base_seconds,
    retry_delay,
)

HOURS_72 = 72 * 3600


class _Extreme(random.Random):
    """A generator whose uniform() always gives its lowest or highest value."""

    def __init__(self, highest: bool) -> None:
        super().__init__(0)
        self.highest = highest

    def uniform(self, a: float, b: float) -> float:
        return b if self.highest else a


LOWEST, HIGHEST = _Extreme(highest=False), _Extreme(highest=True)


def test_delays_double_from_one_base_then_stop_at_six_hours():
    delays = [retry_delay(count, 60.0, LOWEST) for count in range(1, 13)]
    assert delays[:10] == [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600]
    assert delays[10:] == [6 * 3600, 6 * 3600]
    assert retry_delay(10_000, 60.0, LOWEST) == 6 * 3600
    assert CAP_UNITS * DEFAULT_BASE_SECONDS == 6 * 3600


def test_delays_scale_with_the_base():
    assert [retry_delay(count, 0.5, LOWEST) for count in (1, 2, 3, 20)] == [0.5, 1.0, 2.0, 180.0]


def test_jitter_only_adds_up_to_a_quarter():
    assert retry_delay(3, 60.0, HIGHEST) == 240 * (1 + JITTER_FRACTION) == 300
    rng = random.Random(7)
    for count in range(1, 25):
        for _ in range(50):
            minimum = minimum_delay_units(count) * 60.0
            assert minimum <= retry_delay(count, 60.0, rng) <= minimum * 1.25


def test_jitter_spreads_delays_out():
    rng = random.Random(11)
    assert len({retry_delay(4, 60.0, rng) for _ in range(20)}) == 20


def test_without_a_generator_the_delay_is_still_within_bounds():
    assert 480 <= retry_delay(4, 60.0) <= 600


def test_receive_counts_start_at_one():
    with pytest.raises(ValueError, match="start at 1, not 0"):
        retry_delay(0, 60.0)


def test_the_attempts_span_72_hours_at_their_shortest_and_one_fewer_would_not():
    assert minimum_total_units(MAX_ATTEMPTS) * DEFAULT_BASE_SECONDS >= HOURS_72
    assert minimum_total_units(MAX_ATTEMPTS - 1) * DEFAULT_BASE_SECONDS < HOURS_72
    # The shortest schedule, summed from the delays themselves, agrees at any base.
    for base in (60.0, 0.01, 3.5):
        shortest = sum(retry_delay(count, base, LOWEST) for count in range(1, MAX_ATTEMPTS))
        window = HOURS_72 * base / DEFAULT_BASE_SECONDS
        assert shortest >= window
        assert shortest - retry_delay(MAX_ATTEMPTS - 1, base, LOWEST) < window


def test_the_longest_schedule_fits_in_four_days():
    # What the queue's message retention must exceed; SQS's default retention is 4 days.
    longest = sum(retry_delay(count, 60.0, HIGHEST) for count in range(1, MAX_ATTEMPTS))
    assert HOURS_72 < longest < 4 * 24 * 3600


def test_max_attempts_is_computed():
    assert MAX_ATTEMPTS == 21
    # SQS moves a delivery to the dead-letter queue once its attempts are spent, not before.
    assert WEBHOOK_DELIVERIES.max_receive_count == MAX_ATTEMPTS
    assert schedule._attempts_covering(1) == 2
    assert schedule._attempts_covering(0) == 1


def test_sqs_delays_are_whole_seconds_rounded_up_and_capped():
    assert delay_seconds_for_sqs(1, 0.01, LOWEST) == 1
    assert delay_seconds_for_sqs(1, 60.5, LOWEST) == 61
    assert delay_seconds_for_sqs(3, 60.0, HIGHEST) == 300
    assert isinstance(delay_seconds_for_sqs(2, 60.0), int)
    # A base large enough to push the cap past 12 hours still gives SQS a value it accepts.
    assert delay_seconds_for_sqs(30, 200.0, HIGHEST) == SQS_MAX_VISIBILITY_SECONDS


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, 60.0),
        ({"WEBHOOK_RETRY_BASE_SECONDS": ""}, 60.0),
        ({"WEBHOOK_RETRY_BASE_SECONDS": "  "}, 60.0),
        ({"WEBHOOK_RETRY_BASE_SECONDS": "0.05"}, 0.05),
        ({"WEBHOOK_RETRY_BASE_SECONDS": " 2 "}, 2.0),
        ({"OTHER": "5"}, 60.0),
    ],
)
def test_the_base_comes_from_the_environment(environ, expected):
    assert retry_base_seconds(environ) == expected


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf", "1e999", "60s"])
def test_a_bad_base_is_refused_naming_the_variable(value):
    with pytest.raises(ValueError, match=f"WEBHOOK_RETRY_BASE_SECONDS must be a positive number.*{value}"):
        retry_base_seconds({"WEBHOOK_RETRY_BASE_SECONDS": value})
