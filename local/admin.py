"""`python -m local.admin ...`: the admin command line against the running local stack (`make dev`)."""

from __future__ import annotations

import os
import sys

from admin.cli import main
from local.aws import endpoint_environment, gateway_environment
from local.dev import HOST, Ports


def configure_environment() -> None:
    """The variables local/dev.py gives the handlers, so the CLI sees the same tables and secrets."""
    os.environ.update(gateway_environment())
    ports = Ports.from_env()
    os.environ.update(endpoint_environment(HOST, moto_port=ports.aws, dynamodb_port=ports.dynamodb))


if __name__ == "__main__":
    configure_environment()
    sys.exit(main())
