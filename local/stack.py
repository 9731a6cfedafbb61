"""`python -m local.dev` as a child process on free loopback ports: for the e2e tests and the benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from infra.routes import PROJECT_ROOT
from local.apigw.authorizer import CACHE_SECONDS_VARIABLE

READY = "Local gateway ready"
PORT_VARIABLES = ("API_PORT", "SIMULATOR_PORT", "LOCAL_AWS_PORT", "LOCAL_DYNAMODB_PORT")


class StackDidNotStart(RuntimeError):
    """The stack exited, or did not say it was ready in time; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stack_environment(**overrides: str) -> dict[str, str]:
    """This environment, free ports for the API, simulator, moto and DynamoDB Local, the source path, and
    no authorizer cache (a shell's MERCHANT_AUTHORIZER_CACHE_SECONDS would delay what revocation tests
    expect at once); overrides win."""
    return {
        **os.environ,
        **{name: str(free_port()) for name in PORT_VARIABLES},
        CACHE_SECONDS_VARIABLE: "0",
        "PYTHONPATH": os.pathsep.join(
            [str(PROJECT_ROOT / "layers" / "common" / "python"), str(PROJECT_ROOT)]
        ),
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }


def start_stack(env: dict[str, str], log: Path, timeout: float = 60) -> subprocess.Popen[bytes]:
    """Start `python -m local.dev` with its output in log; return once it says it is ready."""
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.dev"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    while READY not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise StackDidNotStart(f"the local stack did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    return process
