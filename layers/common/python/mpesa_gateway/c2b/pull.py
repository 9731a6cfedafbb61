"""Pull Transactions: the C2B payments Daraja holds for a short code (its last 48 hours), recorded when the
gateway never received their confirmation (Safaricom does not resend a confirmation that failed).

Daraja's API, as Safaricom's portal documents it (developer.safaricom.co.ke/apis/PullTransaction, copied
in public SDKs, e.g. StatumKE/safaricom-daraja-sdk PullQueryRequest, and Go and PHP clients):
- `POST /pulltransactions/v1/register` {ShortCode, RequestType "Pull", NominatedNumber, CallBackURL}
  answers {ResponseRefID, ResponseStatus, ShortCode, ResponseDescription}; a short code registers once,
  and a repeat is answered "already registered".
- `POST /pulltransactions/v1/query` {ShortCode, StartDate, EndDate ("YYYY-MM-DD HH:MM:SS", Nairobi time),
  OffSetValue} answers {ResponseRefID, ResponseCode, ResponseMessage, Response}: `Response` lists the
  transactions ({transactionId, trxDate, msisdn, sender, transactiontype, billreference, amount,
  organizationname}), in practice as a list of lists. A page holds at most 1,000 (community); OffSetValue
  is how many to skip, so the next page starts at the offset plus what the last one held, until a page
  comes back empty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from mpesa_gateway import budget
from mpesa_gateway.answers import Answer
from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.c2b.models import C2BPayment
from mpesa_gateway.c2b.service import C2BService, PullOutcome
from mpesa_gateway.callbacks import callback_url
from mpesa_gateway.daraja.errors import DarajaError, DarajaNotSent, DarajaOutcomeUnknown
from mpesa_gateway.daraja.formats import NAIROBI, daraja_timestamp
from mpesa_gateway.daraja.payloads import DarajaBody
from mpesa_gateway.errors import (
    DarajaRejected,
    DarajaRejectedContent,
    DarajaTimeout,
    DarajaUnavailable,
    GatewayError,
    InvalidRequest,
)
from mpesa_gateway.models import Msisdn, PaymentApp
from mpesa_gateway.observability import logger

REGISTER_PATH = "/pulltransactions/v1/register"
QUERY_PATH = "/pulltransactions/v1/query"
PULL_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# How far back Daraja keeps a short code's transactions for Pull Transactions.
RETENTION = timedelta(hours=48)
# A client clock a little ahead of the gateway's is not an error.
CLOCK_SKEW = timedelta(minutes=5)
# Bounds one pull: 100 pages of up to 1,000 transactions.
MAX_PAGES = 100
# The scheduled pull leaves out the last minutes: a confirmation normally lands within seconds, and the
# payments it records are settled by their confirmation, not by the pull.
SETTLE_MARGIN = timedelta(minutes=5)
# Below this many seconds of an invocation's budget no further page or (scheduled) app is started.
_RESERVE_SECONDS = 10.0


class PullRegisterBody(DarajaBody):
    ShortCode: str
    RequestType: str = "Pull"
    NominatedNumber: str
    CallBackURL: str


class PullQueryBody(DarajaBody):
    ShortCode: str
    StartDate: str
    EndDate: str
    OffSetValue: str


class PullRequest(BaseModel):
    """POST /api/pay/{app}/pullTransactions: which window to pull (default: the last few hours)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"start": "2026-03-15T08:00:00+03:00", "end": "2026-03-15T14:00:00+03:00"},
                {"nominated_number": "254708374149"},
            ]
        },
    )

    start: AwareDatetime | None = Field(default=None, description="Within Daraja's last 48 hours")
    end: AwareDatetime | None = Field(default=None, description="After start; default now")
    nominated_number: Msisdn | None = Field(
        default=None,
        description="Registers the short code for Pull Transactions first (needed once per short code): "
        "the phone number Safaricom nominates for it",
    )


