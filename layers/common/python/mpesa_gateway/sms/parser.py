"""Safaricom M-PESA confirmation SMS, as a Kenyan phone receives them, to structured transactions.

Pure on purpose (standard library only): the Lambdas, the CLI and the benchmark all import it, and
it must never touch the network or AWS. Speed matters because whole SMS exports (tens of thousands of
messages) are parsed at once, so the design is: collapse whitespace once, match one precompiled
header, dispatch on the first words of the body with plain string checks, then run exactly one
precompiled pattern for that shape plus small searches (balance, cost) over the tail.

Refusing beats guessing: a text whose shape is unknown, whose required fields are missing or whose
figures contradict each other (two different balances or costs) is refused with a reason, never read
half-way. A transaction that is read is read whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final, Literal, get_args

# Safaricom prints East Africa Time and Kenya has no daylight saving, so a fixed offset is exact.
EAT: Final = timezone(timedelta(hours=3), "EAT")
CURRENCY: Final = "KES"
STATUS_COMPLETED: Final = "STATUS_COMPLETED"

TransactionType = Literal[
    "received",
    "sent",
    "paybill",
    "buy_goods",
    "withdrawal",
    "deposit",
    "airtime",
    "reversal",
    "savings_deposit",
    "savings_withdrawal",
    "loan",
    "fuliza",
    "fuliza_repayment",
    "loan_repayment",
    "balance",
]
TRANSACTION_TYPES: Final[frozenset[str]] = frozenset(get_args(TransactionType))

# Whose balance an SMS reports: the M-PESA wallet, or one of the business accounts that a Pochi la
# Biashara ("New business balance"), Till ("New Account balance") or PayBill ("New Utility balance")
# owner is told about. They are different pots of money, so they are never compared with each other.
BalanceAccount = Literal["mpesa", "pochi", "till", "paybill"]
BALANCE_ACCOUNTS: Final[frozenset[str]] = frozenset(get_args(BalanceAccount))

# A confirmation plus Safaricom's footer is a few hundred characters, and a phone joins at most about
# ten 160-character segments. Anything longer is not one SMS; refusing it up front bounds the work
# any hostile text can cause.
MAX_SMS_CHARS: Final = 2000

_CENT: Final = Decimal("0.01")
_ZERO: Final = Decimal("0.00")

# Counterparties of the wallet's own products, which the SMS names but gives no number for.
_FULIZA: Final = "Fuliza M-PESA"
_AIRTIME: Final = "Safaricom Airtime"


class NotATransaction(ValueError):
    """The text is not a completed M-PESA transaction; `reason` says what it is instead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ParsedSms:
    """One completed transaction read from a confirmation SMS.

    Counterparty accounts hold the number the SMS shows (phone, masked phone, paybill, till, agent),
    or the counterparty's name when the SMS shows no number, so they are never blank when a
    counterparty exists. `transaction_time` is None only for the few shapes that print no time
    (Fuliza notices, short reversals) when the caller gave no `received_at`. `balance_account` says
    whose balance `balance` is (None when the SMS gives no balance).
    """

    transaction_id: str
    type: TransactionType
    amount: Decimal
    transaction_time: datetime | None
    payer_name: str = ""
    payer_account: str = ""
    payee_name: str = ""
    payee_account: str = ""
    account_number: str = ""
    balance: Decimal | None = None
    balance_account: BalanceAccount | None = None
    transaction_cost: Decimal | None = None
    # Reversals only: the receipt of the transaction that was undone.
    reversed_transaction_id: str | None = None
    currency: str = CURRENCY
    status: str = STATUS_COMPLETED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: amounts as two-place strings, time as ISO 8601 with +03:00."""
        return {
            "transaction_id": self.transaction_id,
            "type": self.type,
            "amount": f"{self.amount:.2f}",
            "currency": self.currency,
            "payer_name": self.payer_name,
            "payer_account": self.payer_account,
            "payee_name": self.payee_name,
            "payee_account": self.payee_account,
            "account_number": self.account_number,
            "transaction_time": self.transaction_time.isoformat() if self.transaction_time else None,
            "balance": None if self.balance is None else f"{self.balance:.2f}",
            "balance_account": self.balance_account,
            "transaction_cost": None if self.transaction_cost is None else f"{self.transaction_cost:.2f}",
            "reversed_transaction_id": self.reversed_transaction_id,
            "status": self.status,
        }


def _amount(group: str) -> str:
    # Ksh1,500.00 / Ksh 1031.68 / Ksh.0.00 / KSH50.00 / Ksh 1,230 (old messages had no cents).
    return rf"(?:ksh|kes)\.?\s*(?P<{group}>[0-9][0-9,]*(?:\.[0-9]{{1,2}})?)"


# d/m/yy (or yyyy), "at" usually present, 12-hour with AM/PM or 24-hour, no zero padding.
# AM/PM must not run into a lower-case word ("14:30 amount") but may run into a capitalised one,
# because Safaricom glues the withdrawal text on: "11:00 AMWithdraw".
_WHEN = (
    r"(?P<day>[0-9]{1,2})/(?P<month>[0-9]{1,2})/(?P<year>[0-9]{4}|[0-9]{2})\s*(?:at\s*)?"
    r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?:\s*(?P<ampm>[ap]m)(?!(?-i:[a-z])))?"
)
_ON_WHEN = rf"\s+on\s*{_WHEN}"

# Receipt: 9 (older) or 10 upper-case alphanumerics with at least one letter, then "Confirmed"
# in any case, with or without a space or a period after it.
_RECEIPT_CONFIRMED = r"(?=[0-9]*[A-Z])(?P<receipt>[A-Z0-9]{9,10})\s*(?i:confirmed)[.,]?\s*"
_HEADER = re.compile(_RECEIPT_CONFIRMED)
# Some senders put a greeting before the confirmation ("Congratulations! TJ56H6J1WU confirmed.You have
# received ..."). Allowed only when short and free of digits, so no amount or receipt can hide in it.
_GREETED_HEADER = re.compile(r"[^0-9]{1,60}?[\s.,!:;-]" + _RECEIPT_CONFIRMED)

_I = re.IGNORECASE
_LEAD_AMOUNT = re.compile(_amount("amount") + r"\s*", _I)
_IMPLIED_VERB = re.compile(r"you have (?P<verb>received|transferr?ed)\s*", _I)

# Each pattern below runs from the position just after the amount ("rest") or at the body start.
# The name stops at the first " for account": without that guard a text repeating the phrase would
# make the two lazy groups try every pair of cut points.
_SENT = re.compile(
    r"sent to\s+(?P<party>(?:(?!\s+for account).)+?)(?P<paybill>\s+for account(?:\s+(?P<account>.+?))?)?"
    + _ON_WHEN,
    _I,
)
# Till names often end in a period Safaricom adds before " on": "NAIVAS SUPERMARKET. on".
_PAID = re.compile(r"paid to\s+(?P<party>.+?)\.?" + _ON_WHEN, _I)
_RECEIVED = re.compile(r"(?:received\s+)?from\s+(?P<party>.+?)\.?" + _ON_WHEN, _I)
_SAVINGS = re.compile(
    r"(?:transferr?ed\s+)?(?P<direction>to|from)\s+(?:your\s+)?(?P<product>.+?)\s+(?:saving\s+)?account"
    + _ON_WHEN,
    _I,
)
_FULIZA_REPAYMENT = re.compile(
    r"from your m-pesa has been used to\s+(?:fully\s+|partially\s+)?pay your outstanding fuliza m-pesa"
    rf"(?:{_ON_WHEN})?",
    _I,
)
_AGENT = re.compile(
    rf"on\s*{_WHEN}\s*(?P<kind>withdraw|give)\s*{_amount('amount')}\s*(?:cash\s+to|from)\s+(?P<party>.+?)"
    r"(?=\.?\s*new m-pesa balance|\.?$)",
    _I,
)
# What a Till or PayBill owner receives: the time first, the payer as number then name (PayBill: name then
# number) and, for a PayBill, the account the payer typed. "Confirmed on <date>" reads the same way.
# The balance sentence must follow, so an ad after the account number cannot become part of it. The
# party cannot run over "Account Number", and the account cannot run over " New ", which keeps the two
# lazy groups linear on hostile text.
_BUSINESS_RECEIVED = re.compile(
    rf"on\s*{_WHEN}\s*{_amount('amount')}\s*received\s+from\s+"
    r"(?P<party>(?:(?!\.?\s*account\s+(?:number|no\b)).)+?)\.?"
    r"(?:\s*account\s+(?:number|no\.?)\s*:?\s*(?P<account>(?:(?!\s+new\s).)+?)\.?)?"
    r"(?=\s*(?:new\s+)?(?:account|utility|business)\s+balance\s+is)",
    _I,
)
_AIRTIME_BOUGHT = re.compile(
    rf"you bought\s*{_amount('amount')}\s*of airtime(?:\s+for\s+(?P<account>\+?[0-9][0-9*]+))?" + _ON_WHEN,
    _I,
)
_REVERSAL = re.compile(
    r"(?:reversal of\s+)?transaction\s+(?P<original>[A-Z0-9]{9,10})\s+"
    rf"(?:of\s*{_amount('amount2')}\s+(?:to|from)\s+(?P<party>.+?)\s+)?"
    rf"has been (?:successfully\s+)?reversed(?:\s+on\s*{_WHEN})?"
    rf"(?:\s*and\s*{_amount('amount')}\s+is\s+(?P<direction>credited|debited))?",
    _I,
)
_FULIZA_DRAWN = re.compile(
    rf"fuliza m-pesa amount is\s*{_amount('amount')}(?:{_ON_WHEN})?\.?\s*"
    rf"(?:(?:access fee|interest) charged\s*{_amount('fee')})?",
    _I,
)
_LOAN = re.compile(
    rf"your (?P<product>m-shwari|kcb m-pesa) loan (?:of\s*{_amount('amount2')}\s+)?has been approved"
    rf"(?:\s+on\s*{_WHEN})?(?:\s*and\s*{_amount('amount')})?",
    _I,
)
# A loan repaid from the wallet: "Your loan repayment of Ksh.. from your M-PESA account to KCB M-PESA on
# <date> at <time> is successful." Only KCB M-PESA's is seen in public; the lender may also be M-Shwari,
# the wallet's other lender, whose name is printed the same way in its loan messages.
_LOAN_REPAYMENT = re.compile(
    rf"your loan repayment of\s*{_amount('amount')}\s+from your m-pesa account to\s+"
    r"(?P<product>m-shwari|kcb m-pesa)" + _ON_WHEN,
    _I,
)
# "Your account balance was: M-PESA Account : Ksh3,870.00 [Business Account : Ksh0.00] on ..." and the
# older "Your M-PESA balance was Ksh339.00 on ...".
_BALANCE_CHECK = re.compile(
    rf"your (?:account|m-pesa) balance was:?\s*(?:m-pesa account\s*:\s*)?{_amount('amount')}.*?{_ON_WHEN}",
    _I,
)

# The balance after the transaction. For the wallet, not "M-Shwari balance", "KCB M-PESA Account balance"
# or "Fuliza M-PESA limit": those are other accounts, and the first match after the main part wins.
# A business owner's account is named ("New business balance", "New Account balance", "New Utility
# balance", or "Account balance is" opening a sentence) and says which account the figure is for.
_BALANCE = re.compile(
    r"(?:(?<!kcb )(?<!fuliza )m-pesa (?:account )?balance (?:is|was)|your account balance is(?: now)?"
    r"|m-pesa account\s*:|new balance is|new (?P<business>business|account|utility) balance is"
    r"|(?<=\.)\s*(?P<sentence>account) balance is)"
    r"\s*(?:(?:ksh|kes)\.?)?\s*(?P<amount>[0-9][0-9,]*(?:\.[0-9]{1,2})?)",
    _I,
)
_BUSINESS_ACCOUNTS: Final[dict[str, BalanceAccount]] = {
    "business": "pochi",
    "account": "till",
    "utility": "paybill",
}
_COST = re.compile(r"transaction cost,?\s*" + _amount("amount"), _I)

# A number at the end ("JOHN DOE 0712345678", "KCB BANK 522522", "JANE 0707***979") or at the start
# ("501901 - KCB Money Transfer Services") of a counterparty; masked digits are kept as printed.
# Phones are also printed in groups ("0711 111 111"); those are read without the spaces.
_NUMBER = r"(?:0[17][0-9]{2} [0-9]{3} [0-9]{3}|\+?[0-9][0-9*]{3,14}[0-9])"
_TRAILING_NUMBER = re.compile(rf"(?P<name>.+?)(?:\s*-\s*|\s+)(?P<number>{_NUMBER})")
_LEADING_NUMBER = re.compile(rf"(?P<number>{_NUMBER})(?:\s*-\s*|\s+)(?P<name>.+)")
_ONLY_NUMBER = re.compile(_NUMBER)


def parse_sms(text: str, *, received_at: datetime | None = None) -> ParsedSms:
    """Read one M-PESA confirmation SMS; NotATransaction for anything that is not a completed transaction.

    `received_at` (when the phone got the SMS; naive means East Africa Time) is used only for the
    shapes that print no time of their own.
    """
    if not text or text.isspace():
        raise NotATransaction("empty message: not a transaction")
    if len(text) > MAX_SMS_CHARS:
        raise NotATransaction(f"too long for one M-PESA SMS ({len(text)} characters): not a transaction")
    # One pass in C turns newlines, tabs, non-breaking and doubled spaces into single spaces, so no
    # pattern below has to allow for them.
    flat = " ".join(text.split())
    header = _HEADER.match(flat) or _GREETED_HEADER.match(flat)
    if header is not None:
        parsed = _dispatch(header["receipt"], flat, header.end(), received_at)
        if parsed is not None:
            return parsed
    raise NotATransaction(_refusal(flat, has_receipt=header is not None))


# Every handler reads one shape from `start` in the flattened text; None means "not this shape".
_Handler = Callable[[str, str, int, datetime | None], ParsedSms | None]
_AfterAmount = Callable[[str, Decimal, str, int, datetime | None], ParsedSms | None]


def _dispatch(receipt: str, body: str, start: int, received_at: datetime | None) -> ParsedSms | None:
    """Pick the one pattern for this shape from the body's first words; None when no shape fits."""
    head = body[start : start + 24].lower()
    for openings, handler in _BY_OPENING:
        if head.startswith(openings):
            return handler(receipt, body, start, received_at)
    return None


