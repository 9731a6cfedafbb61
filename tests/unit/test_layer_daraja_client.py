"""daraja.client.DarajaClient against a scripted Daraja on loopback, with a real SharedTokenCache."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator

import pytest
import requests

from mpesa_gateway import budget
from mpesa_gateway.daraja.client import OAUTH_PATH, DarajaClient, Timeouts, pooled_session
from mpesa_gateway.daraja.errors import DarajaError, DarajaNotSent, DarajaOutcomeUnknown
from mpesa_gateway.daraja.payloads import StkPushBody
from mpesa_gateway.daraja.token_cache import AccessToken, SharedTokenCache, cache_key
from tests.unit.fakes import Answer, InMemoryTokenStore, ScriptedDaraja, scripted_daraja

CONSUMER_KEY, CONSUMER_SECRET = "consumer-key", "consumer-secret"
PUSH = "/mpesa/stkpush/v1/processrequest"
SENT = {
    "BusinessShortCode": "174379",
    "Password": "cGFzcw==",
    "Timestamp": "20260315143000",
    "TransactionType": "CustomerPayBillOnline",
    "Amount": 1,
    "PartyA": "254708374149",
    "PartyB": "174379",
    "PhoneNumber": "254708374149",
    "CallBackURL": "https://gateway.example/callback",
    "AccountReference": "INV001",
    "TransactionDesc": "Test",
}
PAYLOAD = StkPushBody.model_validate(SENT)
ACCEPTED = {
    "MerchantRequestID": "29115-34620561-1",
    "CheckoutRequestID": "ws_CO_191220191020363925",
    "ResponseCode": "0",
    "ResponseDescription": "Success. Request accepted for processing",
    "CustomerMessage": "Success. Request accepted for processing",
}


def oauth(token: str, expires_in: str = "3599") -> Answer:
    return Answer(200, {"access_token": token, "expires_in": expires_in})


def daraja_error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"requestId": "11728-2929992-1", "errorCode": code, "errorMessage": message})


@pytest.fixture
def daraja() -> Iterator[ScriptedDaraja]:
    with scripted_daraja() as server:
        yield server


@pytest.fixture
def store() -> InMemoryTokenStore:
    return InMemoryTokenStore()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    pooled = pooled_session()
    yield pooled
    pooled.close()


def make_client(
    base_url: str, store: InMemoryTokenStore, session: requests.Session, timeouts: Timeouts | None = None
) -> DarajaClient:
    return DarajaClient(
        base_url,
        CONSUMER_KEY,
        CONSUMER_SECRET,
        session=session,
        tokens=SharedTokenCache(store),
        timeouts=timeouts or Timeouts(connect=2, read=2),
    )


def token_key(base_url: str) -> str:
    return cache_key(base_url, CONSUMER_KEY)


def bearer_tokens(daraja: ScriptedDaraja) -> list[str]:
    return [request.headers["authorization"] for request in daraja.seen("POST", PUSH)]


def test_oauth_uses_basic_auth_and_reads_expires_in_as_a_string(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session
) -> None:
    daraja.script("GET", OAUTH_PATH, oauth("tok-1", "3599"))
    daraja.script("POST", PUSH, Answer(200, ACCEPTED))
    client = make_client(daraja.url + "/", store, session)  # a trailing slash is tolerated

    before = time.time()
    assert client.post(PUSH, PAYLOAD) == ACCEPTED

    [token_request] = daraja.seen("GET", OAUTH_PATH)
    expected = base64.b64encode(f"{CONSUMER_KEY}:{CONSUMER_SECRET}".encode()).decode()
    assert token_request.headers["authorization"] == f"Basic {expected}"
    assert token_request.query == {"grant_type": ["client_credentials"]}
    stored = store.read(token_key(daraja.url))
    assert stored is not None
    assert stored.value == "tok-1"
    assert before + 3599 <= stored.expires_at <= time.time() + 3599


def test_a_product_post_sends_the_bearer_token_and_json(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session
) -> None:
    daraja.script("GET", OAUTH_PATH, oauth("tok-1"))
    daraja.script("POST", PUSH, Answer(200, ACCEPTED))
    client = make_client(daraja.url, store, session)

    client.post(PUSH, PAYLOAD)
    client.post(PUSH, PAYLOAD)

    posts = daraja.seen("POST", PUSH)
    assert [request.headers["authorization"] for request in posts] == ["Bearer tok-1", "Bearer tok-1"]
    assert all(request.headers["content-type"] == "application/json" for request in posts)
    assert all(request.json() == SENT for request in posts)
    assert len(daraja.seen("GET", OAUTH_PATH)) == 1  # the token is reused, not fetched per call


@pytest.mark.parametrize(("status", "code"), [(404, "404.001.03"), (401, "401.002.01"), (400, "400.003.01")])
def test_an_invalid_token_answer_refreshes_once_and_retries_once(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session, status: int, code: str
) -> None:
    # Another container's fetch has knocked out the shared token this one is about to use.
    store.put(token_key(daraja.url), AccessToken("stale", time.time() + 3000))
    daraja.script("GET", OAUTH_PATH, oauth("fresh"))
    daraja.script("POST", PUSH, daraja_error(status, code, "Invalid Access Token"), Answer(200, ACCEPTED))
    client = make_client(daraja.url, store, session)

    assert client.post(PUSH, PAYLOAD) == ACCEPTED

    assert len(daraja.seen("GET", OAUTH_PATH)) == 1
    assert bearer_tokens(daraja) == ["Bearer stale", "Bearer fresh"]
    assert store.read(token_key(daraja.url)).value == "fresh"  # type: ignore[union-attr]


def test_a_second_invalid_token_answer_raises_instead_of_looping(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session
) -> None:
    store.put(token_key(daraja.url), AccessToken("stale", time.time() + 3000))
    daraja.script("GET", OAUTH_PATH, oauth("fresh"), oauth("fresher"))
    daraja.script("POST", PUSH, daraja_error(404, "404.001.03", "Invalid Access Token"))
    client = make_client(daraja.url, store, session)

    with pytest.raises(DarajaError) as caught:
        client.post(PUSH, PAYLOAD)

    assert caught.value.error_code == "404.001.03"
    assert caught.value.is_invalid_token
    assert bearer_tokens(daraja) == ["Bearer stale", "Bearer fresh"]
    assert len(daraja.seen("GET", OAUTH_PATH)) == 1


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, "400.002.02", "Bad Request - Invalid PhoneNumber"),
        (500, "500.001.1001", "Merchant does not exist"),
        (500, "500.003.02", "System is busy. Please try again in few minutes."),
        (401, "401.003.01", "Error Occurred - Invalid Access Token - No API product match found"),
    ],
)
def test_a_daraja_error_json_raises_daraja_error_without_retry(
    daraja: ScriptedDaraja,
    store: InMemoryTokenStore,
    session: requests.Session,
    status: int,
    code: str,
    message: str,
) -> None:
    daraja.script("GET", OAUTH_PATH, oauth("tok-1"))
    daraja.script("POST", PUSH, daraja_error(status, code, message))
    client = make_client(daraja.url, store, session)

    with pytest.raises(DarajaError) as caught:
        client.post(PUSH, PAYLOAD)

    error = caught.value
    assert (error.http_status, error.error_code, error.error_message) == (status, code, message)
    assert not error.is_invalid_token
    assert len(daraja.seen("POST", PUSH)) == 1
    assert len(daraja.seen("GET", OAUTH_PATH)) == 1


@pytest.mark.parametrize(
    "answer",
    [
        Answer(502, "<html><body>502 Bad Gateway</body></html>", "text/html"),
        Answer(504, "<html><body>504 Gateway Time-out</body></html>", "text/html"),
        Answer(503, "", "text/plain"),
        Answer(500, {"fault": {"faultstring": "Rate limit quota violation"}}),
        Answer(500, {"requestId": "r", "errorCode": "500.003.1001", "errorMessage": "Internal Server Error"}),
        Answer(500, {"requestId": "r", "errorCode": "500.002.1001", "errorMessage": "Duplicate"}),
        Answer(200, "not json", "text/plain"),
        Answer(200, ["a", "list"]),
    ],
)
def test_an_answer_that_does_not_say_refused_is_outcome_unknown_not_a_refusal(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session, answer: Answer
) -> None:
    daraja.script("GET", OAUTH_PATH, oauth("tok-1"))
    daraja.script("POST", PUSH, answer)
    client = make_client(daraja.url, store, session)

    with pytest.raises(DarajaOutcomeUnknown) as caught:
        client.post(PUSH, PAYLOAD)

    assert f"HTTP {answer.status}" in str(caught.value)
    assert len(daraja.seen("POST", PUSH)) == 1


def test_a_proxy_page_instead_of_a_token_means_the_request_was_not_sent(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session
) -> None:
    daraja.script("GET", OAUTH_PATH, Answer(504, "<html>504 Gateway Time-out</html>", "text/html"))
    client = make_client(daraja.url, store, session)

    with pytest.raises(DarajaNotSent):
        client.post(PUSH, PAYLOAD)

    assert daraja.seen("POST") == []


@pytest.mark.parametrize(
    "answer",
    [
        Answer(200, {"expires_in": "3599"}),
        Answer(200, {"access_token": "tok", "expires_in": "soon"}),
        Answer(200, {"access_token": "tok"}),
    ],
)
def test_an_unusable_oauth_answer_raises_daraja_error_and_posts_nothing(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session, answer: Answer
) -> None:
    daraja.script("GET", OAUTH_PATH, answer)
    client = make_client(daraja.url, store, session)

    with pytest.raises(DarajaError) as caught:
        client.post(PUSH, PAYLOAD)

    assert caught.value.error_code == "invalid_oauth_answer"
    assert daraja.seen("POST") == []


def test_an_oauth_refusal_raises_its_daraja_error(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session
) -> None:
    daraja.script("GET", OAUTH_PATH, daraja_error(400, "400.008.01", "Invalid Authentication passed"))
    client = make_client(daraja.url, store, session)

    with pytest.raises(DarajaError) as caught:
        client.post(PUSH, PAYLOAD)

    assert (caught.value.http_status, caught.value.error_code) == (400, "400.008.01")
    assert daraja.seen("POST") == []


def test_a_read_timeout_is_outcome_unknown_and_the_post_is_not_resent(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session
) -> None:
    daraja.script("GET", OAUTH_PATH, oauth("tok-1"))
    daraja.script("POST", PUSH, Answer(200, ACCEPTED, delay=3))
    client = make_client(daraja.url, store, session, Timeouts(connect=2, read=0.3))

    started = time.monotonic()
    with pytest.raises(DarajaOutcomeUnknown):
        client.post(PUSH, PAYLOAD)

    assert time.monotonic() - started < 2.5  # it gave up at the read timeout, not after the answer
    assert len(daraja.seen("POST", PUSH)) == 1


def test_a_connection_dropped_after_sending_is_outcome_unknown_and_not_resent(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session
) -> None:
    daraja.script("GET", OAUTH_PATH, oauth("tok-1"))
    daraja.script("POST", PUSH, Answer(drop=True))
    client = make_client(daraja.url, store, session)

    with pytest.raises(DarajaOutcomeUnknown):
        client.post(PUSH, PAYLOAD)

    assert len(daraja.seen("POST", PUSH)) == 1


def test_an_oauth_read_timeout_means_the_product_request_was_not_sent_and_fetches_once(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session
) -> None:
    daraja.script("GET", OAUTH_PATH, Answer(200, {"access_token": "t", "expires_in": "3599"}, delay=3))
    client = make_client(daraja.url, store, session, Timeouts(connect=2, read=0.3))

    with pytest.raises(DarajaNotSent):
        client.post(PUSH, PAYLOAD)

    assert len(daraja.seen("GET", OAUTH_PATH)) == 1
    assert daraja.seen("POST") == []


@pytest.fixture
def refusing_url() -> Iterator[str]:
    """A loopback port that is bound but not listening: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.parametrize("token_already_shared", [False, True], ids=["oauth-first", "post-first"])
