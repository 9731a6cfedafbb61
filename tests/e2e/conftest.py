"""The local stack as `make dev` runs it, in a child process on free loopback ports."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from local.stack import StackDidNotStart, stack_environment
from local.stack import start_stack as local_stack_process

ROOT = Path(__file__).resolve().parents[2]


def start_stack(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`python -m local.dev` on the ports in env, ready; the test fails with its log if it does not start."""
    try:
        return local_stack_process(env, log)
    except StackDidNotStart as exc:
        pytest.fail(str(exc))


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
    # Webhook retries a second apart: the schedule compressed so far (its longest delay, 360 units, is
    # 0.36 s) that every delay rounds up to SQS's whole second; attempts cut at half a second.
    env = stack_environment(
        LOCAL_SCHEDULE_SECONDS="2",
        RECONCILE_AFTER_SECONDS="1",
        WEBHOOK_RETRY_BASE_SECONDS="0.001",
        WEBHOOK_TIMEOUT_SECONDS="0.5",
    )
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
