"""Vodacom's OpenAPI layer: bodies, the bearer's encryption, INS- codes, market rules, and sessions
(renewed early, the old one serving while the new one activates) over a fake transport and clock."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from admin.models import NewApp
from mpesa_gateway.daraja.client import Timeouts
from mpesa_gateway.daraja.token_cache import SharedTokenCache
from mpesa_gateway.errors import InvalidRequest, OperationNotAllowed
from mpesa_gateway.models import Driver, PaymentApp, TransactionStatus
from mpesa_gateway.vodacom import codes
from mpesa_gateway.vodacom.client import SessionTimes, VodacomClient
from mpesa_gateway.vodacom.errors import SessionNotActive, VodacomOutcomeUnknown, VodacomRefused
from mpesa_gateway.vodacom.markets import CONGO, TANZANIA, exact_amount, no_balance_query
from mpesa_gateway.vodacom.payloads import (
    C2B_SINGLE_STAGE,
    QUERY_TRANSACTION_STATUS,
    C2BSingleStageBody,
    StatusQuery,
)
from mpesa_gateway.vodacom.security import bearer, load_public_key
from tests.unit.fakes import FakeClock, InMemoryTokenStore

_PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_DER_B64 = base64.b64encode(
    _PRIVATE.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()
API_KEY = "test-api-key"


def decrypt(value: str) -> str:
    return _PRIVATE.decrypt(base64.b64decode(value), padding.PKCS1v15()).decode()


def app(driver: Driver = Driver.TANZANIA, currency: str | None = None) -> PaymentApp:
    return PaymentApp(
        app_id="tz",
        merchant_id="m",
        driver=driver,
        short_code="000000",
        currency=currency,
        callback_secret_sha256="x",
    )


PAYMENT = C2BSingleStageBody(
    input_Amount="1000",
    input_Country="TZN",
    input_Currency="TZS",
    input_CustomerMSISDN="255712345678",
    input_ServiceProviderCode="000000",
    input_ThirdPartyConversationID="txn_1",
    input_TransactionReference="ORDER1",
    input_PurchasedItemsDesc="Shoes",
)

# --- bodies, encryption, codes, markets ----------------------------------------------------------


def test_bodies_are_vodacoms_field_names_with_string_values() -> None:
    assert PAYMENT.as_json() == {
        "input_Amount": "1000",
        "input_Country": "TZN",
        "input_Currency": "TZS",
        "input_CustomerMSISDN": "255712345678",
        "input_ServiceProviderCode": "000000",
        "input_ThirdPartyConversationID": "txn_1",
        "input_TransactionReference": "ORDER1",
        "input_PurchasedItemsDesc": "Shoes",
    }


def test_the_bearer_decrypts_to_the_value_with_the_private_key_from_der_or_pem() -> None:
    pem = _PRIVATE.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert decrypt(bearer("secret-api-key", PUBLIC_DER_B64)) == "secret-api-key"
    assert decrypt(bearer("a-session", pem.decode())) == "a-session"
    # PKCS#1 v1.5 is randomised: two bearers of one value differ, both decrypt.
    assert bearer("x", PUBLIC_DER_B64) != bearer("x", PUBLIC_DER_B64)


def test_an_unreadable_public_key_is_a_clear_400_naming_the_field() -> None:
    with pytest.raises(InvalidRequest) as raised:
        load_public_key("not base64 der!")
    assert raised.value.details == {"field": "public_key"}


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("INS-5", TransactionStatus.CANCELLED),
        ("INS-6", TransactionStatus.FAILED),
        ("INS-2006", TransactionStatus.FAILED),
        ("INS-2051", TransactionStatus.FAILED),
        ("INS-15", TransactionStatus.FAILED),
        # Not proof that nothing happened: outcome unknown.
        ("INS-1", None),
        ("INS-9", None),
        ("INS-10", None),
        ("INS-16", None),
        ("INS-424242", None),
        (None, None),
    ],
)
def test_only_codes_that_prove_nothing_was_done_are_refusals(
    code: str | None, status: TransactionStatus | None
) -> None:
    assert codes.refusal_status(code) is status


def test_query_statuses_pending_and_not_found_settle_nothing() -> None:
    assert codes.queried_status("Completed") is TransactionStatus.COMPLETED
    assert codes.queried_status("Cancelled") is TransactionStatus.CANCELLED
    assert codes.queried_status("Expired") is TransactionStatus.TIMEOUT
    assert codes.queried_status("Failed") is TransactionStatus.FAILED
    assert codes.queried_status("Pending") is None
    assert codes.queried_status("N/A") is None


@pytest.mark.parametrize("typed", ["255712345678", "+255 712 345 678", "0712345678", "712345678"])
def test_tanzanian_numbers_in_any_spelling_become_255_and_nine_digits(typed: str) -> None:
    assert TANZANIA.msisdn(typed) == "255712345678"


@pytest.mark.parametrize("typed", ["254712345678", "25571234567", "243812345678", "07123"])
def test_numbers_of_another_market_or_length_are_refused(typed: str) -> None:
    with pytest.raises(InvalidRequest, match="Tanzanian"):
        TANZANIA.msisdn(typed)
    assert CONGO.msisdn("+243 812 345 678") == "243812345678"


def test_currencies_follow_the_market_and_the_apps_default() -> None:
    assert TANZANIA.currency(app(), None) == "TZS"
    assert CONGO.currency(app(Driver.CONGO, "CDF"), None) == "CDF"
    assert CONGO.currency(app(Driver.CONGO), "usd") == "USD"
    with pytest.raises(InvalidRequest, match="USD, CDF"):
        CONGO.currency(app(Driver.CONGO), "TZS")


def test_amounts_keep_the_decimals_their_currency_has_and_no_more() -> None:
    assert exact_amount(Decimal("12.5"), "USD") == "12.50"
    assert exact_amount(1000, "TZS") == "1000"
    with pytest.raises(InvalidRequest, match="more than 0 decimal places for TZS"):
        exact_amount(Decimal("10.50"), "TZS")
    with pytest.raises(InvalidRequest, match="more than 2 decimal places"):
        exact_amount(Decimal("1.005"), "USD")
    with pytest.raises(InvalidRequest, match="above zero"):
        exact_amount(Decimal(0), "USD")


def test_check_balance_on_a_vodacom_app_is_a_400_that_says_the_api_has_none() -> None:
    with pytest.raises(OperationNotAllowed, match="no balance query"):
        no_balance_query(app(Driver.CONGO))


# --- the client over a fake transport ------------------------------------------------------------


class FakeVodacom:
    """requests.Session's `request`, answering as Vodacom would: sessions by number, scripted answers."""

    def __init__(self, clock: FakeClock, activation: float = 0) -> None:
        self.clock = clock
        self.activation = activation
        self.sessions: dict[str, float] = {}  # session -> when it becomes active
        self.seen: list[tuple[str, str, str]] = []  # (method, endpoint, session or api key)
        self.answers: list[tuple[int, dict[str, Any]]] = []
        self.expired: set[str] = set()

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        endpoint = urlsplit(url).path.split("/vodacomTZN/")[1]
        secret = decrypt(kwargs["headers"]["Authorization"].removeprefix("Bearer "))
        self.seen.append((method, endpoint, secret))
        assert kwargs["headers"]["Origin"] == "*"
        if endpoint == "getSession/":
            assert secret == API_KEY
            session = f"s{len(self.sessions) + 1}"
            self.sessions[session] = self.clock() + self.activation
            return answer(200, {"output_ResponseCode": "INS-0", "output_SessionID": session})
        if secret in self.expired:
            return answer(401, {"output_ResponseCode": "INS-991", "output_ResponseDesc": "Session expired"})
        if self.sessions[secret] > self.clock():
            return answer(
                401, {"output_ResponseCode": "INS-989", "output_ResponseDesc": "Session is not active"}
            )
        if method == "GET":
            assert parse_qs(urlsplit(url).query) == {}
            assert "params" in kwargs
        return answer(*self.answers.pop(0)) if self.answers else answer(201, {"output_ResponseCode": "INS-0"})

    def product_calls(self) -> list[str]:
        return [secret for _, endpoint, secret in self.seen if endpoint != "getSession/"]

    def session_calls(self) -> int:
        return sum(endpoint == "getSession/" for _, endpoint, _ in self.seen)


