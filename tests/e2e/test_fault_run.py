"""The fault run over the local stack (bench/fault_run.py), small enough for every `make test`.

Its figures are the issue's: every payment settled as Daraja did it, 0 customers prompted twice,
0 payouts sent twice, 0 5xx to merchants, totals equal for everything the gateway could know.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.fault_run import Figures, run


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Figures:
    found = run(payments=150, payouts=40, workdir=Path(tmp_path_factory.mktemp("fault-run")))
    print(found.table())  # shown with -s, and in the failure report
    return found


def test_every_payment_and_payout_ends_as_daraja_did_it(figures: Figures):
    assert figures.problems == []
    assert sum(figures.stk.values()) == 150
    assert sum(figures.payouts.values()) == 40


def test_no_customer_is_prompted_twice_and_no_payout_is_sent_twice(figures: Figures):
    assert (figures.prompted_twice, figures.paid_twice) == (0, 0)


def test_merchants_never_get_a_5xx_or_a_lost_connection(figures: Figures):
    assert [status for status in figures.answers if status >= 500 or status == 0] == []


def test_payout_totals_agree_and_only_unknowable_pushes_differ(figures: Figures):
    assert figures.gateway_paid_out == figures.daraja_paid_out
    # A push whose answer was lost and whose callback was dropped cannot be known (no CheckoutRequestID
    # to query): those are the only ones allowed to differ, and they are counted, not hidden.
    assert figures.gateway_paid <= figures.daraja_paid
    assert figures.gateway_paid == figures.daraja_paid or figures.unknowable > 0
