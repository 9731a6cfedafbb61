"""`python -m local.admin ...`: the admin command line against the running local stack (`make dev`)."""

from __future__ import annotations

import os
import sys

from local.aws import gateway_environment
from mpesa_gateway.admin.cli import main


def configure_environment() -> None:
    """The variables local/dev.py gives the handlers, so the CLI sees the same tables and secrets."""
    os.environ.update(gateway_environment())
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{os.environ.get('LOCAL_AWS_PORT', '3002')}"


if __name__ == "__main__":
    configure_environment()
    sys.exit(main())