def test_a_refused_connection_is_not_sent(
    refusing_url: str, store: InMemoryTokenStore, session: requests.Session, token_already_shared: bool
) -> None:
    if token_already_shared:
        store.put(token_key(refusing_url), AccessToken("tok-1", time.time() + 3000))
    client = make_client(refusing_url, store, session, Timeouts(connect=1, read=1))

    with pytest.raises(DarajaNotSent, match="could not connect"):
        client.post(PUSH, PAYLOAD)


class _Remaining:
    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def test_a_call_the_invocation_has_no_time_left_for_is_not_sent(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session
) -> None:
    store.put(token_key(daraja.url), AccessToken("tok-1", time.time() + 3000))
    daraja.script("POST", PUSH, Answer(200, ACCEPTED))
    # 6 s less the answer margin: too little for a safe call.
    with budget.invocation(_Remaining(millis=6_000)), pytest.raises(DarajaNotSent, match="too little time"):
        make_client(daraja.url, store, session).post(PUSH, PAYLOAD)

    assert daraja.seen("POST") == []


def test_the_read_is_cut_to_the_api_gateway_deadline_and_ends_outcome_unknown(
    daraja: ScriptedDaraja, store: InMemoryTokenStore, session: requests.Session
) -> None:
    store.put(token_key(daraja.url), AccessToken("tok-1", time.time() + 3000))
    daraja.script("POST", PUSH, Answer(200, ACCEPTED, delay=8))
    # Lambda would allow 60 s, API Gateway 29 s: the budget is 29 s less the answer margin.
    client = make_client(daraja.url, store, session, Timeouts(connect=0.1, read=20))
    with budget.invocation(_Remaining(millis=60_000)):
        assert 24 < budget.remaining() <= 29 - budget.ANSWER_MARGIN_SECONDS
        budget._deadline -= budget.remaining() - 3  # as if 22 s had gone to the token and the set-up
        started = time.monotonic()
        with pytest.raises(DarajaOutcomeUnknown):
            client.post(PUSH, PAYLOAD)

    # It stopped reading when the budget ran out (about 2.7 s), not after the 8 s answer or 20 s read.
    assert time.monotonic() - started < 5
    assert len(daraja.seen("POST", PUSH)) == 1
