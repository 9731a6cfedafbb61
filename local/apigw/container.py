"""One Lambda container: `python -m local.apigw.container <socket fd> <function identity JSON>`.

Started by ContainerInvoker in the function's code directory (Lambda's task root, first on sys.path),
with the layer on PYTHONPATH. It imports the handler (Lambda's init), says "ready", then serves one
request at a time from the socket until the socket closes: its module state is its own, as in a
Lambda container. The handler's own output (Powertools' log lines) goes to the inherited stdout/stderr.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from infra.routes import HANDLER_FILE
from local.apigw.invoker import FunctionError, FunctionIdentity, call_entry, load_entry


def _error(exc: FunctionError) -> dict[str, Any]:
    return {"message": exc.error_message, "trace": exc.stack_trace}


def _max_memory_mb() -> int:
    """The container's peak memory. Linux's ru_maxrss carries the forking parent's peak over exec, so
    /proc's VmHWM (reset by exec) is read where there is one."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // (1024 * 1024) if sys.platform == "darwin" else peak // 1024  # bytes there, KiB here


def serve(connection: Connection, identity: FunctionIdentity) -> None:
    try:
        entry = load_entry(identity.name, Path.cwd() / HANDLER_FILE, HANDLER_FILE.stem)
    except FunctionError as exc:
        connection.send(("init_error", _error(exc)))
        return
    connection.send(("ready", {}))
    while True:
        try:
            event, request_id, deadline = connection.recv()
        except EOFError:
            return  # the invoker closed the container (or its process ended)
        try:
            answer = call_entry(identity.name, entry, event, identity.context(request_id, deadline))
        except FunctionError as exc:
            connection.send(("error", _error(exc)))
            continue
        connection.send(("ok", {"answer": answer, "max_memory_mb": _max_memory_mb()}))


def main() -> None:
    # Ctrl-C in a terminal reaches every process of the group; the local stack stops its containers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # -m put the working directory (the function's code) first; the layer comes through PYTHONPATH.
    identity = FunctionIdentity(**json.loads(sys.argv[2]))
    with Connection(int(sys.argv[1])) as connection:
        serve(connection, identity)


if __name__ == "__main__":
    main()
