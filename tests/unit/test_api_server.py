"""The local API server against fake handlers (tests/unit/fake_functions), not the real functions.

Every test that takes `client` or `make_client` runs twice: with the handlers in this process (as the
integration tier uses them, under in-process moto) and in Lambda-like containers (as `make dev` does)."""

from __future__ import annotations

import base64
import http.client
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from werkzeug.test import Client

from infra.routes import GATEWAY_ERRORS, Auth, Function, Route
from local.api_server import LocalApi, LocalApiSettings, create_app, make_server
from local.apigw import authorizer
from local.apigw.events import RAW_HEADERS_KEY, RouteTable
from local.apigw.invoker import ContainerSettings
from tests.unit.fakes import FakeClock, counted

FAKES = Path(__file__).parent / "fake_functions"


def fake(name: str, timeout_seconds: int = 5) -> Function:
    return Function(
        name=name, description=f"fake {name}", access=frozenset(), timeout_seconds=timeout_seconds
    )


ECHO = fake("echo")
ECHO_TWIN = fake("echo_twin")
ROUTES = (
    Route("GET", "/api/pay/{payment_app}/checkPaymentRequestStatus/{transaction}", ECHO, Auth.CALLBACK),
    Route("POST", "/api/pay/{payment_app}/callback", ECHO, Auth.CALLBACK),
    Route("GET", "/health", ECHO, Auth.CALLBACK),
    Route("GET", "/merchant/{payment_app}/thing", ECHO, Auth.MERCHANT),
    Route("GET", "/slow", ECHO, Auth.CALLBACK),
    Route("GET", "/slow-twin", ECHO_TWIN, Auth.CALLBACK),
    Route("GET", "/crash", fake("crash"), Auth.CALLBACK),
    Route("GET", "/no-status", fake("no_status"), Auth.CALLBACK),
    Route("GET", "/reply", fake("reply"), Auth.CALLBACK),
    Route("GET", "/missing", fake("not_there"), Auth.CALLBACK),
    Route("GET", "/api/pay/{payment_app}/pt/{transaction}", fake("powertools"), Auth.MERCHANT),
    Route("POST", "/api/pay/{payment_app}/pt", fake("powertools"), Auth.MERCHANT),
    Route("GET", "/sleepy", fake("sleepy", timeout_seconds=1), Auth.CALLBACK),
    Route("GET", "/dies", fake("dies"), Auth.CALLBACK),
)


def settings(**overrides) -> LocalApiSettings:
    values = {"routes": ROUTES, "authorizer": fake("authorizer"), "functions_dir": FAKES}
    return LocalApiSettings(**(values | overrides))


MakeClient = Callable[..., Client]


def apps_closed_after(containers: ContainerSettings | None) -> Iterator[tuple[MakeClient, list[LocalApi]]]:
    apps: list[LocalApi] = []

    def make(**overrides) -> Client:
        app = create_app(settings(**({"containers": containers} | overrides)))
        apps.append(app)
        return Client(app)

    yield make, apps
    for app in apps:
        app.close()


@pytest.fixture(params=["in-process", "containers"])
def make_client(request) -> Iterator[MakeClient]:
    containers = ContainerSettings() if request.param == "containers" else None
    for make, _ in apps_closed_after(containers):
        yield make


@pytest.fixture
def client(make_client: MakeClient) -> Client:
    return make_client()


@pytest.fixture
def make_container_client() -> Iterator[MakeClient]:
    """Apps whose functions run in containers (settings(containers=ContainerSettings(...)) to tune them)."""
    for make, _ in apps_closed_after(ContainerSettings()):
        yield make


def echoed(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data())


def gateway_error(status: int) -> dict:
    code, message = GATEWAY_ERRORS[status]
    return {"error": {"code": code, "message": message}}


# --- the event ------------------------------------------------------------------------------------