def _amount_first(receipt: str, body: str, start: int, received_at: datetime | None) -> ParsedSms | None:
    """Sent, paybill, buy goods, received, savings and Fuliza repayment all open with the amount."""
    lead = _LEAD_AMOUNT.match(body, start)
    if lead is None:
        return None
    rest = lead.end()
    handler = _AFTER_AMOUNT.get(body[rest : rest + 4].lower())
    return None if handler is None else handler(receipt, _money(lead["amount"]), body, rest, received_at)


def _verb_first(receipt: str, body: str, start: int, received_at: datetime | None) -> ParsedSms | None:
    """ "You have received Ksh.. from" / "You have transferred Ksh.. from your M-Shwari account"."""
    verb = _IMPLIED_VERB.match(body, start)
    if verb is None:
        return None
    lead = _LEAD_AMOUNT.match(body, verb.end())
    if lead is None:
        return None
    handler = _received if verb["verb"][0] in "rR" else _savings
    return handler(receipt, _money(lead["amount"]), body, lead.end(), received_at)


def _received(
    receipt: str, amount: Decimal, body: str, rest: int, received_at: datetime | None
) -> ParsedSms | None:
    match = _RECEIVED.match(body, rest)
    if match is None:
        return None
    name, number = _split_party(match["party"])
    return _build(receipt, "received", amount, body, match, payer_name=name, payer_account=number or name)


