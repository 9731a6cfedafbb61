"""The token economy at small scale: Lambda-like containers (spawned processes, each its own memory)
pushing STK at once through the real handlers share one Daraja token, against a simulator that kills
the previous token at every OAuth call (bench/token_economy.py runs the same at size)."""

from __future__ import annotations

from bench.token_economy import gateway_container, load, local_services
from local.in_process import reset_gateway_caches


def test_concurrent_containers_make_one_oauth_call_and_no_push_meets_an_invalid_token() -> None:
    reset_gateway_caches()  # the seeding here must reach this test's DynamoDB Local and moto
    try:
        with local_services() as simulator:
            figures = load(simulator, gateway_container, workers=4, pushes=20)
    finally:
        reset_gateway_caches()
    assert figures.accepted == 80
    assert figures.oauth_calls == 1  # one container fetched it, the other three waited and reused it
    assert figures.refused_invalid_token == 0  # Daraja never saw a token another container had killed
    assert figures.failed == 0