def answer(status: int, body: dict[str, Any]) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    return response


def client(
    vodacom: FakeVodacom,
    store: InMemoryTokenStore,
    clock: FakeClock,
    *,
    activation: float = 0,
    wait: float = 5,
) -> VodacomClient:
    cache = SharedTokenCache(store, refresh_margin_seconds=300, clock=clock, sleep=clock.sleep)
    return VodacomClient(
        "https://openapi.example",
        is_live=False,
        market=TANZANIA,
        api_key=API_KEY,
        public_key=PUBLIC_DER_B64,
        http=vodacom,  # type: ignore[arg-type]
        sessions=cache,
        timeouts=Timeouts(1, 5),
        times=SessionTimes(lifetime_seconds=3600, activation_seconds=activation, wait_seconds=wait),
        clock=clock,
        sleep=clock.sleep,
    )


def test_one_session_serves_every_container_until_it_nears_its_end() -> None:
    clock, store = FakeClock(), InMemoryTokenStore()
    vodacom = FakeVodacom(clock)
    first, second = client(vodacom, store, clock), client(vodacom, store, clock)
    first.call("POST", C2B_SINGLE_STAGE, PAYMENT)
    second.call("POST", C2B_SINGLE_STAGE, PAYMENT)
    clock.advance(3200)
    first.call("POST", C2B_SINGLE_STAGE, PAYMENT)
    assert vodacom.session_calls() == 1
    assert vodacom.product_calls() == ["s1", "s1", "s1"]


