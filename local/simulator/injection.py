"""Where faults meet requests: picks the fault of each Daraja request, answers it, cuts connections,
and logs what Daraja actually did (the request log and the processed pushes and payouts)."""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, g, jsonify, request

from local.simulator import effects
from local.simulator.errors import DarajaError, error_response, invalid_access_token
from local.simulator.faults import FAULT_KEY, Fault, FaultKind, FaultPaths, active_fault
from local.simulator.logs import noted_outcome
from local.simulator.oauth import GENERATE
from local.simulator.payouts import B2B, B2C_V1, B2C_V3, REVERSAL
from local.simulator.queries import ACCOUNT_BALANCE, TRANSACTION_STATUS
from local.simulator.state import get_state
from local.simulator.stk import PUSH
from local.simulator.vodacom.markets import is_vodacom_path

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CONTROL_PREFIX = "/simulator/"
# Paths whose requests end in a callback or Result sent through faults.send_callback.
CALLBACK_PATHS = (PUSH, B2C_V1, B2C_V3, B2B, REVERSAL, TRANSACTION_STATUS, ACCOUNT_BALANCE)
RESET_KEY = "simulator.reset_connection"  # set in the WSGI environ of a request to cut

# What a proxy in front of Daraja sends (nginx's pages).
PROXY_PAGES: dict[FaultKind, tuple[int, str]] = {
    FaultKind.HTML_502: (502, "502 Bad Gateway"),
    FaultKind.HTML_504: (504, "504 Gateway Time-out"),
}


def install(app: Flask) -> None:
    app.before_request(_before_daraja_request)
    app.after_request(_after_daraja_request)
    app.wsgi_app = ConnectionCutter(app.wsgi_app)  # type: ignore[method-assign]


def fault_paths(app: Flask) -> FaultPaths:
    daraja = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not rule.rule.startswith(CONTROL_PREFIX)
    }
    return FaultPaths(
        daraja=daraja,
        with_callbacks=CALLBACK_PATHS,
        without_token=(GENERATE,),
        vodacom={path for path in daraja if is_vodacom_path(path)},
    )


def _is_daraja_request() -> bool:
    return not request.path.startswith(CONTROL_PREFIX)


def _before_daraja_request() -> Response | None:
    if not _is_daraja_request():
        return None
    fault = get_state().faults.draw(request.path)
    if fault is None:
        return None
    setattr(g, FAULT_KEY, fault)
    if fault.kind is FaultKind.SLOW_ANSWER and not fault.processed:
        time.sleep(fault.delay_ms / 1000)  # the request reaches Daraja late, then runs as usual
        return None
    return fault_answer(fault) if fault.blocks_request else None


def _after_daraja_request(response: Response) -> Response:
    if not _is_daraja_request():
        return response
    fault = active_fault()
    # The provider acted on the request when its own view ran and succeeded, or noted what it did
    # before answering a failure (Vodacom answers a declined payment with 401 INS-5).
    acted = response.status_code < 400 or noted_outcome() is not None
    processed = acted and not (fault is not None and fault.blocks_request)
    if fault is not None and fault.replaces_answer:
        response = fault_answer(fault)
    elif fault is not None and fault.kind is FaultKind.SLOW_ANSWER and fault.processed:
        time.sleep(fault.delay_ms / 1000)  # done at once, answered late
    answered = None if fault is not None and fault.kind is FaultKind.RESET else response.status_code
    outcome = noted_outcome() if processed else None
    state = get_state()
    body = request.get_json(silent=True)
    # Headers are never logged: the Authorization header holds credentials and tokens.
    state.request_log.append(
        {
            "method": request.method,
            "path": request.path,
            "query": request.args.to_dict(),
            "body": body,
            "status": answered,
            "processed": processed,
            "fault": None if fault is None else fault.reference(),
            "outcome": outcome,
        }
    )
    effects.record(state.processed, request.path, body, outcome, fault=fault, answered=answered)
    return response


def fault_answer(fault: Fault) -> Response:
    if fault.kind is FaultKind.DARAJA_ERROR:
        return _daraja_error(DarajaError(fault.http_status, fault.error_code, fault.error_message))
    if fault.kind is FaultKind.INVALID_TOKEN:
        return _daraja_error(invalid_access_token())
    if fault.kind is FaultKind.INS_ERROR:
        body = {"output_ResponseCode": fault.error_code, "output_ResponseDesc": fault.error_message}
        response = jsonify(body)
        response.status_code = fault.http_status
        return response
    if fault.kind in PROXY_PAGES:
        status, title = PROXY_PAGES[fault.kind]
        page = (
            f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )
        return Response(page, status=status, mimetype="text/html")
    if fault.kind is FaultKind.RESET:
        request.environ[RESET_KEY] = True  # ConnectionCutter acts once Flask is done with the request
        return Response(status=502)  # never sent
    raise ValueError(f"{fault.kind.value} has no answer of its own")


def _daraja_error(error: DarajaError) -> Response:
    response, status = error_response(error)
    response.status_code = status
    return response


class ConnectionCutter:
    """WSGI middleware: a request that a reset fault fired on gets no HTTP answer at all.

    Behind werkzeug's server the client's socket is shut down with SO_LINGER 0, so the client reads
    end-of-stream (then a reset) instead of an answer. Called directly (Flask's test client), the
    caller gets ConnectionResetError, which is what an HTTP client raises in that case.
    """

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self._wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        answer = self._wsgi_app(environ, start_response)
        if not environ.get(RESET_KEY):
            return answer
        close: Callable[[], Any] | None = getattr(answer, "close", None)
        if close is not None:
            close()
        connection = environ.get("werkzeug.socket")
        if isinstance(connection, socket.socket):
            cut(connection)
        # werkzeug's server takes this for a dropped connection and writes nothing.
        raise ConnectionResetError("the Daraja simulator cut the connection (an injected reset fault)")


def cut(connection: socket.socket) -> None:
    """Ends a TCP connection with no answer; on close the kernel sends RST instead of FIN."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):  # the client may have gone already; it is cut either way
        connection.shutdown(socket.SHUT_RDWR)