def _sent(
    receipt: str, amount: Decimal, body: str, rest: int, received_at: datetime | None
) -> ParsedSms | None:
    """Send Money, or Pay Bill when the SMS names an account (which may be empty)."""
    match = _SENT.match(body, rest)
    if match is None:
        return None
    name, number = _split_party(match["party"])
    if match["paybill"] is None:
        return _build(receipt, "sent", amount, body, match, payee_name=name, payee_account=number or name)
    return _build(
        receipt,
        "paybill",
        amount,
        body,
        match,
        payee_name=name,
        payee_account=number or name,
        account_number=match["account"] or "",
    )


def _paid(
    receipt: str, amount: Decimal, body: str, rest: int, received_at: datetime | None
) -> ParsedSms | None:
    match = _PAID.match(body, rest)
    if match is None:
        return None
    name, number = _split_party(match["party"])
    return _build(receipt, "buy_goods", amount, body, match, payee_name=name, payee_account=number or name)


def _savings(
    receipt: str, amount: Decimal, body: str, rest: int, received_at: datetime | None
) -> ParsedSms | None:
    match = _SAVINGS.match(body, rest)
    if match is None:
        return None
    product = match["product"]
    if match["direction"].lower() == "to":
        return _build(
            receipt, "savings_deposit", amount, body, match, payee_name=product, payee_account=product
        )
    return _build(
        receipt, "savings_withdrawal", amount, body, match, payer_name=product, payer_account=product
    )


