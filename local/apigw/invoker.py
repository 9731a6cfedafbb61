"""Runs the real Lambda handlers, as Lambda would.

Two invokers with one interface (`invoke(function, event)`, `close()`):

- `ContainerInvoker` (`make dev`): each function runs in containers, one process per container
  (`python -m local.apigw.container`), each handling one request at a time. Containers are created on
  demand up to a per-function concurrency, reused while warm and retired when idle; module state is
  private to a container. A call past the function's timeout kills its container; a container that dies
  is replaced by the next request. Each call logs Lambda's REPORT line (with Init Duration when cold).
- `Invoker` (in-process tests): every handler loaded into this interpreter and called under its
  function's lock, so in-process moto (`mock_aws`) reaches the handlers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import re
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from infra.routes import HANDLER_ENTRY, HANDLER_FILE, PROJECT_ROOT, Function, import_file

LambdaHandler = Callable[[dict[str, Any], Any], Any]

logger = logging.getLogger("local.lambda")


class FunctionError(Exception):
    """The function failed: its module did not load, it raised, timed out, died, or its answer is not JSON.

    `error_message` is what Lambda reports as errorMessage (str of the raised exception), which is how
    API Gateway recognises an authorizer's "Unauthorized"; `stack_trace` is the handler's traceback.
    """

    def __init__(self, function_name: str, error_message: str, stack_trace: str = "") -> None:
        super().__init__(f"{function_name}: {error_message}")
        self.function_name = function_name
        self.error_message = error_message
        self.stack_trace = stack_trace


class FunctionTimeout(FunctionError):
    """The function ran past its timeout and its container was killed."""


class FunctionInvoker(Protocol):
    def invoke(self, function: Function, event: dict[str, Any]) -> Any: ...

    def close(self) -> None: ...


@dataclass
class LambdaContext:
    """The attributes and method of the Lambda runtime's context that handlers and Powertools read."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float = field(repr=False)  # time.monotonic() at which Lambda would kill the call
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class FunctionIdentity:
    """What a container knows about the function it runs (sent to the container process as JSON)."""

    name: str
    memory_mb: int
    arn: str
    log_stream_name: str

    @classmethod
    def of(cls, function: Function, region: str, account_id: str) -> FunctionIdentity:
        return cls(
            name=function.name,
            memory_mb=function.memory_mb,
            arn=f"arn:aws:lambda:{region}:{account_id}:function:{function.name}",
            log_stream_name=f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
        )

    def context(self, request_id: str, deadline: float) -> LambdaContext:
        return LambdaContext(
            function_name=self.name,
            function_version="$LATEST",
            invoked_function_arn=self.arn,
            memory_limit_in_mb=self.memory_mb,
            aws_request_id=request_id,
            log_group_name=f"/aws/lambda/{self.name}",
            log_stream_name=self.log_stream_name,
            deadline=deadline,
        )


def load_entry(function_name: str, path: Path, module_name: str) -> LambdaHandler:
    """Import the handler file under module_name and return its entry point, as Lambda's init does."""
    if not path.is_file():
        raise FunctionError(function_name, f"Runtime.ImportModuleError: no handler at {path}")
    try:
        module = import_file(path, module_name)
    except Exception as exc:
        # Like a failed Lambda init: nothing is cached, the next request tries again.
        raise FunctionError(function_name, f"Runtime.ImportModuleError: {exc}", _trace(exc)) from exc
    entry = _entry_of(module)
    if entry is None:
        del sys.modules[module_name]
        raise FunctionError(function_name, f"Runtime.HandlerNotFound: {path} has no {HANDLER_ENTRY}()")
    return entry


def _entry_of(module: ModuleType) -> LambdaHandler | None:
    entry = getattr(module, HANDLER_ENTRY, None)
    return entry if callable(entry) else None


