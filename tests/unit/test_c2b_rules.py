"""C2B validation decisions, pure: the app's rules, then the merchant's endpoint, then the default."""

from __future__ import annotations

import time
from typing import Any

import pytest

from admin.models import C2BRuleOptions
from admin.service import merge_c2b_rules
from mpesa_gateway.c2b.models import C2BPayment
from mpesa_gateway.c2b.patterns import fullmatches
from mpesa_gateway.c2b.validation import decide, payment_problem
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.models import C2BValidationRules, Driver, PaymentApp

MAX_AMOUNT = 250_000
BASE_PAYMENT = {"TransID": "QJI3R7GXWV", "TransAmount": "100.00", "BusinessShortCode": "600984"}


def app(**rules: Any) -> PaymentApp:
    return PaymentApp(
        app_id="shop-c2b",
        merchant_id="shop",
        driver=Driver.C2B,
        short_code="600984",
        callback_secret_sha256="0" * 64,
        c2b_validation=C2BValidationRules(**rules),
    )


def payment(**changes: Any) -> C2BPayment:
    return C2BPayment.model_validate({**BASE_PAYMENT, "BillRefNumber": "ACC-001", **changes})


class Merchant:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[tuple[str, float]] = []

    def __call__(self, url: str, body: dict[str, Any], timeout: float) -> Any:
        self.calls.append((url, timeout))
        return self.answer


def never_called(url: str, body: dict[str, Any], timeout: float) -> Any:
    raise AssertionError("the merchant must not be asked")


@pytest.mark.parametrize(
    ("rules", "changes", "code"),
    [
        ({}, {}, "0"),
        ({}, {"BusinessShortCode": "600000"}, "C2B00015"),
        ({}, {"TransAmount": "0.00"}, "C2B00013"),
        ({}, {"TransAmount": "NaN"}, "C2B00013"),
        ({"min_amount": 101}, {}, "C2B00013"),
        ({"max_amount": 99}, {}, "C2B00013"),
        ({"min_amount": 100, "max_amount": 100}, {}, "0"),
        ({"account_pattern": r"ACC-\d{3}"}, {}, "0"),
        ({"account_pattern": r"ACC-\d{3}"}, {"BillRefNumber": "ACC-0011"}, "C2B00012"),  # full match only
        ({"account_pattern": r"ACC-\d{3}"}, {"BillRefNumber": "  ACC-001 "}, "0"),  # trimmed
        ({"allowed_accounts": ["acc-001"]}, {}, "0"),  # case-insensitive
        ({"allowed_accounts": []}, {}, "C2B00012"),  # an empty list allows none
        ({"allowed_accounts": ["B"]}, {"BillRefNumber": ""}, "C2B00012"),
    ],
)
def test_rules(rules: dict, changes: dict, code: str):
    assert decide(app(**rules), payment(**changes), never_called, MAX_AMOUNT).result_code == code


@pytest.mark.parametrize(
    ("answer", "code", "third_party"),
    [
        ({"ResultCode": "0"}, "0", None),
        ({"ResultCode": 0, "ThirdPartyTransID": "T-1"}, "0", "T-1"),
        ({"ResultCode": "C2B00014", "ResultDesc": "Rejected"}, "C2B00014", None),
    ],
)
def test_the_merchant_decides_once_the_rules_pass(answer: Any, code: str, third_party: str | None):
    merchant = Merchant(answer)

    decision = decide(
        app(forward_url="https://shop.example/v", forward_timeout_ms=1500), payment(), merchant, MAX_AMOUNT
    )

    assert (decision.result_code, decision.third_party_trans_id) == (code, third_party)
    assert merchant.calls == [("https://shop.example/v", 1.5)]


@pytest.mark.parametrize("answer", [None, "text", {"ResultCode": "C2B00099"}, {"ResultCode": "1"}, {}])
@pytest.mark.parametrize(("accept", "code"), [(True, "0"), (False, "C2B00016")])
def test_no_usable_answer_falls_back_to_the_apps_default(answer: Any, accept: bool, code: str):
    rules = {"forward_url": "https://shop.example/v", "accept_when_unanswered": accept}

    decision = decide(app(**rules), payment(), Merchant(answer), MAX_AMOUNT)

    assert decision.result_code == code
    assert "did not answer" in decision.reason