def _fuliza_repayment(
    receipt: str, amount: Decimal, body: str, rest: int, received_at: datetime | None
) -> ParsedSms | None:
    match = _FULIZA_REPAYMENT.match(body, rest)
    if match is None:
        return None
    return _build(
        receipt,
        "fuliza_repayment",
        amount,
        body,
        match,
        received_at=received_at,
        payee_name=_FULIZA,
        payee_account=_FULIZA,
    )


def _time_first(receipt: str, body: str, start: int, received_at: datetime | None) -> ParsedSms | None:
    """Agent withdrawals and deposits, and what a Till or PayBill owner receives, open with the time."""
    match = _AGENT.match(body, start)
    if match is not None:
        return _agent(receipt, body, match)
    match = _BUSINESS_RECEIVED.match(body, start)
    if match is None:
        return None
    name, number = _split_party(match["party"])
    return _build(
        receipt,
        "received",
        _money(match["amount"]),
        body,
        match,
        payer_name=name,
        payer_account=number or name,
        account_number=match["account"] or "",
    )


def _agent(receipt: str, body: str, match: re.Match[str]) -> ParsedSms:
    """Withdrawal at, or cash deposit with, an agent."""
    name, number = _split_party(match["party"])
    amount = _money(match["amount"])
    if match["kind"].lower() == "withdraw":
        return _build(
            receipt, "withdrawal", amount, body, match, payee_name=name, payee_account=number or name
        )
    # Cash in: the agent's float becomes the customer's e-money, so the agent is the payer.
    return _build(receipt, "deposit", amount, body, match, payer_name=name, payer_account=number or name)