def call_entry(
    function_name: str, entry: LambdaHandler, event: dict[str, Any], context: LambdaContext
) -> str:
    """Call the handler; its answer serialised as Lambda sends it (JSON), or FunctionError."""
    try:
        answer = entry(event, context)
    except Exception as exc:
        raise FunctionError(function_name, str(exc), _trace(exc)) from exc
    try:
        # Lambda sends the answer as JSON: a Decimal or a set fails there, so it must fail here too.
        return json.dumps(answer)
    except (TypeError, ValueError) as exc:
        raise FunctionError(function_name, f"Runtime.MarshalError: {exc}") from exc


def _trace(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


class Invoker:
    """In process: loads each function's handler once and calls it under that function's own lock.

    A handler module keeps per-invocation state (its resolver's context), so two overlapping calls into
    one module would see each other's; different functions run in parallel (mpesa_gateway.api keeps
    each thread's current event apart, which Powertools alone keeps on a class shared by all).
    """

    def __init__(self, functions_dir: Path, region: str, account_id: str) -> None:
        self._functions_dir = functions_dir
        self._region = region
        self._account_id = account_id
        self._loaded: dict[str, tuple[threading.Lock, list[tuple[LambdaHandler, FunctionIdentity]]]] = {}
        self._loaded_lock = threading.Lock()

    def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        """Call the function with the event; return its answer as Lambda would serialise it."""
        with self._loaded_lock:
            lock, slot = self._loaded.setdefault(function.name, (threading.Lock(), []))
        with lock:
            if not slot:
                slot.append(
                    (self._load(function), FunctionIdentity.of(function, self._region, self._account_id))
                )
            entry, identity = slot[0]
            context = identity.context(str(uuid.uuid4()), time.monotonic() + function.timeout_seconds)
            return json.loads(call_entry(function.name, entry, event, context))

    def _load(self, function: Function) -> LambdaHandler:
        """Import functions_dir/<name>/handler.py under a module name of its own: every file is handler.py."""
        path = self._functions_dir / function.name / HANDLER_FILE
        # Unique per file too, so two apps in one process (tests) never swap each other's modules.
        digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
        module_name = f"_local_lambda_{re.sub(r'[^0-9A-Za-z_]', '_', function.name)}_{digest}"
        return load_entry(function.name, path, module_name)

    def close(self) -> None:
        """Nothing runs outside this process."""


# --- containers ------------------------------------------------------------------------------------


def _positive(name: str, default: str) -> float:
    raw = os.environ.get(name, default)
    try:
        value = float(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"{name} must be a positive number, got {raw!r}")
    return value


@dataclass(frozen=True)
class ContainerSettings:
    """How many containers a function may have at once, and how long an idle one stays warm."""

    concurrency: int = 4
    idle_seconds: float = 300.0
    layer_dirs: tuple[Path, ...] = ()

    @classmethod
    def from_env(cls, layer_dirs: Sequence[Path] = ()) -> ContainerSettings:
        """LOCAL_FUNCTION_CONCURRENCY (default 4) and LOCAL_FUNCTION_IDLE_SECONDS (default 300)."""
        concurrency = _positive("LOCAL_FUNCTION_CONCURRENCY", "4")
        if concurrency != int(concurrency):
            raise ValueError(f"LOCAL_FUNCTION_CONCURRENCY must be a whole number, got {concurrency:g}")
        return cls(
            concurrency=int(concurrency),
            idle_seconds=_positive("LOCAL_FUNCTION_IDLE_SECONDS", "300"),
            layer_dirs=tuple(layer_dirs),
        )


class _Container:
    """One container: a `python -m local.apigw.container` process and the socket to talk to it."""

    def __init__(self, identity: FunctionIdentity, code_dir: Path, env: dict[str, str]) -> None:
        self.identity = identity
        ours, theirs = socket.socketpair()
        with theirs:
            self.process = subprocess.Popen(  # noqa: S603 (this interpreter, a fixed module)
                [
                    sys.executable,
                    "-m",
                    "local.apigw.container",
                    str(theirs.fileno()),
                    json.dumps(vars(identity)),
                ],
                cwd=code_dir,  # Lambda's working directory and first sys.path entry: the function's code
                env=env,
                stdin=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
            )
        self._connection = Connection(ours.detach())
        self.last_used = time.monotonic()

    def wait_ready(self, deadline: float) -> None:
        """Wait for the handler's import (Lambda's init phase); FunctionError if it fails or overruns."""
        kind, payload = self._receive(deadline)
        if kind != "ready":
            self.kill()
            raise FunctionError(self.identity.name, payload["message"], payload["trace"])

    def call(self, event: dict[str, Any], request_id: str, deadline: float) -> tuple[str, int]:
        """The handler's JSON answer and the container's max memory (MB), or FunctionError."""
        try:
            self._connection.send((event, request_id, deadline))
        except OSError as exc:
            self.kill()
            raise FunctionError(
                self.identity.name, f"Runtime.ExitError: the container is gone ({exc})"
            ) from exc
        kind, payload = self._receive(deadline)
        if kind == "error":
            raise FunctionError(self.identity.name, payload["message"], payload["trace"])
        return payload["answer"], payload["max_memory_mb"]

    def _receive(self, deadline: float) -> tuple[str, dict[str, Any]]:
        try:
            if self._connection.poll(max(0.0, deadline - time.monotonic())):
                message: tuple[str, dict[str, Any]] = self._connection.recv()
                return message
        except (EOFError, OSError):
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=2)  # it closed its end: it is exiting
            self.kill()
            raise FunctionError(
                self.identity.name, f"Runtime.ExitError: the container exited with {self.process.returncode}"
            ) from None
        self.kill()
        raise FunctionTimeout(self.identity.name, "Task timed out")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._connection.close()


