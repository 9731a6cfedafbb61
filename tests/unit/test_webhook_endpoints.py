"""A webhook delivery attempt over the one way out (tested itself in test_outbound.py): the answer is read
up to the webhook's small bound, and what comes back is the bare Attempt that the event records, never
the answer's bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mpesa_gateway import outbound
from mpesa_gateway.webhooks.endpoints import MAX_ANSWER_BYTES, MAX_URL_LENGTH, Attempt, check_url, post


def test_a_delivery_reads_at_most_the_webhook_bound_and_returns_the_bare_attempt(monkeypatch):
    attempt = Attempt(at=datetime.now(UTC), status_code=200, latency_ms=12, error=None)
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def transport(*args: Any, **kwargs: Any) -> outbound.Outcome:
        calls.append((args, kwargs))
        return outbound.Outcome(attempt=attempt, refused=False, answer=b"secret-ish answer", complete=True)

    monkeypatch.setattr(outbound, "post", transport)

    sent = post("https://hooks.example.com/h", b"{}", {"X": "1"}, timeout_seconds=2.5, local_mode=False)

    assert sent is attempt
    assert sent.model_dump().keys() == {"at", "status_code", "latency_ms", "error"}  # what the event stores
    assert calls == [
        (
            ("https://hooks.example.com/h", b"{}", {"X": "1"}),
            {"timeout_seconds": 2.5, "local_mode": False, "max_answer_bytes": MAX_ANSWER_BYTES},
        )
    ]
    assert MAX_ANSWER_BYTES == 4096


def test_the_webhook_names_are_the_transports_own():
    # The events package imports these from here; they are the one implementation, not copies.
    assert (check_url, Attempt, MAX_URL_LENGTH) == (outbound.check_url, outbound.Attempt, 2048)
