"""API Gateway REST API (v1) with Lambda proxy integration: routing, the proxy event, the proxy answer."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from werkzeug.wrappers import Request

from infra.routes import Route

# WSGI folds repeated header lines into one comma-joined value and loses the client's spelling of names;
# our server (api_server.make_server) keeps the raw lines in the environ under this key.
RAW_HEADERS_KEY = "local.raw_headers"

_ANY_METHOD = "ANY"
# Segment kinds, in the order API Gateway prefers them when several resources match a path.
_LITERAL, _VARIABLE, _GREEDY = 0, 1, 2
# The proxy answer's keys; API Gateway rejects any other key as a malformed Lambda proxy response.
_ANSWER_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
# Framing headers are the server's job; a handler's own value could only be wrong.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class _Segment:
    kind: int
    text: str  # the literal, or the variable's name


@dataclass(frozen=True)
class Resource:
    """One API Gateway resource (a path template) and its methods."""

    path: str
    segments: tuple[_Segment, ...]
    methods: dict[str, Route]
    resource_id: str

    @property
    def specificity(self) -> tuple[int, ...]:
        return tuple(segment.kind for segment in self.segments)


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    resource: Resource
    path_parameters: dict[str, str]


class RouteTable:
    """Finds the route for a method and raw path the way API Gateway does.

    The most specific resource whose template matches the path wins (literal segments before
    variables, variables before a greedy {name+}); only then is the method looked up, so a method the
    resource lacks is "no route" even if a less specific resource has it.
    """

    def __init__(self, routes: Iterable[Route]) -> None:
        by_path: dict[str, dict[str, Route]] = {}
        for route in routes:
            methods = by_path.setdefault(route.path, {})
            method = route.method.upper()
            if method in methods:
                raise ValueError(f"Two routes for {method} {route.path}")
            methods[method] = route
        resources = [
            Resource(path, _parse_template(path), methods, _resource_id(path))
            for path, methods in by_path.items()
        ]
        self._resources = tuple(sorted(resources, key=lambda resource: resource.specificity))

    def match(self, method: str, raw_path: str) -> RouteMatch | None:
        parts = _split(raw_path)
        for resource in self._resources:
            parameters = _match_segments(resource.segments, parts)
            if parameters is None:
                continue
            route = resource.methods.get(method.upper()) or resource.methods.get(_ANY_METHOD)
            return RouteMatch(route, resource, parameters) if route else None
        return None


def _parse_template(path: str) -> tuple[_Segment, ...]:
    if not path.startswith("/"):
        raise ValueError(f"Route path must start with '/': {path}")
    segments: list[_Segment] = []
    parts = _split(path)
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            greedy = name.endswith("+")
            if greedy and index != len(parts) - 1:
                raise ValueError(f"A greedy {part} must be the last segment: {path}")
            segments.append(_Segment(_GREEDY if greedy else _VARIABLE, name.removesuffix("+")))
        elif "{" in part or "}" in part or not part:
            raise ValueError(f"Bad segment {part!r} in route path {path}")
        else:
            segments.append(_Segment(_LITERAL, part))
    return tuple(segments)


def _split(path: str) -> list[str]:
    # A trailing slash names the same resource ("/a/" is "/a"); the root has no segments.
    stripped = path.removeprefix("/").removesuffix("/")
    return stripped.split("/") if stripped else []


def _match_segments(segments: tuple[_Segment, ...], parts: list[str]) -> dict[str, str] | None:
    parameters: dict[str, str] = {}
    for index, segment in enumerate(segments):
        if segment.kind == _GREEDY:
            rest = parts[index:]
            if not rest or not all(rest):
                return None
            parameters[segment.text] = unquote("/".join(rest))
            return parameters
        if index >= len(parts) or not parts[index]:
            return None
        value = unquote(parts[index])
        if segment.kind == _LITERAL and value != segment.text:
            return None
        if segment.kind == _VARIABLE:
            parameters[segment.text] = value
    return parameters if len(parts) == len(segments) else None


def _resource_id(path: str) -> str:
    # API Gateway's ids are short and stable per resource; a digest of the template is both.
    return hashlib.sha256(path.encode()).hexdigest()[:6]


def raw_path(request: Request) -> str:
    """The path as the client sent it, still percent-encoded, as REST APIs put it in the event."""
    uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not uri:
        return request.path
    # WSGI carries the request target as latin-1 text; undo that to get the UTF-8 the client sent.
    uri = uri.encode("latin-1", "replace").decode("utf-8", "replace")
    path = urlsplit(uri).path if not uri.startswith("/") else uri.partition("?")[0]
    return path or "/"


def request_headers(request: Request) -> list[tuple[str, str]]:
    """Header lines in order, with their names as sent when our server kept them."""
    raw = request.environ.get(RAW_HEADERS_KEY)
    return list(raw) if raw is not None else list(request.headers.items())


def build_event(
    request: Request,
    path: str,
    body: bytes,
    match: RouteMatch,
    *,
    stage: str,
    account_id: str,
    api_id: str,
    request_id: str,
    authorizer: dict[str, Any] | None,
) -> dict[str, Any]:
    """The Lambda proxy event API Gateway would send for this request."""
    now = time.time()
    client_ip = request.remote_addr or "127.0.0.1"
    headers = _with_forwarding_headers(request_headers(request), request, client_ip)
    single_headers, multi_headers = _single_and_multi(headers)
    single_query, multi_query = _single_and_multi(
        parse_qsl(request.query_string.decode("utf-8", "replace"), keep_blank_values=True)
    )
    text_body, is_base64 = _encode_body(body)
    host = next((value for name, value in reversed(headers) if name.lower() == "host"), request.host)
    user_agent = next((value for name, value in reversed(headers) if name.lower() == "user-agent"), None)
    request_context: dict[str, Any] = {
        "resourceId": match.resource.resource_id,
        "resourcePath": match.resource.path,
        "httpMethod": request.method,
        "extendedRequestId": request_id,
        "requestTime": _request_time(now),
        "path": f"/{stage}{path}",
        "accountId": account_id,
        "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        "stage": stage,
        "domainPrefix": host.split(".", 1)[0],
        "requestTimeEpoch": int(now * 1000),
        "requestId": request_id,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": client_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": user_agent,
            "user": None,
        },
        "domainName": host,
        "apiId": api_id,
    }
    if authorizer is not None:
        request_context["authorizer"] = authorizer
    return {
        "resource": match.resource.path,
        "path": path,
        "httpMethod": request.method,
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": text_body,
        "isBase64Encoded": is_base64,
    }


def _with_forwarding_headers(
    headers: list[tuple[str, str]], request: Request, client_ip: str
) -> list[tuple[str, str]]:
    """API Gateway sets these in front of every integration: the client's own values are replaced,
    except X-Forwarded-For, which gets the client's address appended."""
    forwarded_for = [value for name, value in headers if name.lower() == "x-forwarded-for"]
    kept = [(name, value) for name, value in headers if not name.lower().startswith("x-forwarded-")]
    return [
        *kept,
        ("X-Forwarded-For", ", ".join([*forwarded_for, client_ip])),
        ("X-Forwarded-Port", request.environ.get("SERVER_PORT", "80")),
        ("X-Forwarded-Proto", request.scheme),
    ]