class _Pool:
    """One function's containers: idle ones, and how many exist (busy, idle or starting)."""

    def __init__(self) -> None:
        self.idle: list[_Container] = []
        self.live: set[_Container] = set()
        self.count = 0
        self.changed = threading.Condition()


class ContainerInvoker:
    """Runs each function in its own containers (processes), as Lambda does."""

    def __init__(
        self, functions_dir: Path, region: str, account_id: str, settings: ContainerSettings
    ) -> None:
        self._functions_dir = functions_dir
        self._region = region
        self._account_id = account_id
        self._settings = settings
        self._pools: dict[str, _Pool] = {}
        self._pools_lock = threading.Lock()
        self._closed = threading.Event()
        threading.Thread(target=self._retire_idle, name="retire-idle-containers", daemon=True).start()

    def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        """Call the function with the event in a warm container, or a new one if none is free."""
        pool = self._pool(function.name)
        container = self._take(pool)
        init_ms: float | None = None
        if container is None:
            container, init_ms = self._start(function, pool, time.monotonic() + function.timeout_seconds)
        request_id = str(uuid.uuid4())
        call_started = time.monotonic()
        memory_used: int | None = None
        try:
            answer, memory_used = container.call(event, request_id, call_started + function.timeout_seconds)
        except FunctionTimeout:
            self._discard(pool, container)
            logger.error(
                "%s %s Task timed out after %d seconds", function.name, request_id, function.timeout_seconds
            )
            raise
        except FunctionError:
            if container.process.poll() is None:
                self._give_back(pool, container)
            else:
                self._discard(pool, container)
            raise
        else:
            self._give_back(pool, container)
        finally:
            self._report(function, request_id, call_started, memory_used, init_ms)
        return json.loads(answer)

    @staticmethod
    def _report(
        function: Function, request_id: str, started: float, memory_used: int | None, init_ms: float | None
    ) -> None:
        """Lambda's REPORT line, with Init Duration on a cold start."""
        duration_ms = (time.monotonic() - started) * 1000
        report = (
            f"{function.name} REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {math.ceil(duration_ms)} ms\tMemory Size: {function.memory_mb} MB"
        )
        if memory_used is not None:
            report += f"\tMax Memory Used: {memory_used} MB"
        if init_ms is not None:
            report += f"\tInit Duration: {init_ms:.2f} ms"
        logger.info(report)

    def _pool(self, name: str) -> _Pool:
        with self._pools_lock:
            return self._pools.setdefault(name, _Pool())

    def _take(self, pool: _Pool) -> _Container | None:
        """A warm container (the most recently used), or None when a new one may be started."""
        with pool.changed:
            while not pool.idle and pool.count >= self._settings.concurrency:
                if self._closed.is_set():
                    raise FunctionError("local", "the local stack is stopping")
                # Lambda would throttle past its reserved concurrency; locally the request waits its turn.
                pool.changed.wait(1.0)
            if self._closed.is_set():
                raise FunctionError("local", "the local stack is stopping")
            if pool.idle:
                return pool.idle.pop()
            pool.count += 1
            return None

    def _start(self, function: Function, pool: _Pool, deadline: float) -> tuple[_Container, float]:
        started = time.monotonic()
        code_dir = self._functions_dir / function.name
        try:
            if not (code_dir / HANDLER_FILE).is_file():
                raise FunctionError(
                    function.name, f"Runtime.ImportModuleError: no handler at {code_dir / HANDLER_FILE}"
                )
            identity = FunctionIdentity.of(function, self._region, self._account_id)
            container = _Container(identity, code_dir, self._environment(function, identity))
        except BaseException:
            self._discard(pool, None)
            raise
        with pool.changed:
            pool.live.add(container)
        if self._closed.is_set():
            container.process.kill()
        try:
            container.wait_ready(deadline)
        except FunctionError:
            self._discard(pool, container)
            raise
        return container, (time.monotonic() - started) * 1000

    def _environment(self, function: Function, identity: FunctionIdentity) -> dict[str, str]:
        """This process's environment (the stack's settings), the layer on the path, Lambda's variables."""
        paths = [*map(str, self._settings.layer_dirs), str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]
        return {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(path for path in paths if path),
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": identity.log_stream_name,
            "AWS_REGION": self._region,
            "LAMBDA_TASK_ROOT": str(self._functions_dir / function.name),
        }

    def _give_back(self, pool: _Pool, container: _Container) -> None:
        if self._closed.is_set():
            self._discard(pool, container)
            return
        container.last_used = time.monotonic()
        with pool.changed:
            pool.idle.append(container)
            pool.changed.notify()

    def _discard(self, pool: _Pool, container: _Container | None) -> None:
        if container is not None:
            container.kill()
        with pool.changed:
            pool.live.discard(container)
            pool.count -= 1
            pool.changed.notify()

    def _retire_idle(self) -> None:
        period = min(5.0, self._settings.idle_seconds / 4)
        while not self._closed.wait(period):
            self._retire(
                lambda container: time.monotonic() - container.last_used > self._settings.idle_seconds
            )

    def _retire(self, condition: Callable[[_Container], bool]) -> None:
        with self._pools_lock:
            pools = list(self._pools.values())
        for pool in pools:
            with pool.changed:
                leaving = [container for container in pool.idle if condition(container)]
                pool.idle = [container for container in pool.idle if container not in leaving]
                pool.live.difference_update(leaving)
                pool.count -= len(leaving)
                pool.changed.notify_all()
            for container in leaving:
                container.kill()

    def containers(self) -> dict[str, int]:
        """How many containers each function has (busy or idle)."""
        with self._pools_lock:
            return {name: pool.count for name, pool in self._pools.items() if pool.count}

    def close(self) -> None:
        """Kill every container: idle ones are removed now, busy ones' calls fail and discard them."""
        self._closed.set()
        self._retire(lambda container: True)
        with self._pools_lock:
            pools = list(self._pools.values())
        for pool in pools:
            with pool.changed:
                busy = list(pool.live)
                pool.changed.notify_all()
            for container in busy:
                # The process only: the thread waiting on its socket sees it end and closes the socket.
                container.process.kill()
            for container in busy:
                container.process.wait()
