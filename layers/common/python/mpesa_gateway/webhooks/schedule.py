"""When a failed webhook delivery is tried again, and how many tries there are before the dead-letter queue.

Delays are counted in units of a base (60 s unless WEBHOOK_RETRY_BASE_SECONDS says otherwise, so tests can
compress the whole schedule): after the n-th failed attempt the next one waits 2^(n-1) units, at most
CAP_UNITS (6 h at the default base), plus a random extra of up to JITTER_FRACTION of that, so merchants'
endpoints coming back from an outage are not hit by every queued delivery at the same instant. Jitter only
adds, so the shortest possible schedule is deterministic and can be reasoned about.

The schedule is count-based rather than deadline-based: the queue itself knows how often a message was
received (ApproximateReceiveCount), and the stack sets the queue's maxReceiveCount to MAX_ATTEMPTS, so
SQS moves a delivery to the dead-letter queue exactly when its attempts are spent, with no clock or
bookkeeping of ours. MAX_ATTEMPTS is the smallest count whose shortest schedule still spans the retry
window (72 h at the default base); every delay scales with the base, so the count does not depend on it.
Note for the queue: the longest schedule (every jitter at its maximum) is 1 + JITTER_FRACTION times the
shortest, so the queue's message retention must exceed that (SQS allows up to 14 days).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

BASE_SECONDS_ENV = "WEBHOOK_RETRY_BASE_SECONDS"
DEFAULT_BASE_SECONDS = 60.0
CAP_UNITS = 360
JITTER_FRACTION = 0.25
# 72 hours, in units of the default base.
RETRY_WINDOW_UNITS = 72 * 3600 / DEFAULT_BASE_SECONDS
# ChangeMessageVisibility's largest VisibilityTimeout (12 hours).
SQS_MAX_VISIBILITY_SECONDS = 43200


def retry_base_seconds(environ: Mapping[str, str]) -> float:
    """The base from WEBHOOK_RETRY_BASE_SECONDS, or the default when it is unset or empty.

    A value that is not a positive finite number raises ValueError naming the variable: a schedule
    silently different from the one configured is worse than a function that fails to start.
    """
    raw = environ.get(BASE_SECONDS_ENV, "").strip()
    if not raw:
        return DEFAULT_BASE_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{BASE_SECONDS_ENV} must be a positive number of seconds, not {raw!r}")
    return value


def minimum_delay_units(receive_count: int) -> float:
    """The delay after the receive_count-th failed attempt, before jitter, in units of the base."""
    if receive_count < 1:
        raise ValueError(f"receive counts start at 1, not {receive_count}")
    # Past 2^9 = 512 the cap applies anyway; the exponent bound keeps the number small for any count.
    return float(min(2 ** min(receive_count - 1, 16), CAP_UNITS))


def retry_delay(receive_count: int, base_seconds: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after the receive_count-th failed attempt: the minimum delay plus 0-25 % jitter."""
    minimum = minimum_delay_units(receive_count) * base_seconds
    # Jitter spreads load and protects nothing; by default from `random`'s own generator, which
    # mpesa_gateway.snapstart re-seeds in every copy restored from a snapshot.
    jitter = (rng or random).uniform(0, JITTER_FRACTION)
    return minimum * (1 + jitter)


def delay_seconds_for_sqs(receive_count: int, base_seconds: float, rng: random.Random | None = None) -> int:
    """retry_delay rounded up to whole seconds (what SQS takes) and capped at SQS's largest visibility."""
    return min(math.ceil(retry_delay(receive_count, base_seconds, rng)), SQS_MAX_VISIBILITY_SECONDS)


def minimum_total_units(attempts: int) -> float:
    """The shortest time from the first of `attempts` attempts to the last, in units of the base."""
    return sum(minimum_delay_units(count) for count in range(1, attempts))


def _attempts_covering(window_units: float) -> int:
    attempts = 1
    while minimum_total_units(attempts) < window_units:
        attempts += 1
    return attempts


MAX_ATTEMPTS: int = _attempts_covering(RETRY_WINDOW_UNITS)
