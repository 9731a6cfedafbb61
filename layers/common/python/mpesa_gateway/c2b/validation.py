"""Deciding a C2B validation request: the app's rules, then (optionally) the merchant's own endpoint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from mpesa_gateway.answers import CallbackAck
from mpesa_gateway.c2b.models import C2BPayment
from mpesa_gateway.c2b.patterns import fullmatches
from mpesa_gateway.callbacks import CallbackOutcome, ValidationSummary
from mpesa_gateway.models import C2BValidationRules, PaymentApp


class ValidationCode(StrEnum):
    """The ResultCode of a validation answer, as Daraja lists them: accepted, or why not."""

    ACCEPTED = "0"
    INVALID_MSISDN = "C2B00011"
    INVALID_ACCOUNT = "C2B00012"
    INVALID_AMOUNT = "C2B00013"
    INVALID_KYC_DETAILS = "C2B00014"
    INVALID_SHORT_CODE = "C2B00015"
    OTHER_ERROR = "C2B00016"


_REJECTION_CODES = frozenset(ValidationCode) - {ValidationCode.ACCEPTED}
# Daraja documents BillRefNumber as at most 20 characters; a pattern never sees a longer one.
MAX_ACCOUNT_LENGTH = 20
_CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Refusal:
    """Not this app's money: the code validation answers with, the outcome a confirmation is stored with."""

    result_code: ValidationCode
    outcome: CallbackOutcome
    reason: str


@dataclass(frozen=True)
class Decision:
    result_code: ValidationCode
    reason: str
    third_party_trans_id: str | None = None

    @property
    def accepted(self) -> bool:
        return self.result_code is ValidationCode.ACCEPTED

    def answer(self) -> CallbackAck:
        """What Daraja expects back, within its deadline."""
        return CallbackAck(
            ResultCode=self.result_code.value,
            ResultDesc="Accepted" if self.accepted else "Rejected",
            ThirdPartyTransID=self.third_party_trans_id or None,
        )

    def summary(self) -> ValidationSummary:
        verdict = _ACCEPTED if self.accepted else _REJECTED
        return ValidationSummary(f"{verdict} {self.result_code.value}: {self.reason}")


_ACCEPTED, _REJECTED = "accepted", "rejected"


def is_rejection(outcome: str) -> bool:
    """Whether a stored validation outcome (a Decision's summary) refused the payment."""
    return outcome.startswith(f"{_REJECTED} ")


# Posts the payment to the merchant's URL within the timeout; returns its JSON answer, or None.
Forwarder = Callable[[str, dict[str, Any], float], Any]


def decide(app: PaymentApp, payment: C2BPayment, forward: Forwarder, max_amount: int) -> Decision:
    """max_amount: M-Pesa's per-transaction maximum (a setting)."""
    return _by_rules(app, payment, max_amount) or _by_merchant(app.c2b_validation, payment, forward)


def payment_problem(app: PaymentApp, payment: C2BPayment, max_amount: int) -> Refusal | None:
    """Why a payment is not money paid to this app: validation rejects it, a confirmation is not recorded."""
    if payment.BusinessShortCode not in {app.short_code, app.till_number}:
        return Refusal(
            ValidationCode.INVALID_SHORT_CODE,
            CallbackOutcome.SHORT_CODE_MISMATCH,
            "the short code is not this app's (nor its till)",
        )
    amount = payment.amount
    if amount is None or amount <= 0:
        return Refusal(
            ValidationCode.INVALID_AMOUNT,
            CallbackOutcome.INVALID_AMOUNT,
            "the amount is not a positive number",
        )
    # Compared before quantize, which fails on amounts of more digits than Decimal's precision.
    if amount > max_amount:
        return Refusal(
            ValidationCode.INVALID_AMOUNT,
            CallbackOutcome.INVALID_AMOUNT,
            f"above M-Pesa's per-transaction maximum of {max_amount}",
        )
    if amount != amount.quantize(_CENTS):
        return Refusal(
            ValidationCode.INVALID_AMOUNT,
            CallbackOutcome.INVALID_AMOUNT,
            "the amount has fractions of a cent",
        )
    return None


def _by_rules(app: PaymentApp, payment: C2BPayment, max_amount: int) -> Decision | None:
    if (refusal := payment_problem(app, payment, max_amount)) is not None:
        return Decision(refusal.result_code, refusal.reason)
    rules = app.c2b_validation
    # TransAmount is a valid Decimal here: payment_problem checked it.
    amount = Decimal(payment.TransAmount)
    return _amount_problem(rules, amount) or _account_problem(rules, payment.BillRefNumber.strip())


def _amount_problem(rules: C2BValidationRules, amount: Decimal) -> Decision | None:
    if rules.min_amount is not None and amount < rules.min_amount:
        return Decision(ValidationCode.INVALID_AMOUNT, f"below the minimum of {rules.min_amount}")
    if rules.max_amount is not None and amount > rules.max_amount:
        return Decision(ValidationCode.INVALID_AMOUNT, f"above the maximum of {rules.max_amount}")
    return None


def _account_problem(rules: C2BValidationRules, account: str) -> Decision | None:
    if rules.account_pattern is not None:
        # The payer types the account: bounded, and matched by RE2 in linear time whatever the pattern.
        if len(account) > MAX_ACCOUNT_LENGTH:
            return Decision(
                ValidationCode.INVALID_ACCOUNT,
                f"the account number is longer than {MAX_ACCOUNT_LENGTH} characters",
            )
        if not fullmatches(rules.account_pattern, account):
            return Decision(
                ValidationCode.INVALID_ACCOUNT, "the account number does not match the app's pattern"
            )
    allowed = {value.casefold() for value in rules.allowed_accounts or ()}
    if rules.allowed_accounts is not None and account.casefold() not in allowed:
        return Decision(ValidationCode.INVALID_ACCOUNT, "the account number is not among the app's accounts")
    return None


def _by_merchant(rules: C2BValidationRules, payment: C2BPayment, forward: Forwarder) -> Decision:
    if rules.forward_url is None:
        return Decision(ValidationCode.ACCEPTED, "the app's rules pass")
    answer = forward(rules.forward_url, payment.model_dump(), rules.forward_timeout_ms / 1000)
    code = str(answer.get("ResultCode")) if isinstance(answer, dict) else None
    third_party = answer.get("ThirdPartyTransID") if isinstance(answer, dict) else None
    third_party = str(third_party) if third_party else None
    if code == ValidationCode.ACCEPTED:
        return Decision(ValidationCode.ACCEPTED, "the merchant accepted", third_party)
    if code in _REJECTION_CODES:
        return Decision(ValidationCode(code), "the merchant rejected", third_party)
    # No (usable) answer in time: the app's configured default stands in for the merchant.
    if rules.accept_when_unanswered:
        return Decision(ValidationCode.ACCEPTED, "the merchant did not answer; accepted by default")
    return Decision(ValidationCode.OTHER_ERROR, "the merchant did not answer; rejected by default")
