"""Runs the real Lambda handlers in-process, one request at a time per function, as Lambda would."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.routes import HANDLER, Function

LambdaHandler = Callable[[dict[str, Any], Any], Any]


class FunctionError(Exception):
    """The function failed: its module did not load, it raised, or its answer is not JSON.

    `error_message` is what Lambda reports as errorMessage (str of the raised exception), which is how
    API Gateway recognises an authorizer's "Unauthorized".
    """

    def __init__(self, function: Function, error_message: str) -> None:
        super().__init__(f"{function.name}: {error_message}")
        self.function_name = function.name
        self.error_message = error_message


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


@dataclass
class _Container:
    """One warm Lambda container: its lock (one request at a time) and its loaded entry point."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    entry: LambdaHandler | None = None
    log_stream_name: str = ""


class Invoker:
    """Loads each function's handler once and calls it under that function's own lock.

    Powertools' resolvers keep the current event on a module-level object, so two overlapping calls
    into one module would see each other's event; different functions share nothing and run in parallel.
    """

    def __init__(self, functions_dir: Path, region: str, account_id: str) -> None:
        self._functions_dir = functions_dir
        self._region = region
        self._account_id = account_id
        self._containers: dict[str, _Container] = {}
        self._containers_lock = threading.Lock()
        module_path, _, self._entry_name = HANDLER.rpartition(".")
        self._module_file = Path(*module_path.split(".")).with_suffix(".py")

    def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        """Call the function with the event; return its answer as Lambda would serialise it."""
        container = self._container(function.name)
        with container.lock:
            entry = container.entry or self._load(function, container)
            context = self._context(function, container)
            try:
                answer = entry(event, context)
            except Exception as exc:
                raise FunctionError(function, str(exc)) from exc
        try:
            # Lambda sends the answer as JSON: a Decimal or a set fails there, so it must fail here too.
            return json.loads(json.dumps(answer))
        except (TypeError, ValueError) as exc:
            raise FunctionError(function, f"Runtime.MarshalError: {exc}") from exc

    def _container(self, name: str) -> _Container:
        with self._containers_lock:
            return self._containers.setdefault(name, _Container())

    def _load(self, function: Function, container: _Container) -> LambdaHandler:
        """Import functions_dir/<name>/handler.py under a module name of its own: every file is handler.py."""
        path = self._functions_dir / function.name / self._module_file
        # Unique per file too, so two apps in one process (tests) never swap each other's modules.
        digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
        module_name = f"_local_lambda_{re.sub(r'[^0-9A-Za-z_]', '_', function.name)}_{digest}"
        spec = importlib.util.spec_from_file_location(module_name, path) if path.is_file() else None
        if spec is None or spec.loader is None:
            raise FunctionError(function, f"Runtime.ImportModuleError: no handler at {path}")
        module = importlib.util.module_from_spec(spec)
        # Registered before executing so dataclasses, pydantic and pickling can find the module by name.
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            # Like a failed Lambda init: nothing is cached, the next request tries again.
            del sys.modules[module_name]
            raise FunctionError(function, f"Runtime.ImportModuleError: {exc}") from exc
        entry = getattr(module, self._entry_name, None)
        if not callable(entry):
            del sys.modules[module_name]
            raise FunctionError(function, f"Runtime.HandlerNotFound: {path} has no {self._entry_name}()")
        container.entry = entry
        container.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        return entry

    def _context(self, function: Function, container: _Container) -> LambdaContext:
        return LambdaContext(
            function_name=function.name,
            function_version="$LATEST",
            invoked_function_arn=f"arn:aws:lambda:{self._region}:{self._account_id}:function:{function.name}",
            memory_limit_in_mb=function.memory_mb,
            aws_request_id=str(uuid.uuid4()),
            log_group_name=f"/aws/lambda/{function.name}",
            log_stream_name=container.log_stream_name,
            deadline=time.monotonic() + function.timeout_seconds,
        )