def test_a_renewed_session_is_used_only_once_active_the_old_one_serving_meanwhile() -> None:
    clock, store = FakeClock(), InMemoryTokenStore()
    vodacom = FakeVodacom(clock, activation=30)
    tz = client(vodacom, store, clock, activation=30, wait=60)
    tz.call("POST", C2B_SINGLE_STAGE, PAYMENT)  # the very first session: waited for (within the wait)
    assert clock.sleeps == [30]
    clock.advance(3600 - 30 - 300 + 1)  # s1 is inside its renewal margin: renewed, not yet active
    tz.call("POST", C2B_SINGLE_STAGE, PAYMENT)
    clock.advance(29)
    tz.call("POST", C2B_SINGLE_STAGE, PAYMENT)
    clock.advance(1)
    tz.call("POST", C2B_SINGLE_STAGE, PAYMENT)
    assert vodacom.session_calls() == 2
    assert vodacom.product_calls() == ["s1", "s1", "s1", "s2"]
    assert clock.sleeps == [30]  # never waited again: the old session served


def test_with_no_active_session_and_too_long_to_wait_nothing_is_sent() -> None:
    clock, store = FakeClock(), InMemoryTokenStore()
    vodacom = FakeVodacom(clock, activation=30)
    with pytest.raises(SessionNotActive, match="retry"):
        client(vodacom, store, clock, activation=30, wait=5).call("POST", C2B_SINGLE_STAGE, PAYMENT)
    assert vodacom.product_calls() == []


def test_a_session_vodacom_expired_early_is_renewed_and_the_request_sent_once_more() -> None:
    clock, store = FakeClock(), InMemoryTokenStore()
    vodacom = FakeVodacom(clock)
    tz = client(vodacom, store, clock)
    tz.call("POST", C2B_SINGLE_STAGE, PAYMENT)
    vodacom.expired.add("s1")
    tz.call("POST", C2B_SINGLE_STAGE, PAYMENT)
    assert vodacom.product_calls() == ["s1", "s1", "s2"]


def test_a_session_vodacom_says_is_not_active_yet_sends_nothing_more() -> None:
    clock, store = FakeClock(), InMemoryTokenStore()
    vodacom = FakeVodacom(clock, activation=10)  # slower than the gateway was told (0)
    with pytest.raises(SessionNotActive):
        client(vodacom, store, clock).call("POST", C2B_SINGLE_STAGE, PAYMENT)
    assert vodacom.product_calls() == ["s1"]