def _airtime(receipt: str, body: str, start: int, received_at: datetime | None) -> ParsedSms | None:
    match = _AIRTIME_BOUGHT.match(body, start)
    if match is None:
        return None
    return _build(
        receipt,
        "airtime",
        _money(match["amount"]),
        body,
        match,
        payee_name=_AIRTIME,
        payee_account=match["account"] or _AIRTIME,
    )


def _reversal(receipt: str, body: str, start: int, received_at: datetime | None) -> ParsedSms | None:
    match = _REVERSAL.match(body, start)
    if match is None:
        return None
    if match["amount"] and match["amount2"] and _money(match["amount"]) != _money(match["amount2"]):
        raise NotATransaction("contradictory amounts in one reversal: refusing to pick one")
    raw = match["amount"] or match["amount2"]
    # The short form ("Transaction X has been reversed. Your account balance is now ...") gives no amount.
    amount = _money(raw) if raw else _ZERO
    name, number = _split_party(match["party"]) if match["party"] else ("", "")
    # Money comes back from the other party unless the SMS says the wallet was debited.
    debited = (match["direction"] or "").lower() == "debited"
    return _build(
        receipt,
        "reversal",
        amount,
        body,
        match,
        received_at=received_at,
        payer_name="" if debited else name,
        payer_account="" if debited else number or name,
        payee_name=name if debited else "",
        payee_account=number or name if debited else "",
        reversed_transaction_id=match["original"].upper(),
    )


