"""sms.parse_sms: Safaricom confirmation SMS to structured transactions, and refusals of everything else."""

from __future__ import annotations

import dataclasses
import json
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpesa_gateway.sms import BALANCE_ACCOUNTS, TRANSACTION_TYPES, NotATransaction, ParsedSms, parse_sms
from tests.unit.sms_messages import FAMILIES, ISSUE_16, MADE_UP, NOT_TRANSACTIONS, TRANSACTIONS

_EAT = timedelta(hours=3)


@pytest.mark.parametrize("case", TRANSACTIONS, ids=lambda case: case.name)
def test_each_message_parses_to_every_expected_field(case):
    assert parse_sms(case.text).to_dict() == case.expected


@pytest.mark.parametrize(
    ("text", "reason"), [(t, r) for _, t, r in NOT_TRANSACTIONS], ids=[n for n, _, _ in NOT_TRANSACTIONS]
)
def test_non_transactions_are_refused_with_a_reason_that_says_why(text, reason):
    with pytest.raises(NotATransaction) as refused:
        parse_sms(text)
    assert reason.lower() in refused.value.reason.lower()
    assert str(refused.value) == refused.value.reason


def test_the_table_covers_every_transaction_type():
    assert {case.expected["type"] for case in TRANSACTIONS} == TRANSACTION_TYPES


def test_the_table_is_large_enough_to_mean_something():
    assert len(TRANSACTIONS) >= 80
    assert len(NOT_TRANSACTIONS) >= 25


def test_every_family_has_at_least_three_real_wordings():
    # Made-up messages and the issue's made-up figures do not count: a family must have three wordings
    # that a public source shows a phone received.
    counts = Counter(case.family for case in TRANSACTIONS if case.source not in {MADE_UP, ISSUE_16})
    assert set(counts) == set(FAMILIES)
    short = {family: counts[family] for family in FAMILIES if counts[family] < 3}
    assert not short, f"families with fewer than three real wordings: {short}"


def test_made_up_messages_stay_a_small_minority():
    made_up = [case.name for case in TRANSACTIONS if case.source == MADE_UP]
    assert len(made_up) * 10 <= len(TRANSACTIONS), made_up


def test_every_wording_says_where_it_comes_from_and_names_are_unique():
    assert all(case.source.strip() for case in TRANSACTIONS)
    names = [case.name for case in TRANSACTIONS] + [name for name, _, _ in NOT_TRANSACTIONS]
    assert len(names) == len(set(names))


def test_business_side_balances_name_their_account_and_the_table_covers_each():
    seen = {case.expected["balance_account"] for case in TRANSACTIONS}
    assert seen == BALANCE_ACCOUNTS | {None}
    for case in TRANSACTIONS:
        assert (case.expected["balance"] is None) == (case.expected["balance_account"] is None)


@pytest.mark.parametrize("case", TRANSACTIONS, ids=lambda case: case.name)
def test_values_are_typed_not_just_rendered(case):
    parsed = parse_sms(case.text)
    assert isinstance(parsed.amount, Decimal)
    assert parsed.amount.as_tuple().exponent == -2
    for optional in (parsed.balance, parsed.transaction_cost):
        assert optional is None or (isinstance(optional, Decimal) and optional.as_tuple().exponent == -2)
    if parsed.transaction_time is not None:
        assert parsed.transaction_time.utcoffset() == _EAT


def test_to_dict_is_json_ready_with_two_place_amounts_and_eat_time():
    parsed = parse_sms(
        "QJI3R7GXWV Confirmed. Ksh500.00 sent to JANE DOE 0722000000 on 15/3/26 at 10:05 AM. New M-PESA "
        "balance is Ksh1,000.00. Transaction cost, Ksh7.00."
    )
    rendered = json.loads(json.dumps(parsed.to_dict()))
    assert rendered["amount"] == "500.00"
    assert rendered["balance"] == "1000.00"
    assert rendered["transaction_cost"] == "7.00"
    assert rendered["transaction_time"] == "2026-03-15T10:05:00+03:00"
    assert rendered["currency"] == "KES"
    assert rendered["status"] == "STATUS_COMPLETED"


