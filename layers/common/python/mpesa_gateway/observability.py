"""Powertools Logger, Metrics and (when tracing is on) Tracer shared by every module of a function."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics

Handler = TypeVar("Handler", bound=Callable[..., Any])

# What X-Ray records subsegments for: AWS calls (boto3) and Daraja and webhook calls (requests).
TRACED_MODULES = ("botocore", "requests")

logger = Logger()
metrics = Metrics()


def traced(handler: Handler) -> Handler:
    """The handler under Powertools' Tracer, or as it is when tracing is off (local runs, tests): the
    X-Ray SDK alone costs a container about 0.4 s of cold start and 20 MB, so it is not imported then."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("true", "1"):
        return handler
    from aws_lambda_powertools import Tracer  # noqa: PLC0415 - only where tracing is on

    # Only the libraries the gateway calls through: patching every one the SDK knows would import
    # each that happens to be installed (httpx alone costs a development machine about 0.3 s).
    tracer = Tracer(patch_modules=TRACED_MODULES)
    # The Tracer's wrapper takes and answers what the handler does.
    return cast("Handler", tracer.capture_lambda_handler(handler))