def _fuliza(receipt: str, body: str, start: int, received_at: datetime | None) -> ParsedSms | None:
    """Overdraft drawn to complete a payment; the access fee (older SMS: "interest") is its cost."""
    match = _FULIZA_DRAWN.match(body, start)
    if match is None:
        return None
    fee = match["fee"]
    return _build(
        receipt,
        "fuliza",
        _money(match["amount"]),
        body,
        match,
        received_at=received_at,
        payer_name=_FULIZA,
        payer_account=_FULIZA,
        cost=_money(fee) if fee else None,
    )


def _loan(receipt: str, body: str, start: int, received_at: datetime | None) -> ParsedSms | None:
    match = _LOAN.match(body, start)
    if match is None:
        return None
    raw = match["amount"] or match["amount2"]
    if raw is None:
        return None
    product = _product(match["product"])
    return _build(
        receipt,
        "loan",
        _money(raw),
        body,
        match,
        received_at=received_at,
        payer_name=product,
        payer_account=product,
    )


def _loan_repayment(receipt: str, body: str, start: int, received_at: datetime | None) -> ParsedSms | None:
    match = _LOAN_REPAYMENT.match(body, start)
    if match is None:
        return None
    product = _product(match["product"])
    return _build(
        receipt,
        "loan_repayment",
        _money(match["amount"]),
        body,
        match,
        payee_name=product,
        payee_account=product,
    )


def _product(printed: str) -> str:
    """The lender as Safaricom spells it, whatever the case it was printed in."""
    return "M-Shwari" if printed.lower() == "m-shwari" else "KCB M-PESA"


def _balance_check(receipt: str, body: str, start: int, received_at: datetime | None) -> ParsedSms | None:
    match = _BALANCE_CHECK.match(body, start)
    if match is None:
        return None
    balance = _money(match["amount"])
    return _build(receipt, "balance", balance, body, match, balance=balance)


# Order matters only where openings overlap ("you have " before nothing else starting with "you").
_BY_OPENING: Final[tuple[tuple[tuple[str, ...], _Handler], ...]] = (
    (("ksh", "kes"), _amount_first),
    (("you have ",), _verb_first),
    (("on",), _time_first),
    (("you bought",), _airtime),
    (("transaction ", "reversal of"), _reversal),
    (("fuliza m-pesa amount",), _fuliza),
    (("your m-shwari loan", "your kcb m-pesa loan"), _loan),
    (("your loan repayment",), _loan_repayment),
    (("your account balance", "your m-pesa balance"), _balance_check),
)
# Keyed on the first four letters after the amount: cheaper than a pattern per candidate.
_AFTER_AMOUNT: Final[dict[str, _AfterAmount]] = {
    "rece": _received,
    "sent": _sent,
    "paid": _paid,
    "tran": _savings,
    "from": _fuliza_repayment,
}


_UNSET: Final[Any] = object()


def _build(
    receipt: str,
    kind: TransactionType,
    amount: Decimal,
    body: str,
    match: re.Match[str],
    *,
    received_at: datetime | None = None,
    payer_name: str = "",
    payer_account: str = "",
    payee_name: str = "",
    payee_account: str = "",
    account_number: str = "",
    balance: Decimal | None = _UNSET,
    cost: Decimal | None = _UNSET,
    reversed_transaction_id: str | None = None,
) -> ParsedSms:
    """Add time, balance and cost (searched only after the main part, so names cannot fool them).

    A second, different balance or cost for the same account in one message is a contradiction: the
    message is refused rather than one figure guessed.
    """
    tail = match.end()
    account: BalanceAccount | None = "mpesa" if balance is not _UNSET and balance is not None else None
    if balance is _UNSET:
        balance, account = _balance(body, tail)
    if cost is _UNSET:
        cost = _cost(body, tail)
    return ParsedSms(
        transaction_id=receipt,
        type=kind,
        amount=amount,
        transaction_time=_when(match, received_at),
        payer_name=payer_name,
        payer_account=payer_account,
        payee_name=payee_name,
        payee_account=payee_account,
        account_number=account_number,
        balance=balance,
        balance_account=account,
        transaction_cost=cost,
        reversed_transaction_id=reversed_transaction_id,
    )


