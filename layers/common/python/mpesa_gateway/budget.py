"""How long the current invocation may still spend before it must answer.

API Gateway gives up on an integration after 29 s and answers a bare 504 with no transaction id; Lambda
kills the function at its own timeout. Every Daraja call is bounded by what is left of the earlier of
the two, less a margin kept for storing what Daraja said and answering the merchant.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

API_GATEWAY_LIMIT_SECONDS = 29.0
# Kept back from every deadline: enough to write the outcome (with retries) and send the answer.
ANSWER_MARGIN_SECONDS = 4.0


class InvocationContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


_deadline: float = math.inf  # time.monotonic() by which work must stop; none outside an invocation


@contextmanager
def invocation(context: InvocationContext, *, behind_api: bool = True) -> Iterator[None]:
    """Bound the work done inside by this invocation's time (one invocation at a time per container)."""
    global _deadline  # noqa: PLW0603 - one budget per container, for the invocation under way
    allowed = context.get_remaining_time_in_millis() / 1000
    if behind_api:
        allowed = min(allowed, API_GATEWAY_LIMIT_SECONDS)
    _deadline = time.monotonic() + allowed - ANSWER_MARGIN_SECONDS
    try:
        yield
    finally:
        _deadline = math.inf


def remaining() -> float:
    """Seconds left for work that must finish before the answer (inf outside an invocation)."""
    return _deadline - time.monotonic()