def test_answers_are_read_by_the_money_rule() -> None:
    clock, store = FakeClock(), InMemoryTokenStore()
    vodacom = FakeVodacom(clock)
    tz = client(vodacom, store, clock)
    vodacom.answers = [
        (401, {"output_ResponseCode": "INS-5", "output_ResponseDesc": "Transaction cancelled by customer"}),
        (408, {"output_ResponseCode": "INS-9", "output_ResponseDesc": "Request timeout"}),
        (503, {"output_ResponseCode": "INS-16", "output_ResponseDesc": "Overload"}),
        (502, {"message": "bad gateway"}),
        (200, {"output_ResponseCode": "INS-0", "output_ResponseTransactionStatus": "Completed"}),
    ]
    with pytest.raises(VodacomRefused) as refused:
        tz.call("POST", C2B_SINGLE_STAGE, PAYMENT)
    assert (refused.value.code, refused.value.status) == ("INS-5", TransactionStatus.CANCELLED)
    for code in ("INS-9", "INS-16", None):
        with pytest.raises(VodacomOutcomeUnknown) as unknown:
            tz.call("POST", C2B_SINGLE_STAGE, PAYMENT)
        assert unknown.value.code == code
    query = StatusQuery(
        input_QueryReference="txn_1",
        input_ServiceProviderCode="000000",
        input_ThirdPartyConversationID="q1",
        input_Country="TZN",
    )
    assert tz.call("GET", QUERY_TRANSACTION_STATUS, query).output_ResponseTransactionStatus == "Completed"


# --- the admin CLI's rules for Vodacom apps --------------------------------------------------------


def vodacom_app(**values: Any) -> NewApp:
    credentials = {"api_key": "k", "public_key": PUBLIC_DER_B64}
    return NewApp.parse(
        **{"app_id": "shop-tz", "merchant_id": "m", "driver": Driver.TANZANIA, "short_code": "000000",
           "credentials": credentials, **values}
    )  # fmt: skip


def test_a_vodacom_app_takes_its_api_key_public_key_and_a_currency_of_its_market() -> None:
    created = vodacom_app(driver=Driver.CONGO, currency="cdf")
    assert created.profile() == {"currency": "CDF"}
    assert created.credentials.plain() == {"api_key": "k", "public_key": PUBLIC_DER_B64}


@pytest.mark.parametrize(
    ("values", "field", "problem"),
    [
        ({"currency": "USD"}, "currency", "MpesaTz apps are paid in TZS"),
        ({"credentials": {"api_key": "k"}}, "public_key", "need `public_key`"),
        ({"credentials": {"api_key": "k", "public_key": "not-a-key"}}, "public_key", "not readable"),
        (
            {"credentials": {"api_key": "k", "public_key": PUBLIC_DER_B64, "consumer_key": "ck"}},
            "consumer_key",
            "take Vodacom's api_key and public_key",
        ),
        ({"driver": Driver.C2B, "short_code": "600984"}, "consumer_key", "need `consumer_key`"),
    ],
)
def test_vodacom_apps_are_refused_without_their_own_credentials(
    values: dict[str, Any], field: str, problem: str
) -> None:
    with pytest.raises(InvalidRequest, match=problem) as refused:
        vodacom_app(**values)
    assert refused.value.details["field"] == field


def test_a_daraja_app_refuses_vodacoms_fields_and_currency() -> None:
    keys = {"consumer_key": "ck", "consumer_secret": "cs", "api_key": "k"}
    with pytest.raises(InvalidRequest, match="take Daraja's credentials, not `api_key`"):
        NewApp.parse(app_id="c2b", merchant_id="m", driver=Driver.C2B, short_code="600984", credentials=keys)
    with pytest.raises(InvalidRequest, match="applies to MpesaCongo and MpesaTz apps only"):
        NewApp.parse(
            app_id="c2b",
            merchant_id="m",
            driver=Driver.C2B,
            short_code="600984",
            credentials={"consumer_key": "ck", "consumer_secret": "cs"},
            currency="KES",
        )