class PullWindow(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime

    def as_daraja(self, short_code: str, offset: int) -> PullQueryBody:
        return PullQueryBody(
            ShortCode=short_code,
            StartDate=self.start.astimezone(NAIROBI).strftime(PULL_DATE_FORMAT),
            EndDate=self.end.astimezone(NAIROBI).strftime(PULL_DATE_FORMAT),
            OffSetValue=str(offset),
        )


def pull_window(
    start: datetime | None, end: datetime | None, now: datetime, default_hours: int
) -> PullWindow:
    """The window a pull asks Daraja about; a clear 400 for one Daraja cannot answer."""
    oldest = now - RETENTION
    if end is not None and end > now + CLOCK_SKEW:
        raise InvalidRequest("end is in the future", field="end")
    until = min(end or now, now)
    since = start or max(until - timedelta(hours=default_hours), oldest)
    if since < oldest:
        raise InvalidRequest("start is more than 48 hours ago: Daraja keeps 48 hours", field="start")
    if since >= until:
        raise InvalidRequest("start must be before end", field="start")
    return PullWindow(start=since, end=until)


class PulledTransaction(BaseModel):
    """One transaction of a query's answer, in Daraja's (lower-case) names."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    transactionId: str
    trxDate: str
    msisdn: str = ""
    sender: str = ""
    transactiontype: str = ""
    billreference: str = ""
    amount: str
    organizationname: str = ""

    @field_validator("billreference", "sender", "msisdn", "transactiontype", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    def as_payment(self, short_code: str) -> C2BPayment:
        """The confirmation this payment's would have been (ValidationError when it cannot be one)."""
        return C2BPayment(
            TransactionType=self.transactiontype,
            TransID=self.transactionId,
            TransTime=_daraja_time(self.trxDate),
            TransAmount=self.amount,
            BusinessShortCode=short_code,
            BillRefNumber=self.billreference,
            MSISDN=self.msisdn,
            FirstName=self.sender,
        )


def _daraja_time(value: str) -> str:
    """trxDate as YYYYMMDDHHmmss: ISO 8601 with an offset, or Daraja's own format in Nairobi time."""
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return ""  # kept without a payment time rather than refused: the money is still the merchant's
    return daraja_timestamp(moment if moment.tzinfo else moment.replace(tzinfo=NAIROBI))


class PullPage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ResponseCode: str | int | None = None
    ResponseMessage: str | None = None
    Response: list[Any] | None = None

    def transactions(self) -> list[dict[str, Any]]:
        """Every transaction object, whether Daraja nests them in lists or not."""
        found: list[dict[str, Any]] = []
        pending = list(self.Response or [])
        while pending:
            item = pending.pop(0)
            if isinstance(item, list):
                pending[:0] = item
            elif isinstance(item, dict):
                found.append(item)
        return found


class PullSummary(Answer):
    """pullTransactions: what Daraja listed in the window and what the gateway did with it."""

    start: datetime
    end: datetime
    seen: int = Field(description="Transactions Daraja listed in the window")
    recorded: int = Field(description="Payments the gateway had not seen, now recorded (settled_by pull)")
    already_known: int = Field(description="Payments the gateway had already recorded")
    not_recorded: int = Field(
        description="Listed but not this app's money (amount, short code) or unreadable: see the logs"
    )
    complete: bool = Field(
        description="False when the pull stopped before Daraja's last page (out of time or pages): pull the "
        "window again; what was recorded stays recorded, once"
    )


class PullService:
    def __init__(self, apps: AppDirectory, c2b: C2BService, lookback_hours: int) -> None:
        self._apps = apps
        self._c2b = c2b
        self._lookback_hours = lookback_hours

    def pull(self, app: PaymentApp, request: PullRequest, base_url: str) -> PullSummary:
        """The merchant's pull: registers the short code first when given a nominated number."""
        window = pull_window(request.start, request.end, datetime.now(UTC), self._lookback_hours)
        if request.nominated_number is not None:
            self.register(app, request.nominated_number, base_url)
        return self._pull(app, window)

    def register(self, app: PaymentApp, nominated_number: str, base_url: str) -> None:
        """Registers the app's short code for Pull Transactions; a repeat registration is no error.
        The CallBackURL is the app's confirmation URL: whatever Daraja sends there is recorded once."""
        credentials = self._apps.credentials(app)
        body = PullRegisterBody(
            ShortCode=app.short_code,
            NominatedNumber=nominated_number,
            CallBackURL=callback_url(base_url, app, credentials, "callback/confirmation"),
        )
        try:
            self._post(app, REGISTER_PATH, body, "the short code was not registered for Pull Transactions")
        except DarajaRejected as refusal:
            if "already registered" not in str(refusal).lower():
                raise

    def pull_recent(self, apps: Iterable[PaymentApp]) -> Counter[str]:
        """The scheduled pull: each app's last hours; one app's failure does not stop the others."""
        tally: Counter[str] = Counter()
        for app in apps:
            if budget.remaining() < _RESERVE_SECONDS:
                tally["deferred"] += 1
                continue
            now = datetime.now(UTC)
            try:
                window = pull_window(None, now - SETTLE_MARGIN, now, self._lookback_hours)
                summary = self._pull(app, window)
            except Exception as error:
                if isinstance(error, GatewayError):  # e.g. a short code Daraja has not registered for pull
                    logger.warning("scheduled pull refused", extra={"app_id": app.app_id, **error.to_body()})
                else:
                    logger.exception("scheduled pull failed", extra={"app_id": app.app_id})
                tally["failed"] += 1
                continue
            tally.update(summary.model_dump(include={"seen", "recorded", "already_known", "not_recorded"}))
        return tally

    def _pull(self, app: PaymentApp, window: PullWindow) -> PullSummary:
        outcomes: Counter[PullOutcome] = Counter()
        seen = offset = 0
        complete = False
        for _ in range(MAX_PAGES):
            if budget.remaining() < _RESERVE_SECONDS:
                break
            page = self._page(app, window, offset)
            if not page:
                complete = True
                break
            seen += len(page)
            offset += len(page)
            outcomes.update(self._record(app, item) for item in page)
        summary = PullSummary(
            start=window.start,
            end=window.end,
            seen=seen,
            recorded=outcomes[PullOutcome.RECORDED],
            already_known=outcomes[PullOutcome.ALREADY_KNOWN],
            not_recorded=outcomes[PullOutcome.NOT_RECORDED],
            complete=complete,
        )
        logger.info(
            "pulled C2B transactions",
            extra={"app_id": app.app_id, **summary.model_dump(mode="json")},
        )
        return summary

    def _page(self, app: PaymentApp, window: PullWindow, offset: int) -> list[dict[str, Any]]:
        # Pages already recorded stay recorded, once: pulling the window again is always safe.
        undone = "the pull stopped part-way; pull again" if offset else "nothing was pulled"
        answer = self._post(app, QUERY_PATH, window.as_daraja(app.short_code, offset), undone)
        try:
            return PullPage.model_validate(answer).transactions()
        except ValidationError:
            raise DarajaTimeout(f"Daraja's answer to the pull could not be read; {undone}") from None

    def _record(self, app: PaymentApp, item: dict[str, Any]) -> PullOutcome:
        try:
            payment = PulledTransaction.model_validate(item).as_payment(app.short_code)
        except ValidationError:
            logger.warning("unreadable pulled transaction", extra={"app_id": app.app_id})
            return PullOutcome.NOT_RECORDED
        return self._c2b.record_pulled(app, payment)

    def _post(self, app: PaymentApp, path: str, body: DarajaBody, undone: str) -> dict[str, Any]:
        credentials = self._apps.credentials(app)
        try:
            return self._apps.daraja(app, credentials).post(path, body)
        except DarajaError as error:
            raise _refusal(error) from None
        except DarajaNotSent:
            raise DarajaUnavailable(f"Daraja could not be reached; {undone}") from None
        except DarajaOutcomeUnknown as error:
            # Registering and querying move no money: Daraja's server error JSON is its refusal.
            if error.daraja_error:
                raise _refusal(error.daraja_error) from None
            raise DarajaTimeout(f"Daraja's answer never came; {undone}") from None


def _refusal(error: DarajaError) -> DarajaRejected:
    rejection = DarajaRejectedContent if error.http_status == 400 else DarajaRejected
    return rejection(f"Daraja refused: {error.error_message}", daraja_code=error.error_code)