def _single_and_multi(
    pairs: Iterable[tuple[str, str]],
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """API Gateway's two views of repeated names: the last value, and all of them; None when empty."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return (single or None, multi or None)


def _encode_body(body: bytes) -> tuple[str | None, bool]:
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _request_time(epoch: float) -> str:
    # API Gateway's CLF format (09/Apr/2015:12:34:56 +0000), built by hand so no locale can change it.
    t = time.gmtime(epoch)
    clock = f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{clock} +0000"


class MalformedAnswer(ValueError):
    """The handler's answer is not a Lambda proxy response (API Gateway answers 502)."""


@dataclass(frozen=True)
class ProxyAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def parse_answer(answer: Any) -> ProxyAnswer:
    """Turn the handler's answer into an HTTP response, checking it as strictly as API Gateway does."""
    if not isinstance(answer, dict):
        raise MalformedAnswer(f"the answer is a {type(answer).__name__}, not an object")
    unknown = set(answer) - _ANSWER_KEYS
    if unknown:
        raise MalformedAnswer(f"unexpected keys {sorted(unknown)}")
    status = answer.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedAnswer(f"statusCode must be an HTTP status, got {status!r}")
    body = answer.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedAnswer(f"body must be a string, got {type(body).__name__}")
    if answer.get("isBase64Encoded"):
        try:
            payload = base64.b64decode(body or "", validate=True)
        except ValueError as exc:
            raise MalformedAnswer(f"isBase64Encoded but the body is not base64: {exc}") from exc
    else:
        payload = (body or "").encode("utf-8")
    headers = _merge_headers(answer.get("headers"), answer.get("multiValueHeaders"))
    return ProxyAnswer(status, headers, payload)


def _merge_headers(single: Any, multi: Any) -> list[tuple[str, str]]:
    """API Gateway's merge: every multiValueHeaders value, plus each headers value not already there."""
    if not isinstance(single or {}, dict) or not isinstance(multi or {}, dict):
        raise MalformedAnswer("headers and multiValueHeaders must be objects")
    merged: dict[str, list[str]] = {}
    for name, values in (multi or {}).items():
        if not isinstance(values, list):
            raise MalformedAnswer(f"multiValueHeaders[{name!r}] must be a list")
        merged[name] = [_header_value(value) for value in values]
    for name, value in (single or {}).items():
        text = _header_value(value)
        if text not in merged.setdefault(name, []):
            merged[name].append(text)
    return [
        (name, value)
        for name, values in merged.items()
        if name.lower() not in _FRAMING_HEADERS
        for value in values
    ]


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, dict | list):
        raise MalformedAnswer(f"header values must be scalars, got {value!r}")
    return str(value)