def test_amounts_without_cents_are_given_two_places():
    parsed = parse_sms(
        "BC8JT3861 Confirmed. You have received Ksh 1,230 from JAMES KORIR 0722111222 on 6/4/11 at "
        "5:40 pm New M-PESA balance is Ksh2,150"
    )
    assert parsed.amount == Decimal("1230.00")
    assert parsed.to_dict()["amount"] == "1230.00"
    assert parsed.to_dict()["balance"] == "2150.00"
    assert parsed.transaction_time == datetime(2011, 4, 6, 17, 40, tzinfo=parsed.transaction_time.tzinfo)


def test_parsed_sms_is_frozen():
    parsed = parse_sms(TRANSACTIONS[0].text)
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.amount = Decimal("1.00")  # type: ignore[misc]


def test_whitespace_and_line_breaks_do_not_change_the_result():
    tidy = TRANSACTIONS[0].text
    messy = tidy.replace(" ", "  ").replace(". New", ".\nNew")
    assert parse_sms(messy) == parse_sms(tidy)


def test_the_same_receipt_with_a_different_shape_is_still_read_by_shape():
    # Fuliza notices reuse the receipt of the payment they completed; the type tells them apart.
    payment = parse_sms(
        "UAAIU33DWG Confirmed. Ksh1,500.00 paid to QUICKMART. on 1/6/26 at 6:00 PM.New M-PESA balance is "
        "Ksh0.00. Transaction cost, Ksh0.00."
    )
    overdraft = parse_sms(
        "UAAIU33DWG Confirmed. Fuliza M-PESA amount is Ksh 1010.00. Access Fee charged Ksh 10.10. Total "
        "Fuliza M-PESA outstanding amount is Ksh1135.13 due on 16/09/26."
    )
    assert (payment.transaction_id, payment.type) == ("UAAIU33DWG", "buy_goods")
    assert (overdraft.transaction_id, overdraft.type) == ("UAAIU33DWG", "fuliza")


class TestReceivedAtFallback:
    FULIZA = (
        "UAAIU33DWG Confirmed. Fuliza M-PESA amount is Ksh 1010.00. Access Fee charged Ksh 10.10. Total "
        "Fuliza M-PESA outstanding amount is Ksh1135.13 due on 16/09/26."
    )

    def test_without_it_a_message_with_no_time_has_none(self):
        assert parse_sms(self.FULIZA).transaction_time is None

    def test_an_aware_time_is_converted_to_eat(self):
        received = datetime(2026, 9, 1, 6, 0, tzinfo=UTC)
        when = parse_sms(self.FULIZA, received_at=received).transaction_time
        assert when == received
        assert when.utcoffset() == _EAT
        assert when.hour == 9

    def test_a_naive_time_is_taken_as_eat(self):
        when = parse_sms(self.FULIZA, received_at=datetime(2026, 9, 1, 9, 0)).transaction_time
        assert when.utcoffset() == _EAT
        assert (when.hour, when.minute) == (9, 0)

    def test_the_message_s_own_time_wins(self):
        received = datetime(2030, 1, 1, tzinfo=UTC)
        parsed = parse_sms(TRANSACTIONS[0].text, received_at=received)
        assert parsed.to_dict()["transaction_time"] == "2026-03-15T14:30:00+03:00"


def test_wallet_balance_is_not_confused_with_other_accounts():
    # M-Shwari's balance comes first here; the M-PESA wallet balance is the one reported.
    parsed = parse_sms(
        "TCP22LYZH8 Confirmed.Ksh20.00 transferred from M-Shwari account on 25/3/25 at 4:41 PM. M-Shwari "
        "balance is Ksh10.29 .M-PESA balance is Ksh79.61 .Transaction cost Ksh.0.00"
    )
    assert parsed.balance == Decimal("79.61")