def test_answers_carry_daraja_shape():
    accepted = decide(app(), payment(), never_called, MAX_AMOUNT)
    rejected = decide(app(max_amount=1), payment(), never_called, MAX_AMOUNT)

    assert accepted.answer().model_dump() == {"ResultCode": "0", "ResultDesc": "Accepted"}
    assert rejected.answer().model_dump() == {"ResultCode": "C2B00013", "ResultDesc": "Rejected"}
    assert rejected.summary().startswith("rejected C2B00013")


@pytest.mark.parametrize(
    "rules", [{"account_pattern": "("}, {"min_amount": 5, "max_amount": 1}, {"forward_timeout_ms": 7000}]
)
def test_impossible_rules_are_refused_by_the_model(rules: dict):
    with pytest.raises(ValueError, match="validation error"):
        C2BValidationRules(**rules)


# Payments that are not this app's money ------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "outcome"),
    [
        ({"BusinessShortCode": "600000"}, "short_code_mismatch"),
        ({"TransAmount": "0.00"}, "invalid_amount"),
        ({"TransAmount": "-5"}, "invalid_amount"),
        ({"TransAmount": "Infinity"}, "invalid_amount"),
        ({"TransAmount": "100.505"}, "invalid_amount"),  # fractions of a cent
        ({"TransAmount": "250000.01"}, "invalid_amount"),  # above the per-transaction maximum
        ({"TransAmount": "1e100"}, "invalid_amount"),  # more digits than Decimal's precision
    ],
)
def test_a_payment_to_another_short_code_or_of_no_valid_amount_is_a_problem(changes: dict, outcome: str):
    problem = payment_problem(app(), payment(**changes), MAX_AMOUNT)

    assert problem is not None
    assert problem.outcome == outcome
    assert decide(app(), payment(**changes), never_called, MAX_AMOUNT).result_code == problem.result_code


@pytest.mark.parametrize("changes", [{}, {"TransAmount": "100.5"}, {"TransAmount": "250000"}])
def test_a_positive_amount_in_whole_cents_up_to_the_maximum_is_fine(changes: dict):
    assert payment_problem(app(), payment(**changes), MAX_AMOUNT) is None


def test_a_payment_to_the_apps_till_is_the_apps():
    till_app = app().model_copy(update={"till_number": "5123456"})

    assert payment_problem(till_app, payment(BusinessShortCode="5123456"), MAX_AMOUNT) is None
    assert payment_problem(till_app, payment(), MAX_AMOUNT) is None  # its store number too


# Account patterns: linear time, refused when set if RE2 cannot run them -----------------------------


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)+$", r"(a*)*b", r"([a-z]+)*[0-9]"])
def test_a_pathological_pattern_on_a_long_account_decides_at_once(pattern: str):
    # With Python's re, (a+)+$ on 24 a's and a '!' took 1.3 s, doubling with each character.
    rules = {"account_pattern": pattern}
    started = time.monotonic()

    hostile = decide(app(**rules), payment(BillRefNumber="a" * 19 + "!"), never_called, MAX_AMOUNT)

    assert time.monotonic() - started < 0.1
    assert hostile.result_code == "C2B00012"
    assert "does not match" in hostile.reason


def test_a_pattern_still_matches_what_it_should():
    rules = {"account_pattern": r"(a|aa)+"}

    assert decide(app(**rules), payment(BillRefNumber="a" * 20), never_called, MAX_AMOUNT).accepted


def test_an_account_longer_than_darajas_20_characters_is_rejected_before_matching():
    decision = decide(app(account_pattern=".*"), payment(BillRefNumber="A" * 21), never_called, MAX_AMOUNT)

    assert decision.result_code == "C2B00012"
    assert "longer than 20" in decision.reason


@pytest.mark.parametrize(
    "pattern", [r"(a)\1", r"(?=ACC)ACC-\d+", r"(?<!X)\d+", r"ACC(?!-0)\d+", "a{1000}{1000}"]
)
def test_a_pattern_re2_cannot_run_is_refused_when_the_rule_is_set(pattern: str):
    with pytest.raises(InvalidRequest) as raised:
        merge_c2b_rules(C2BRuleOptions(c2b_account_pattern=pattern), None)

    assert raised.value.details == {"field": "c2b_account_pattern"}
    assert "`c2b_account_pattern`" in raised.value.message
    assert "RE2" in raised.value.message


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)+$", r"(a*)*b", r"([a-z]+)*[0-9]"])
def test_the_pattern_engine_is_linear_even_past_the_length_bound(pattern: str):
    # Python's re would need about 2**5000 steps here; RE2 reads the input once.
    started = time.monotonic()

    matched = fullmatches(pattern, "a" * 5000 + "!")

    assert time.monotonic() - started < 0.1
    assert matched is False