def _balance(body: str, tail: int) -> tuple[Decimal | None, BalanceAccount | None]:
    """The first balance after the main part and whose it is; a different one for that account refuses."""
    figures = [(_account_of(found), _money(found["amount"])) for found in _BALANCE.finditer(body, tail)]
    if not figures:
        return None, None
    account, balance = figures[0]
    if any(other == account and value != balance for other, value in figures[1:]):
        raise NotATransaction("contradictory balances in one message: refusing to pick one")
    return balance, account


def _account_of(found: re.Match[str]) -> BalanceAccount:
    named = found["business"] or found["sentence"]
    return _BUSINESS_ACCOUNTS[named.lower()] if named else "mpesa"


def _cost(body: str, tail: int) -> Decimal | None:
    costs = {_money(found["amount"]) for found in _COST.finditer(body, tail)}
    if len(costs) > 1:
        raise NotATransaction("contradictory transaction costs in one message: refusing to pick one")
    return costs.pop() if costs else None


def _when(match: re.Match[str], received_at: datetime | None) -> datetime | None:
    day = match["day"]
    if day is None:
        if received_at is None:
            return None
        return received_at.replace(tzinfo=EAT) if received_at.tzinfo is None else received_at.astimezone(EAT)
    year = int(match["year"])
    hour = int(match["hour"])
    ampm = match["ampm"]
    if ampm is not None:
        # 12:xx AM is just after midnight, 12:xx PM just after noon.
        hour = hour % 12 + (12 if ampm[0] in "pP" else 0)
    try:
        return datetime(
            year + 2000 if year < 100 else year,
            int(match["month"]),
            int(day),
            hour,
            int(match["minute"]),
            tzinfo=EAT,
        )
    except ValueError:
        raise NotATransaction(f"impossible date or time in the message: {match.group()!r}") from None


def _money(raw: str) -> Decimal:
    value = Decimal(raw.replace(",", "")) if "," in raw else Decimal(raw)
    # Nearly every amount already has two places; quantize only the odd ones ("Ksh 1,230", "Ksh5.5").
    return value if raw[-3:-2] == "." else value.quantize(_CENT)


def _split_party(party: str) -> tuple[str, str]:
    """(name, number) of a counterparty as printed; number is "" when the SMS shows none."""
    if party[-1:].isdigit():
        found = _TRAILING_NUMBER.fullmatch(party)
        if found is not None:
            return found["name"], found["number"].replace(" ", "")
        if _ONLY_NUMBER.fullmatch(party):
            return "", party.replace(" ", "")
    # A payer written number first may still end in digits: "488519-NCBA Bank M- pesa:254780429439".
    if party[:1].isdigit():
        found = _LEADING_NUMBER.fullmatch(party)
        if found is not None:
            return found["name"], found["number"].replace(" ", "")
    return party, ""


# Why a text without a readable confirmation is not a transaction, by the first phrase found in it.
_FAILURE_CAUSES: Final = (
    (("insufficient", "not have enough"), "insufficient funds"),
    (("wrong pin", "incorrect pin"), "wrong PIN entered"),
)
_NOT_PAYMENTS: Final = (
    (("request to reverse", "reversal request"), "reversal request acknowledgment, not a completed reversal"),
    (
        ("float balance", "working account", "working balance"),
        "an M-PESA agent's float or working-account notice, not a wallet transaction",
    ),
    (
        ("moved from your business account",),
        "a move between the owner's own business (Pochi la Biashara) and M-PESA accounts, not a payment: "
        "not read as a transaction",
    ),
)


def _refusal(flat: str, *, has_receipt: bool) -> str:
    """Why this text is not a completed transaction, in words a support agent can act on."""
    low = flat.lower()
    cause = next((cause for phrases, cause in _FAILURE_CAUSES if any(p in low for p in phrases)), None)
    if low.startswith("failed"):
        return f"failed transaction: {cause}" if cause else "failed transaction"
    if cause:
        return f"{cause}: no transaction took place"
    notice = next((reason for phrases, reason in _NOT_PAYMENTS if any(p in low for p in phrases)), None)
    if notice:
        return notice
    if has_receipt:
        return "unrecognised M-PESA confirmation: no known transaction shape matched"
    return "not an M-PESA transaction confirmation (no receipt number followed by 'Confirmed')"
