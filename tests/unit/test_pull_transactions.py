"""Pull Transactions in the layer (mpesa_gateway.c2b.pull): the window, Daraja's bodies and answers,
recording, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from mpesa_gateway.c2b.pull import (
    MAX_PAGES,
    PulledTransaction,
    PullPage,
    PullRequest,
    PullService,
    pull_window,
)
from mpesa_gateway.c2b.service import C2BService, PullOutcome
from mpesa_gateway.daraja.errors import DarajaError
from mpesa_gateway.errors import DarajaRejectedContent, InvalidRequest
from mpesa_gateway.events.derive import transaction_events
from mpesa_gateway.events.models import EventType
from mpesa_gateway.models import DarajaCredentials, Driver, PaymentApp, SettledBy, Transaction

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
APP = PaymentApp(
    app_id="demo-c2b", merchant_id="demo", driver=Driver.C2B, short_code="600984", callback_secret_sha256="0"
)
ITEM = {
    "transactionId": "QJI3R7GXWV",
    "trxDate": "2026-03-15T08:30:00Z",
    "msisdn": 254708374149,
    "sender": "JOHN DOE",
    "transactiontype": "c2b-pay-bill-debit",
    "billreference": "INV-2026-001",
    "amount": 100,
    "organizationname": "Demo Shop",
}


# The window ----------------------------------------------------------------------------------------


def test_the_default_window_is_the_last_lookback_hours_up_to_now():
    window = pull_window(None, None, NOW, default_hours=3)

    assert (window.start, window.end) == (NOW - timedelta(hours=3), NOW)


def test_a_lookback_longer_than_darajas_48_hours_stops_at_48():
    window = pull_window(None, None, NOW, default_hours=72)

    assert window.start == NOW - timedelta(hours=48)


def test_an_end_alone_moves_the_default_start_with_it():
    end = NOW - timedelta(hours=10)

    window = pull_window(None, end, NOW, default_hours=3)

    assert (window.start, window.end) == (end - timedelta(hours=3), end)


@pytest.mark.parametrize(
    ("start", "end", "field", "problem"),
    [
        (NOW - timedelta(hours=49), None, "start", "more than 48 hours ago"),
        (None, NOW + timedelta(hours=1), "end", "in the future"),
        (NOW - timedelta(hours=1), NOW - timedelta(hours=2), "start", "before end"),
        (NOW - timedelta(hours=1), NOW - timedelta(hours=1), "start", "before end"),
    ],
)
def test_a_window_daraja_cannot_answer_is_a_400_naming_the_field(start, end, field, problem):
    with pytest.raises(InvalidRequest) as refused:
        pull_window(start, end, NOW, default_hours=3)

    assert refused.value.details["field"] == field
    assert problem in str(refused.value)


def test_an_end_a_moment_ahead_of_the_gateways_clock_is_now():
    window = pull_window(None, NOW + timedelta(minutes=1), NOW, default_hours=3)

    assert window.end == NOW


@pytest.mark.parametrize(
    "body",
    [
        {"start": "2026-03-15T08:00:00"},  # no offset: Nairobi or UTC?
        {"end": "yesterday"},
        {"window": "3h"},
        {"nominated_number": "12345"},
    ],
)
def test_a_malformed_request_is_refused_by_its_model(body):
    with pytest.raises(ValidationError):
        PullRequest.model_validate(body)


def test_the_query_body_is_darajas_names_in_nairobi_time():
    window = pull_window(datetime(2026, 3, 15, 5, 0, tzinfo=UTC), NOW, NOW, default_hours=3)

    body = window.as_daraja("600984", 1000).as_json()

    assert body == {
        "ShortCode": "600984",
        "StartDate": "2026-03-15 08:00:00",
        "EndDate": "2026-03-15 15:00:00",
        "OffSetValue": "1000",
    }


# Daraja's answer -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "count"),
    [
        ([[ITEM, ITEM]], 2),  # as Daraja nests them
        ([ITEM], 1),
        ([], 0),
        (None, 0),
        ([[]], 0),
        ([[ITEM], "noise", 3], 1),
    ],
)
def test_every_transaction_of_an_answer_is_found_however_it_is_nested(response, count):
    page = PullPage.model_validate({"ResponseCode": "1000", "Response": response})

    assert len(page.transactions()) == count


def test_a_pulled_transaction_is_the_confirmation_it_would_have_been():
    payment = PulledTransaction.model_validate(ITEM).as_payment("600984")

    assert payment.TransID == "QJI3R7GXWV"
    assert payment.TransTime == "20260315113000"  # 08:30 UTC is 11:30 in Nairobi
    assert (payment.TransAmount, payment.MSISDN) == ("100", "254708374149")
    assert (payment.BillRefNumber, payment.BusinessShortCode) == ("INV-2026-001", "600984")
    assert payment.payer_name == "JOHN DOE"


@pytest.mark.parametrize(
    ("trx_date", "trans_time"),
    [
        ("2026-03-15 11:30:00", "20260315113000"),  # Daraja's own format: Nairobi time
        ("2026-03-15T11:30:00+03:00", "20260315113000"),
        ("not a date", ""),
    ],
)
def test_each_spelling_of_trx_date_is_read_as_nairobi_time(trx_date, trans_time):
    payment = PulledTransaction.model_validate({**ITEM, "trxDate": trx_date}).as_payment("600984")

    assert payment.TransTime == trans_time


def test_a_till_payment_without_bill_reference_reads_as_empty():
    payment = PulledTransaction.model_validate({**ITEM, "billreference": None}).as_payment("600984")

    assert payment.BillRefNumber == ""


class Transactions:
    """The two store calls recording a pulled payment makes: a conditional create, and the app's stored
    validation requests for the payment."""

    def __init__(self) -> None:
        self.created: dict[str, Transaction] = {}

    def create(self, transaction: Transaction) -> bool:
        return self.created.setdefault(transaction.transaction_id, transaction) is transaction

    def callbacks_for(self, app_id: str, key: str) -> list[Any]:
        return []


def test_a_pulled_payment_is_recorded_once_under_its_confirmations_id_and_publishes_c2b_received():
    store = Transactions()
    c2b = C2BService(None, store, None, max_amount=250_000)  # type: ignore[arg-type]
    payment = PulledTransaction.model_validate(ITEM).as_payment("600984")

    first, second = c2b.record_pulled(APP, payment), c2b.record_pulled(APP, payment)

    assert (first, second) == (PullOutcome.RECORDED, PullOutcome.ALREADY_KNOWN)
    (pulled,) = store.created.values()
    assert pulled.transaction_id == "txn_c2b_demo-c2b_QJI3R7GXWV"  # what its confirmation would make
    assert pulled.settled_by is SettledBy.PULL
    assert pulled.c2b is not None
    assert pulled.c2b.validation == "no validation request"
    ((_, event_type),) = transaction_events(None, pulled)
    assert event_type is EventType.C2B_RECEIVED


def test_a_pulled_payment_that_is_not_this_apps_money_is_not_recorded():
    store = Transactions()
    c2b = C2BService(None, store, None, max_amount=250_000)  # type: ignore[arg-type]
    payment = PulledTransaction.model_validate({**ITEM, "amount": "0"}).as_payment("600984")

    assert c2b.record_pulled(APP, payment) is PullOutcome.NOT_RECORDED
    assert store.created == {}


# Paging ----------------------------------------------------------------------------------------------


class FakeDaraja:
    """Answers queries from a list of transactions, `page_size` at a time by OffSetValue."""

    def __init__(self, items: list[dict[str, Any]], page_size: int) -> None:
        self.items = items
        self.page_size = page_size
        self.bodies: list[dict[str, Any]] = []

    def post(self, path: str, body: Any) -> dict[str, Any]:
        sent = body.as_json()
        self.bodies.append({"path": path, **sent})
        if "OffSetValue" not in sent:  # a registration
            return {"ResponseStatus": "1000", "ResponseDescription": "Shortcode Registered Successfully"}
        offset = int(sent["OffSetValue"])
        page = self.items[offset : offset + self.page_size]
        return {"ResponseCode": "1000", "Response": [page] if page else []}


class FakeApps:
    def __init__(self, daraja: FakeDaraja) -> None:
        self._daraja = daraja

    def credentials(self, app: PaymentApp) -> DarajaCredentials:
        return DarajaCredentials(consumer_key="k", consumer_secret="s", callback_secret="c")

    def daraja(self, app: PaymentApp, credentials: DarajaCredentials) -> FakeDaraja:
        return self._daraja


class FakeC2B:
    """Knows the TransIDs in `known`; refuses amounts above 1,000."""

    def __init__(self, known: set[str]) -> None:
        self.known = known

    def record_pulled(self, app: PaymentApp, payment: Any) -> PullOutcome:
        if float(payment.TransAmount) > 1000:
            return PullOutcome.NOT_RECORDED
        if payment.TransID in self.known:
            return PullOutcome.ALREADY_KNOWN
        self.known.add(payment.TransID)
        return PullOutcome.RECORDED


def service(items: list[dict[str, Any]], page_size: int, known: set[str]) -> tuple[PullService, FakeDaraja]:
    daraja = FakeDaraja(items, page_size)
    return PullService(FakeApps(daraja), FakeC2B(known), lookback_hours=3), daraja  # type: ignore[arg-type]


def test_pages_are_asked_for_by_offset_until_one_comes_back_empty():
    items = [{**ITEM, "transactionId": f"QJI3R7GX{n:02d}"} for n in range(5)]
    items[4]["amount"] = 5000
    pulls, daraja = service(items, page_size=2, known={"QJI3R7GX01"})

    summary = pulls.pull(APP, PullRequest(), "https://gateway.example")

    assert [body["OffSetValue"] for body in daraja.bodies] == ["0", "2", "4", "5"]
    assert {body["path"] for body in daraja.bodies} == {"/pulltransactions/v1/query"}
    assert (summary.seen, summary.recorded, summary.already_known, summary.not_recorded) == (5, 3, 1, 1)
    assert summary.complete is True


def test_a_record_daraja_lists_that_is_no_payment_is_counted_not_recorded():
    pulls, _ = service([{**ITEM, "transactionId": "bad id!"}, {"amount": 1}], page_size=10, known=set())

    summary = pulls.pull(APP, PullRequest(), "https://gateway.example")

    assert (summary.seen, summary.not_recorded, summary.recorded) == (2, 2, 0)


def test_a_pull_stops_after_its_page_limit():
    items = [{**ITEM, "transactionId": f"QJI{n:07d}"} for n in range(MAX_PAGES + 5)]
    pulls, daraja = service(items, page_size=1, known=set())

    summary = pulls.pull(APP, PullRequest(), "https://gateway.example")

    assert len(daraja.bodies) == MAX_PAGES
    assert (summary.recorded, summary.complete) == (MAX_PAGES, False)


def test_a_nominated_number_registers_the_short_code_first_with_the_confirmation_url():
    pulls, daraja = service([], page_size=10, known=set())

    pulls.pull(APP, PullRequest(nominated_number="0708374149"), "https://gateway.example")

    register, query = daraja.bodies
    assert register["path"] == "/pulltransactions/v1/register"
    assert (register["ShortCode"], register["RequestType"]) == ("600984", "Pull")
    assert register["NominatedNumber"] == "254708374149"
    assert register["CallBackURL"].startswith(
        "https://gateway.example/api/pay/demo-c2b/callback/confirmation?secret="
    )
    assert query["path"] == "/pulltransactions/v1/query"


def test_the_scheduled_pull_leaves_the_last_minutes_to_the_confirmations_and_goes_on_past_a_failure():
    pulls, daraja = service([ITEM], page_size=10, known=set())
    broken = APP.model_copy(update={"app_id": "broken"})
    calls: list[str] = []
    real_pull = pulls._pull

    def pull(app: PaymentApp, window: Any) -> Any:
        calls.append(app.app_id)
        if app.app_id == "broken":
            raise RuntimeError("no credentials")
        if app.app_id == "refused":
            raise DarajaRejectedContent("Daraja refused: not registered for pull")
        return real_pull(app, window)

    pulls._pull = pull  # type: ignore[method-assign]

    tally = pulls.pull_recent([broken, APP.model_copy(update={"app_id": "refused"}), APP])

    assert calls == ["broken", "refused", "demo-c2b"]
    assert tally == {"failed": 2, "seen": 1, "recorded": 1, "already_known": 0, "not_recorded": 0}
    assert "complete" not in tally
    end = datetime.strptime(daraja.bodies[0]["EndDate"], "%Y-%m-%d %H:%M:%S")
    start = datetime.strptime(daraja.bodies[0]["StartDate"], "%Y-%m-%d %H:%M:%S")
    assert end - start == timedelta(hours=3)
    nairobi_now = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=3)
    assert timedelta(minutes=4) < nairobi_now - end < timedelta(minutes=6)


class RefusingDaraja(FakeDaraja):
    def __init__(self, message: str) -> None:
        super().__init__([], page_size=10)
        self.message = message

    def post(self, path: str, body: Any) -> dict[str, Any]:
        if path.endswith("/register"):
            raise DarajaError(400, "400.002.02", self.message)
        return super().post(path, body)


@pytest.mark.parametrize(
    ("message", "refused"),
    [("Shortcode already Registered", False), ("Bad Request - Invalid NominatedNumber", True)],
)
def test_a_short_code_already_registered_for_pull_is_no_error_but_a_refusal_is(message, refused):
    daraja = RefusingDaraja(message)
    pulls = PullService(FakeApps(daraja), FakeC2B(set()), lookback_hours=3)  # type: ignore[arg-type]
    request = PullRequest(nominated_number="0708374149")

    if refused:
        with pytest.raises(DarajaRejectedContent, match="NominatedNumber"):
            pulls.pull(APP, request, "https://gateway.example")
        assert [body["path"] for body in daraja.bodies] == []  # nothing was pulled
    else:
        assert pulls.pull(APP, request, "https://gateway.example").seen == 0
