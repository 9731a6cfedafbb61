"""The local API: API Gateway (REST API, Lambda proxy integration) in front of the real handlers.

Each HTTP request becomes the proxy event API Gateway would send, merchant routes first go through the
real authorizer as a TOKEN authorizer would, and the handler's answer becomes the HTTP response. The
route table is infra/routes.py, the same one the CDK stack reads, so the two APIs cannot drift.

    app = create_app(LocalApiSettings())
    make_server(app, "127.0.0.1", 3000).serve_forever()

Not deployed; must not import aws_cdk.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler
from werkzeug.serving import make_server as make_werkzeug_server
from werkzeug.wrappers import Request, Response

from infra.routes import (
    AUTHORIZER,
    FUNCTIONS_DIR,
    GATEWAY_ERRORS,
    LAYER_DIR,
    MERCHANT_AUTH_CHALLENGE,
    ROUTES,
    Auth,
    Function,
    Route,
)
from local.api_docs import docs_response
from local.apigw import authorizer
from local.apigw.events import (
    RAW_HEADERS_KEY,
    MalformedAnswer,
    RouteMatch,
    RouteTable,
    build_event,
    parse_answer,
    raw_path,
    request_headers,
)
from local.apigw.invoker import (
    ContainerInvoker,
    ContainerSettings,
    FunctionError,
    FunctionInvoker,
    FunctionTimeout,
    Invoker,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["LocalApi", "LocalApiSettings", "create_app", "make_server"]

logger = logging.getLogger("local.api")

# API Gateway's answers when a function fails; GATEWAY_ERRORS holds the ones the stack customises.
_AUTHORIZER_ERROR = (500, "authorizer_error", "The authorizer failed")
_BAD_GATEWAY = (502, "bad_gateway", "Internal server error")
_GATEWAY_TIMEOUT = (504, "gateway_timeout", "Endpoint request timed out")


@dataclass(frozen=True)
class LocalApiSettings:
    routes: tuple[Route, ...] = ROUTES
    authorizer: Function = AUTHORIZER
    functions_dir: Path = FUNCTIONS_DIR
    stage: str = "prod"
    region: str = "af-south-1"
    account_id: str = "000000000000"
    api_id: str = "local"
    max_body_bytes: int = 10 * 1024 * 1024  # API Gateway's own payload limit
    # Lambda puts layers on sys.path (/opt/python); locally the layer's source tree stands in for it.
    layer_dirs: tuple[Path, ...] = (LAYER_DIR / "python",)
    # None: every handler in this process (in-process moto reaches them); else Lambda-like containers.
    containers: ContainerSettings | None = None
    # API Gateway stops waiting for a Lambda integration after 29 s (and answers 504).
    integration_timeout_seconds: float = 29.0
    # How long the authorizer's answer is kept per token, as the stack's merchantAuthorizerCacheSeconds
    # (0: the authorizer is asked on every call); the clock it is timed by (tests move it).
    authorizer_cache_seconds: int = 0
    clock: Callable[[], float] = time.monotonic


class LocalApi:
    """The WSGI application. Thread-safe: the route table is immutable and each container (or, in
    process, each function) serves one request at a time. close() stops its containers."""

    def __init__(self, settings: LocalApiSettings) -> None:
        self.settings = settings
        self._routes = RouteTable(settings.routes)
        self._answers = authorizer.AnswerCache(settings.authorizer_cache_seconds, settings.clock)
        self.invoker: FunctionInvoker
        if settings.containers is None:
            self.invoker = Invoker(settings.functions_dir, settings.region, settings.account_id)
            for layer_dir in settings.layer_dirs:
                if str(layer_dir) not in sys.path:
                    sys.path.append(str(layer_dir))
        else:
            containers = replace(settings.containers, layer_dirs=settings.layer_dirs)
            self.invoker = ContainerInvoker(
                settings.functions_dir, settings.region, settings.account_id, containers
            )

    def close(self) -> None:
        self.invoker.close()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        path = raw_path(request)
        try:
            response = self._handle(request, path, request_id)
        except Exception:
            # A bug here must not turn into werkzeug's HTML error page; the gateway answers JSON.
            logger.exception("The local API failed on %s %s", request.method, path)
            response = _error(500, "internal_error", "Internal server error")
        response.headers["x-amzn-RequestId"] = request_id
        # Path only: the query string can carry a callback secret and the body a customer's details.
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info("%s %s %d %.1fms", request.method, path, response.status_code, elapsed_ms)
        return response(environ, start_response)

    def _handle(self, request: Request, path: str, request_id: str) -> Response:
        if (docs := docs_response(request.method, path)) is not None:
            return docs
        body = self._read_body(request)
        if body is None:
            return _gateway_error(413)
        match = self._routes.match(request.method, path)
        if match is None:
            # API Gateway answers an unknown path or method alike (MISSING_AUTHENTICATION_TOKEN).
            return _gateway_error(404)
        context = None
        if match.route.auth is Auth.MERCHANT:
            outcome = self._authorize(request, path)
            if isinstance(outcome, Response):
                return outcome
            context = outcome
        event = build_event(
            request,
            path,
            body,
            match,
            stage=self.settings.stage,
            account_id=self.settings.account_id,
            api_id=self.settings.api_id,
            request_id=request_id,
            authorizer=context,
        )
        return self._call_route(match, event)

    def _read_body(self, request: Request) -> bytes | None:
        """The body, or None when it is over the limit (refused unread when the length is declared)."""
        limit = self.settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            return None
        body = request.stream.read(limit + 1)
        return body if len(body) <= limit else None

    def _authorize(self, request: Request, path: str) -> dict[str, Any] | Response:
        """requestContext.authorizer for an allowed request, or API Gateway's refusal."""
        token = next(
            (value for name, value in reversed(request_headers(request)) if name.lower() == "authorization"),
            "",
        )
        if not token.strip():
            return _gateway_error(401)  # the identity source is missing: the authorizer is not called
        settings = self.settings
        arn = authorizer.method_arn(
            region=settings.region,
            account_id=settings.account_id,
            api_id=settings.api_id,
            stage=settings.stage,
            method=request.method,
            path=path,
        )
        started = time.perf_counter()
        try:
            # A cached answer is judged against this request's own ARN, as API Gateway does.
            answer = self._answers.get(token)
            if answer is None:
                answer = self.invoker.invoke(settings.authorizer, authorizer.token_event(token, arn))
                decision = authorizer.evaluate(answer, arn, int((time.perf_counter() - started) * 1000))
                self._answers.put(token, answer)  # only once evaluate found it a usable policy
            else:
                decision = authorizer.evaluate(answer, arn, latency_ms=0)
        except FunctionError as exc:
            if exc.error_message == "Unauthorized":
                return _gateway_error(401)
            logger.error("Authorizer %s failed: %s\n%s", settings.authorizer.name, exc, exc.stack_trace)
            return _error(*_AUTHORIZER_ERROR)
        except authorizer.MalformedPolicy as exc:
            logger.error("Authorizer %s answered an unusable policy: %s", settings.authorizer.name, exc)
            return _error(*_AUTHORIZER_ERROR)
        return decision.request_context if decision.allowed else _gateway_error(403)

    def _call_route(self, match: RouteMatch, event: dict[str, Any]) -> Response:
        function = match.route.function
        try:
            answer = parse_answer(self.invoker.invoke(function, event))
        except FunctionTimeout:
            logger.error("Function %s timed out after %d s", function.name, function.timeout_seconds)
            # A function that may run as long as API Gateway waits is cut off by API Gateway (504);
            # one with a shorter timeout fails first, and API Gateway reports that failure (502).
            if function.timeout_seconds >= self.settings.integration_timeout_seconds:
                return _error(*_GATEWAY_TIMEOUT)
            return _error(*_BAD_GATEWAY)
        except FunctionError as exc:
            # The traceback goes to stderr through logging; the event (and its body) never does.
            logger.error("Function %s failed: %s\n%s", function.name, exc, exc.stack_trace)
            return _error(*_BAD_GATEWAY)
        except MalformedAnswer as exc:
            logger.error("Function %s answered a malformed Lambda proxy response: %s", function.name, exc)
            return _error(*_BAD_GATEWAY)
        headers = answer.headers
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers = [*headers, ("Content-Type", "application/json")]  # API Gateway's default
        return Response(answer.body, status=answer.status, headers=headers)


def _gateway_error(status: int) -> Response:
    code, message = GATEWAY_ERRORS[status]
    response = _error(status, code, message)
    if status == 401:  # as the stack's UNAUTHORIZED gateway response does
        response.headers["WWW-Authenticate"] = MERCHANT_AUTH_CHALLENGE
    return response


def _error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(body, status=status, content_type="application/json")


def create_app(settings: LocalApiSettings | None = None) -> LocalApi:
    """The local API as a WSGI app; serve it threaded (make_server does) so callbacks can arrive mid-call."""
    return LocalApi(settings or LocalApiSettings())


class _RequestHandler(WSGIRequestHandler):
    """Keeps the raw header lines (WSGI would join repeats) and leaves request logging to local.api,
    since werkzeug's own line would print the query string."""

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        environ[RAW_HEADERS_KEY] = list(self.headers.items())
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def make_server(app: LocalApi, host: str = "127.0.0.1", port: int = 3000) -> BaseWSGIServer:
    """A threaded werkzeug server for the app; call serve_forever() and, from another thread, shutdown()."""
    return make_werkzeug_server(host, port, app, threaded=True, request_handler=_RequestHandler)