def test_names_that_look_like_amounts_do_not_leak_into_balance_or_cost():
    parsed = parse_sms(
        "UHJ7KL8MN1 Confirmed. Ksh100.00 paid to KSH500 SHOP Transaction cost STORE. on 2/2/26 at 9:00 AM."
        "New M-PESA balance is Ksh400.00. Transaction cost, Ksh0.00."
    )
    assert parsed.payee_name == "KSH500 SHOP Transaction cost STORE"
    assert parsed.balance == Decimal("400.00")
    assert parsed.transaction_cost == Decimal("0.00")


def test_not_a_transaction_is_a_value_error():
    assert issubclass(NotATransaction, ValueError)
    assert NotATransaction("failed transaction").reason == "failed transaction"


def test_parsed_sms_is_the_public_result_type():
    assert isinstance(parse_sms(TRANSACTIONS[0].text), ParsedSms)


def test_text_longer_than_any_sms_is_refused_before_parsing():
    long = TRANSACTIONS[0].text + " Pay with M-PESA GlobalPay." * 100
    with pytest.raises(NotATransaction, match="too long"):
        parse_sms(long)


def test_hostile_repetition_stays_fast():
    # Repeating the paybill phrase once made two lazy groups try every pair of cut points.
    hostile = ("QJI3R7GXWV Confirmed. Ksh1.00 sent to X" + " for account" * 200)[:2000]
    started = time.perf_counter()
    with pytest.raises(NotATransaction, match="unrecognised"):
        parse_sms(hostile)
    assert time.perf_counter() - started < 0.05


def test_hostile_business_side_text_stays_fast():
    # The payer and the account are both lazy; neither may cross the phrase that ends it.
    head = "BH45UU225 Confirmed. on 5/4/11 at 2:45 PM Ksh950.00 received from X"
    for filler in (" account number", " Account Number 1 new", " x"):
        hostile = (head + filler * 200)[:2000]
        started = time.perf_counter()
        with pytest.raises(NotATransaction, match="unrecognised"):
            parse_sms(hostile)
        assert time.perf_counter() - started < 0.05


def test_a_greeting_before_the_receipt_changes_nothing_else():
    plain = TRANSACTIONS[0].text
    assert parse_sms("Dear Customer, " + plain) == parse_sms(plain)


_GREETING = st.text(st.sampled_from("abcdefgHIJKLMN !,.:-"), min_size=1, max_size=40).filter(
    lambda text: "confirmed" not in text.lower()
)
# Ads as phones show them: words, links, USSD codes, figures. The alphabet cannot spell "balance is" or
# "cost", so no ad can carry a second balance or cost.
_AD = st.text(st.sampled_from("abcdefgHIJKLMN *#/:.,0123456789"), max_size=80)


@settings(max_examples=300, deadline=None)
@given(case=st.sampled_from(TRANSACTIONS), greeting=_GREETING, ad=_AD)
def test_greetings_before_and_ads_after_a_confirmation_change_nothing(case, greeting, ad):
    # A greeting is digit-free and short; an ad starts with a word after the message's own last word.
    assert parse_sms(f"{greeting} {case.text} Ad {ad}").to_dict() == case.expected


def _mutate(rng: random.Random, text: str) -> str:
    words = text.split()
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(words))
        action = rng.randrange(4)
        if action == 0 and len(words) > 1:
            del words[at]
        elif action == 1:
            words.insert(at, words[at])
        elif action == 2 and at + 1 < len(words):
            words[at], words[at + 1] = words[at + 1], words[at]
        else:
            words = words[: at + 1]
    return " ".join(words)


def test_damaged_real_messages_either_parse_or_are_refused_never_crash():
    # Dropped, doubled, swapped and cut-off words reach every pattern's failure paths; the only
    # exception allowed out is NotATransaction, and whatever parses must still be well-formed.
    rng = random.Random(20260315)
    parsed, reasons = 0, []
    for _ in range(3000):
        text = _mutate(rng, rng.choice(TRANSACTIONS).text)
        try:
            result = parse_sms(text)
        except NotATransaction as refused:
            reasons.append(refused.reason)
            continue
        parsed += 1
        assert result.type in TRANSACTION_TYPES
        assert result.amount >= 0
        assert result.amount.as_tuple().exponent == -2
    assert all(reasons)
    assert parsed > 0
    assert reasons
