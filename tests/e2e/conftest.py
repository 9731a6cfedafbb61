"""The local stack as `make dev` runs it, in a child process on free loopback ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
READY = "Local gateway ready"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stack_environment(**overrides: str) -> dict[str, str]:
    """What `python -m local.dev` needs to run on free ports: API, simulator, moto, DynamoDB Local."""
    ports = ("API_PORT", "SIMULATOR_PORT", "LOCAL_AWS_PORT", "LOCAL_DYNAMODB_PORT")
    return {
        **os.environ,
        **{name: str(free_port()) for name in ports},
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "common" / "python"), str(ROOT)]),
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }


def start_stack(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`python -m local.dev`, its output to log; returns once it says it is ready (fails the test if not)."""
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.dev"], cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while READY not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            pytest.fail(f"local stack did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    return process


@dataclass(frozen=True)
class LocalStack:
    api: str
    simulator: str
    env: dict[str, str]  # what the stack was started with (ports, PYTHONPATH)
    process: subprocess.Popen
    log: Path


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    # Scheduled functions (the reconciler) every 2 s, and settle pushes older than 1 s.
    env = stack_environment(LOCAL_SCHEDULE_SECONDS="2", RECONCILE_AFTER_SECONDS="1")
    log = tmp_path_factory.mktemp("local-stack") / "dev.log"
    process = start_stack(env, log)
    stack = LocalStack(
        f"http://127.0.0.1:{env['API_PORT']}", f"http://127.0.0.1:{env['SIMULATOR_PORT']}", env, process, log
    )
    try:
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)


def admin(stack: LocalStack, *argv: str, expect: int = 0) -> dict:
    """The management CLI, run as an operator would, against this stack."""
    done = subprocess.run(
        [sys.executable, "-m", "local.admin", *argv],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == expect, done.stderr
    return json.loads(done.stdout or done.stderr)


@pytest.fixture(autouse=True)
def _clean_simulator(local_stack: LocalStack) -> None:
    requests.delete(f"{local_stack.simulator}/simulator/rules", timeout=5).raise_for_status()
