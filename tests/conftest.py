"""Fixtures every tier shares."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from mpesa_gateway import config, runtime
from mpesa_gateway.store import dynamo


def reset_gateway_caches() -> None:
    """Forget what a Lambda container keeps between invocations (settings, clients, tokens, secrets)."""
    config.get_settings.cache_clear()
    dynamo.table.cache_clear()
    parameters.clear_caches()
    for value in vars(runtime).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()