def test_event_has_the_rest_v1_proxy_shape(client):
    before = int(time.time() * 1000)
    response = client.get(
        "/api/pay/my%20app/checkPaymentRequestStatus/tx%2F1?x=1&x=2&y=a+b%2Bc&flag",
        headers={"User-Agent": "tests/1.0", "X-Custom": "v"},
    )
    body = echoed(response)
    event = body["event"]

    assert event["resource"] == "/api/pay/{payment_app}/checkPaymentRequestStatus/{transaction}"
    assert event["path"] == "/api/pay/my%20app/checkPaymentRequestStatus/tx%2F1"  # REST keeps the encoding
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"payment_app": "my app", "transaction": "tx/1"}
    assert event["queryStringParameters"] == {"x": "2", "y": "a b+c", "flag": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": ["a b+c"], "flag": [""]}
    assert event["headers"]["X-Custom"] == "v"
    assert event["multiValueHeaders"]["X-Custom"] == ["v"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False

    ctx = event["requestContext"]
    assert ctx["resourcePath"] == event["resource"]
    assert ctx["resourceId"]
    assert ctx["httpMethod"] == "GET"
    assert ctx["path"] == "/prod/api/pay/my%20app/checkPaymentRequestStatus/tx%2F1"
    assert ctx["stage"] == "prod"
    assert ctx["accountId"] == "000000000000"
    assert ctx["apiId"] == "local"
    assert ctx["domainName"] == "localhost"
    assert ctx["protocol"] == "HTTP/1.1"
    assert ctx["identity"]["sourceIp"] == "127.0.0.1"
    assert ctx["identity"]["userAgent"] == "tests/1.0"
    assert ctx["requestId"] == response.headers["x-amzn-RequestId"]
    assert before <= ctx["requestTimeEpoch"] <= int(time.time() * 1000)
    assert ctx["requestTime"].endswith(" +0000")
    assert "authorizer" not in ctx  # only merchant routes carry one
    assert response.headers["Content-Type"] == "application/json"  # API Gateway's default


def test_empty_parts_are_null_and_settings_reach_the_event(make_client):
    client = make_client(stage="v1", account_id="123456789012", api_id="abc123")
    event = echoed(client.get("/health"))["event"]
    assert event["pathParameters"] is None
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["requestContext"]["path"] == "/v1/health"
    assert event["requestContext"]["accountId"] == "123456789012"
    assert event["requestContext"]["apiId"] == "abc123"


def test_text_body_is_passed_as_is(client):
    payload = json.dumps({"Body": {"stkCallback": {"ResultCode": 0}}})
    event = echoed(client.post("/api/pay/demo/callback", data=payload))["event"]
    assert event["body"] == payload
    assert event["isBase64Encoded"] is False


def test_binary_body_is_base64_encoded(client):
    event = echoed(client.post("/api/pay/demo/callback", data=b"\xff\x00\xfe"))["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00\xfe"


def test_repeated_headers_keep_every_value_when_the_raw_lines_are_known(client):
    raw = [("Host", "localhost"), ("X-Tag", "a"), ("x-tag", "c"), ("X-Tag", "b")]
    event = echoed(client.get("/health", environ_overrides={RAW_HEADERS_KEY: raw}))["event"]
    assert event["headers"]["X-Tag"] == "b"  # last wins
    assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert event["headers"]["x-tag"] == "c"  # names are case-sensitive in API Gateway's maps


def test_context_describes_the_function_and_its_deadline(client):
    first = echoed(client.get("/health"))["context"]
    second = echoed(client.get("/health"))["context"]
    assert first["function_name"] == "echo"
    assert first["function_version"] == "$LATEST"
    assert first["invoked_function_arn"] == "arn:aws:lambda:af-south-1:000000000000:function:echo"
    assert first["memory_limit_in_mb"] == 512
    assert first["log_group_name"] == "/aws/lambda/echo"
    assert first["log_stream_name"] == second["log_stream_name"]  # same warm container
    assert first["aws_request_id"] != second["aws_request_id"]
    assert 4000 < first["remaining_ms"] <= 5000


# --- routing --------------------------------------------------------------------------------------


def test_unknown_route_is_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.json == gateway_error(404)


def test_wrong_method_is_404_like_missing_authentication_token(client):
    response = client.post("/health")
    assert response.status_code == 404
    assert response.json == gateway_error(404)


def test_trailing_slash_names_the_same_resource(client):
    assert echoed(client.get("/health/"))["event"]["resource"] == "/health"


def test_route_table_prefers_literal_segments_and_looks_up_the_method_last():
    echo = fake("echo")
    table = RouteTable(
        [
            Route("GET", "/a/{x}", echo, Auth.CALLBACK),
            Route("POST", "/a/b", echo, Auth.CALLBACK),
            Route("ANY", "/files/{proxy+}", echo, Auth.CALLBACK),
        ]
    )
    assert table.match("POST", "/a/b").resource.path == "/a/b"
    assert table.match("GET", "/a/c").path_parameters == {"x": "c"}
    assert table.match("GET", "/a/b") is None  # /a/b is the resource; it has no GET
    greedy = table.match("DELETE", "/files/x/y%20z")
    assert greedy.path_parameters == {"proxy": "x/y z"}
    assert table.match("GET", "/files") is None


def test_route_table_rejects_bad_templates():
    with pytest.raises(ValueError, match="greedy"):
        RouteTable([Route("GET", "/{p+}/x", fake("echo"), Auth.CALLBACK)])
    with pytest.raises(ValueError, match="Two routes"):
        RouteTable([Route("GET", "/x", fake("echo"), Auth.CALLBACK)] * 2)


def test_body_over_the_limit_is_413(make_client):
    client = make_client(max_body_bytes=10)
    response = client.post("/api/pay/demo/callback", data=b"x" * 11)
    assert response.status_code == 413
    assert response.json == gateway_error(413)
    assert echoed(client.post("/api/pay/demo/callback", data=b"x" * 10))["event"]["body"] == "x" * 10


# --- the authorizer -------------------------------------------------------------------------------


def merchant_get(client: Client, token: str | None, path: str = "/merchant/demo/thing"):
    return client.get(path, headers={"Authorization": token} if token is not None else {})


@pytest.mark.parametrize("token", [None, "", "   "])
def test_missing_token_is_401_without_calling_the_authorizer(make_client, token):
    # The authorizer here is the crashing fake: had it been called the answer would be 500.
    client = make_client(authorizer=fake("crash"))
    response = merchant_get(client, token)
    assert response.status_code == 401
    assert response.json == gateway_error(401)


def test_unauthorized_from_the_authorizer_is_401(client):
    response = merchant_get(client, "Bearer unauthorized")
    assert response.status_code == 401
    assert response.json == gateway_error(401)


@pytest.mark.parametrize("case", ["deny", "other", "wrong-action"])
def test_policy_that_does_not_allow_the_method_is_403(client, case):
    response = merchant_get(client, f"Bearer {case}")
    assert response.status_code == 403
    assert response.json == gateway_error(403)


def test_allowed_request_carries_the_authorizer_context(client):
    event = echoed(merchant_get(client, "Bearer allow"))["event"]
    context = event["requestContext"]["authorizer"]
    assert context["principalId"] == "merchant-1"
    assert context["merchant"] == "m1"
    assert (context["tier"], context["live"], context["ratio"]) == ("3", "true", "1.5")  # stringified
    assert context["seen_type"] == "TOKEN"
    assert context["seen_token"] == "Bearer allow"
    assert (
        context["seen_arn"]
        == "arn:aws:execute-api:af-south-1:000000000000:local/prod/GET/merchant/demo/thing"
    )


def test_lone_statement_with_question_mark_wildcard_is_allowed(client):
    assert echoed(merchant_get(client, "Bearer single"))["event"]["requestContext"]["authorizer"]


@pytest.mark.parametrize("case", ["crash", "malformed", "nested-context"])
def test_authorizer_failure_is_500(client, case, caplog):
    response = merchant_get(client, f"Bearer {case}")
    assert response.status_code == 500
    assert response.json["error"]["code"] == "authorizer_error"
    assert "authorizer" in caplog.text.lower()


@pytest.mark.parametrize(
    ("resource", "allowed"),
    [
        ("arn:aws:execute-api:r:a:api/prod/GET/x/y", True),
        ("arn:aws:execute-api:r:a:api/prod/*", True),
        ("arn:aws:execute-api:r:a:api/prod/?ET/x/*", True),
        ("arn:aws:execute-api:r:a:api/prod/POST/*", False),
        ("arn:aws:execute-api:r:a:api/prod/GET/x", False),
        ("arn:aws:execute-api:r:a:api/prod/G?T/x/y/z", False),
    ],
)
def test_policy_wildcards_match_like_iam(resource, allowed):
    answer = {
        "principalId": "p",
        "policyDocument": {
            "Statement": [{"Effect": "Allow", "Action": "Execute-API:Invoke", "Resource": resource}]
        },
    }
    decision = authorizer.evaluate(answer, "arn:aws:execute-api:r:a:api/prod/GET/x/y", latency_ms=0)
    assert decision.allowed is allowed


# --- the authorizer's cache (merchantAuthorizerCacheSeconds) --------------------------------------


def test_with_a_ttl_the_same_token_is_answered_from_the_cache_until_it_expires(make_client):
    clock = FakeClock()
    client = make_client(authorizer_cache_seconds=60, clock=clock)
    invoker = counted(client.application)

    first = echoed(merchant_get(client, "Bearer allow"))["event"]["requestContext"]["authorizer"]
    clock.advance(59)
    second = echoed(merchant_get(client, "Bearer allow", "/merchant/other/thing"))
    assert invoker.authorizer_calls == 1
    # The cached answer, context included: the authorizer saw only the first request's ARN.
    assert second["event"]["requestContext"]["authorizer"]["seen_arn"] == first["seen_arn"]
    assert second["event"]["requestContext"]["authorizer"]["merchant"] == "m1"

    clock.advance(1)  # 60 s after the answer: expired
    third = echoed(merchant_get(client, "Bearer allow", "/merchant/other/thing"))
    assert invoker.authorizer_calls == 2
    assert third["event"]["requestContext"]["authorizer"]["seen_arn"].endswith("/GET/merchant/other/thing")


def test_without_a_ttl_every_call_asks_the_authorizer(client):
    invoker = counted(client.application)
    for _ in range(3):
        echoed(merchant_get(client, "Bearer allow"))
    assert invoker.authorizer_calls == 3


def test_a_different_token_is_authorized_on_its_own(make_client):
    client = make_client(authorizer_cache_seconds=60, clock=FakeClock())
    invoker = counted(client.application)
    echoed(merchant_get(client, "Bearer allow"))
    assert merchant_get(client, "Bearer other").status_code == 403  # not the first token's answer
    assert invoker.authorizer_calls == 2
    echoed(merchant_get(client, "Bearer allow"))
    assert merchant_get(client, "Bearer other").status_code == 403
    assert invoker.authorizer_calls == 2


@pytest.mark.parametrize(("ttl", "second_path_status", "calls"), [(60, 200, 1), (0, 403, 3)])
def test_a_cached_policy_is_judged_against_each_requests_own_arn(make_client, ttl, second_path_status, calls):
    # "deny" allows everything but the ARN it was asked about. Cached, its Deny names the first path
    # only, so another path is allowed (as on AWS); uncached, the authorizer denies each path it is asked.
    client = make_client(authorizer_cache_seconds=ttl, clock=FakeClock())
    invoker = counted(client.application)
    assert merchant_get(client, "Bearer deny").status_code == 403
    assert merchant_get(client, "Bearer deny", "/merchant/other/thing").status_code == second_path_status
    assert merchant_get(client, "Bearer deny").status_code == 403
    assert invoker.authorizer_calls == calls


@pytest.mark.parametrize(("case", "status"), [("unauthorized", 401), ("crash", 500), ("malformed", 500)])
def test_refusals_and_failures_are_not_cached(make_client, case, status):
    client = make_client(authorizer_cache_seconds=60, clock=FakeClock())
    invoker = counted(client.application)
    assert merchant_get(client, f"Bearer {case}").status_code == status
    assert merchant_get(client, f"Bearer {case}").status_code == status
    assert invoker.authorizer_calls == 2


def test_the_cache_keeps_a_bounded_number_of_tokens_least_recently_used_out_first():
    clock = FakeClock()
    cache = authorizer.AnswerCache(60, clock, max_entries=3)
    for token in ("a", "b", "c"):
        cache.put(token, {"token": token})
    assert cache.get("a") == {"token": "a"}  # now the most recently used
    for token in ("d", "e"):
        cache.put(token, {"token": token})
    assert len(cache) == 3
    assert [cache.get(token) is not None for token in "abcde"] == [True, False, False, True, True]


def test_an_expired_answer_is_forgotten_and_a_zero_ttl_keeps_nothing():
    clock = FakeClock()
    cache = authorizer.AnswerCache(60, clock)
    cache.put("a", {"token": "a"})
    clock.advance(60)
    assert cache.get("a") is None
    assert len(cache) == 0
    off = authorizer.AnswerCache(0, clock)
    off.put("a", {"token": "a"})
    assert (off.get("a"), len(off)) == (None, 0)


@pytest.mark.parametrize("value", ["-1", "3601", "1.5", "abc", "60s"])
def test_the_cache_ttl_variable_names_a_bad_value(monkeypatch, value):
    monkeypatch.setenv("MERCHANT_AUTHORIZER_CACHE_SECONDS", value)
    with pytest.raises(
        ValueError, match=f"MERCHANT_AUTHORIZER_CACHE_SECONDS must be a whole number .*'{value}'"
    ):
        authorizer.cache_seconds_from_env()


def test_the_cache_ttl_variable_defaults_to_no_cache(monkeypatch):
    monkeypatch.delenv("MERCHANT_AUTHORIZER_CACHE_SECONDS", raising=False)
    assert authorizer.cache_seconds_from_env() == 0
    monkeypatch.setenv("MERCHANT_AUTHORIZER_CACHE_SECONDS", "3600")
    assert authorizer.cache_seconds_from_env() == 3600


# --- the handler's answer -------------------------------------------------------------------------


def test_answer_headers_are_merged_and_base64_body_decoded(client):
    response = client.get("/reply")
    assert response.status_code == 201
    assert response.get_data() == b"\x00\xffbinary"
    assert response.headers.getlist("X-One") == ["b", "a"]
    assert response.headers["X-Two"] == "2"
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("path", ["/crash", "/no-status", "/missing"])
def test_failing_handler_is_502_and_logged_without_the_body(client, path, caplog):
    response = client.get(path, data="secret-request-body")
    assert response.status_code == 502
    assert response.json == {"error": {"code": "bad_gateway", "message": "Internal server error"}}
    assert caplog.records
    assert "secret-request-body" not in caplog.text


def test_crash_traceback_is_logged(client, caplog):
    client.get("/crash")
    assert "RuntimeError: the handler exploded" in caplog.text
    assert "Traceback" in caplog.text


def test_one_log_line_per_request_without_the_query(client, caplog):
    with caplog.at_level(logging.INFO, logger="local.api"):
        client.post("/api/pay/demo/callback?secret=s3cr3t", data="{}")
    lines = [record.getMessage() for record in caplog.records if record.name == "local.api"]
    assert len(lines) == 1
    assert lines[0].startswith("POST /api/pay/demo/callback 200 ")
    assert "s3cr3t" not in caplog.text


# --- Powertools, end to end -----------------------------------------------------------------------


def test_powertools_authorizer_and_resolver_work_through_the_emulation(client):
    response = client.get(
        "/api/pay/demo/pt/tx-1?flag=on", headers={"Authorization": "Bearer powertools", "X-Custom": "h"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["data"] == {
        "payment_app": "demo",
        "transaction": "tx-1",
        "path_parameters": {"payment_app": "demo", "transaction": "tx-1"},
        "principal": "pt-merchant",
        "n": "7",
        "flag": "on",
        "header": "h",
    }
    created = client.post(
        "/api/pay/demo/pt", json={"amount": 1}, headers={"Authorization": "Bearer powertools"}
    )
    assert created.status_code == 403  # its policy allows GET only


# --- concurrency ----------------------------------------------------------------------------------


def two_at_once(client: Client, first: str, second: str) -> tuple[dict, dict]:
    # A client per thread: the app is shared (that is what is tested), the test client's state is not.
    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.map(lambda path: echoed(Client(client.application).get(path)), [first, second])
    return a, b


def test_in_process_one_function_serves_one_request_at_a_time():
    for make, _ in apps_closed_after(None):
        a, b = two_at_once(make(), "/slow?sleep=0.3", "/slow?sleep=0.3")
    earlier, later = sorted([a, b], key=lambda body: body["start"])
    assert earlier["end"] <= later["start"]
    assert later["max_in_flight"] == 1
    assert a["init_id"] == b["init_id"]  # imported once


def test_different_functions_run_concurrently(client):
    two_at_once(client, "/slow", "/slow-twin")  # warm: cold starts would blur the overlap
    a, b = two_at_once(client, "/slow?sleep=0.5", "/slow-twin?sleep=0.5")
    assert a["start"] < b["end"]
    assert b["start"] < a["end"]
    assert a["init_id"] != b["init_id"]  # two modules, though both files are handler.py


# --- containers -----------------------------------------------------------------------------------


def test_two_requests_to_one_function_run_in_two_containers_with_their_own_module_state(
    make_container_client,
):
    client = make_container_client()
    two_at_once(client, "/slow?sleep=0.3", "/slow?sleep=0.3")  # two warm containers
    a, b = two_at_once(client, "/slow?sleep=0.5", "/slow?sleep=0.5")
    assert a["start"] < b["end"]
    assert b["start"] < a["end"]
    assert a["init_id"] != b["init_id"]  # each container imported the module itself
    assert (a["max_in_flight"], b["max_in_flight"]) == (1, 1)  # one request at a time in each
    assert a["context"]["log_stream_name"] != b["context"]["log_stream_name"]
    assert client.application.invoker.containers() == {"echo": 2}


def test_containers_are_reused_while_warm_and_capped_at_the_concurrency(make_container_client):
    client = make_container_client(containers=ContainerSettings(concurrency=2))
    with ThreadPoolExecutor(max_workers=4) as pool:
        bodies = list(pool.map(lambda _: echoed(Client(client.application).get("/slow?sleep=0.4")), range(4)))
    assert len({body["init_id"] for body in bodies}) == 2
    assert client.application.invoker.containers() == {"echo": 2}
    assert max(body["max_in_flight"] for body in bodies) == 1
    # The third and fourth requests waited for a free container: they started after two had ended.
    ends = sorted(body["end"] for body in bodies)
    assert sorted(body["start"] for body in bodies)[2] >= ends[0]


def test_concurrency_one_serves_one_request_at_a_time(make_container_client):
    client = make_container_client(containers=ContainerSettings(concurrency=1))
    a, b = two_at_once(client, "/slow?sleep=0.3", "/slow?sleep=0.3")
    earlier, later = sorted([a, b], key=lambda body: body["start"])
    assert earlier["end"] <= later["start"]
    assert a["init_id"] == b["init_id"]


def test_cold_start_logs_a_report_line_with_its_init_duration(make_container_client, caplog):
    client = make_container_client()
    with caplog.at_level(logging.INFO, logger="local.lambda"):
        first = echoed(client.get("/health"))["context"]["aws_request_id"]
        second = echoed(client.get("/health"))["context"]["aws_request_id"]
    reports = [record.getMessage() for record in caplog.records if record.name == "local.lambda"]
    assert len(reports) == 2
    assert reports[0].startswith(f"echo REPORT RequestId: {first}\tDuration: ")
    assert "\tBilled Duration: " in reports[0]
    assert "\tMemory Size: 512 MB\tMax Memory Used: " in reports[0]
    assert "\tInit Duration: " in reports[0]
    assert reports[1].startswith(f"echo REPORT RequestId: {second}\t")
    assert "Init Duration" not in reports[1]  # warm


def test_a_function_past_its_timeout_is_killed_and_api_gateway_answers_504(make_container_client, caplog):
    client = make_container_client(integration_timeout_seconds=1)
    before = echoed(client.get("/sleepy"))["init_id"]

    started = time.monotonic()
    response = client.get("/sleepy?sleep=5")

    assert time.monotonic() - started < 3
    assert response.status_code == 504
    assert response.json == {"error": {"code": "gateway_timeout", "message": "Endpoint request timed out"}}
    assert "Task timed out after 1 seconds" in caplog.text
    after = echoed(client.get("/sleepy"))["init_id"]
    assert after != before  # a fresh container
    assert client.application.invoker.containers() == {"sleepy": 1}


def test_a_timeout_shorter_than_api_gateways_is_the_functions_failure_502(make_container_client):
    client = make_container_client()  # API Gateway would wait 29 s; the function gives up after 1 s
    response = client.get("/sleepy?sleep=5")
    assert response.status_code == 502
    assert response.json == {"error": {"code": "bad_gateway", "message": "Internal server error"}}


def test_a_container_that_dies_is_replaced(make_container_client, caplog):
    client = make_container_client()
    before = echoed(client.get("/dies"))["pid"]

    response = client.get("/dies?die=1")

    assert response.status_code == 502
    assert "Runtime.ExitError" in caplog.text
    after = echoed(client.get("/dies"))["pid"]
    assert after != before
    assert client.application.invoker.containers() == {"dies": 1}


def test_idle_containers_are_retired_and_the_next_request_starts_cold(make_container_client):
    client = make_container_client(containers=ContainerSettings(idle_seconds=0.2))
    before = echoed(client.get("/health"))["init_id"]
    deadline = time.monotonic() + 5
    while client.application.invoker.containers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.application.invoker.containers() == {}
    assert echoed(client.get("/health"))["init_id"] != before


def test_closing_the_api_ends_its_containers_busy_ones_too(make_container_client):
    client = make_container_client()
    app = client.application
    echoed(client.get("/dies"))
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(lambda: Client(app).get("/slow?sleep=30"))
        deadline = time.monotonic() + 10
        while app.invoker.containers().get("echo") != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the call is under way in its container
        started = time.monotonic()
        app.close()
        assert slow.result(timeout=5).status_code == 502
    assert time.monotonic() - started < 3
    assert app.invoker.containers() == {}


@pytest.mark.parametrize(("value", "problem"), [("0", "positive"), ("two", "positive"), ("1.5", "whole")])
def test_container_settings_name_a_bad_concurrency(monkeypatch, value, problem):
    monkeypatch.setenv("LOCAL_FUNCTION_CONCURRENCY", value)
    with pytest.raises(ValueError, match=f"LOCAL_FUNCTION_CONCURRENCY must be a {problem}"):
        ContainerSettings.from_env()


def test_container_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("LOCAL_FUNCTION_CONCURRENCY", "7")
    monkeypatch.setenv("LOCAL_FUNCTION_IDLE_SECONDS", "60")
    assert ContainerSettings.from_env() == ContainerSettings(concurrency=7, idle_seconds=60)
    monkeypatch.delenv("LOCAL_FUNCTION_CONCURRENCY")
    monkeypatch.delenv("LOCAL_FUNCTION_IDLE_SECONDS")
    assert ContainerSettings.from_env() == ContainerSettings(concurrency=4, idle_seconds=300)


# --- the real server ------------------------------------------------------------------------------


def test_server_passes_repeated_header_lines_and_serves_concurrently(make_client):
    server = make_server(make_client().application, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        connection.putrequest("GET", "/health")
        connection.putheader("X-Tag", "a")
        connection.putheader("X-Tag", "b")
        connection.endheaders()
        event = json.loads(connection.getresponse().read())["event"]
        assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
        assert event["headers"]["X-Tag"] == "b"
        assert event["headers"]["Host"] == f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
