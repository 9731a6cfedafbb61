"""The scheduled reconciler: what no callback settled is settled by asking Daraja, or given up on.

Each run, within the invocation's time: stored callbacks whose handling never finished are applied;
then pending transactions whose check is due, longest-due first and several at a time, are asked
about (STK Query for pushes, Transaction Status for payouts and reversals) and their next check is
set, so that nothing waiting long starves the rest. A push with no outcome at its maximum age is
EXPIRED; a payout or reversal is never given up on (money may have moved): it is escalated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from aws_lambda_powertools.metrics import MetricUnit

from mpesa_gateway import budget
from mpesa_gateway.account.service import AccountService
from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.billmanager.service import BillManagerService
from mpesa_gateway.c2b.service import C2BService
from mpesa_gateway.callbacks import CallbackKind, CallbackOutcome, RawCallback
from mpesa_gateway.config import Settings
from mpesa_gateway.express.service import ExpressService
from mpesa_gateway.models import SettledBy, Transaction, TransactionStatus, TransactionType
from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.payouts.models import PAYOUT_TYPES
from mpesa_gateway.ratiba.service import RatibaService
from mpesa_gateway.results import ResultService
from mpesa_gateway.store.transactions import Settlement, TransactionStore
from mpesa_gateway.vodacom.service import MONEY_TYPES as VODACOM_MONEY_TYPES
from mpesa_gateway.vodacom.service import VodacomService

Item = TypeVar("Item")
# Below this many seconds of budget no new check starts: each may wait on Daraja for a while.
_RESERVE_SECONDS = 10.0
# Daraja answers these later; the reconciler asks Transaction Status about the money-moving ones.
_MONEY_REQUESTS = PAYOUT_TYPES | {TransactionType.REVERSAL}


class Reconciler:
    def __init__(
        self,
        *,
        apps: AppDirectory,
        transactions: TransactionStore,
        express: ExpressService,
        results: ResultService,
        c2b: C2BService,
        account: AccountService,
        vodacom: VodacomService,
        settings: Settings,
        ratiba: RatibaService,
        bill_manager: BillManagerService,
    ) -> None:
        self._apps = apps
        self._transactions = transactions
        self._express = express
        self._results = results
        self._c2b = c2b
        self._account = account
        self._vodacom = vodacom
        self._settings = settings
        self._ratiba = ratiba
        self._bill_manager = bill_manager

    def run(self) -> Counter[str]:
        """One pass; counts what became of each thing looked at."""
        tally: Counter[str] = Counter()
        now = datetime.now(UTC)
        grace = timedelta(seconds=self._settings.callback_grace_seconds)
        for callback in self._transactions.unapplied_callbacks(now - grace, self._settings.reconcile_batch):
            tally[f"callback_{self._guarded(self._reapply, callback)}"] += 1
        due = self._transactions.due_for_check(now, self._settings.reconcile_batch)
        with ThreadPoolExecutor(max_workers=self._settings.reconcile_concurrency) as pool:
            tally.update(pool.map(lambda transaction: self._guarded(self._check, transaction), due))
        return tally

    def _guarded(self, work: Callable[[Item], str], item: Item) -> str:
        if budget.remaining() < _RESERVE_SECONDS:
            return "deferred"  # the next run picks it up
        try:
            return work(item)
        except Exception:
            # One app's broken credentials or one odd record must not stop the rest.
            logger.exception("reconciliation step failed")
            return "error"

    def _reapply(self, callback: RawCallback) -> str:
        if callback.kind is CallbackKind.STK:
            self._express.reapply(callback)
        elif callback.kind in (CallbackKind.RESULT, CallbackKind.TIMEOUT):
            self._results.reapply(callback)
        elif callback.kind is CallbackKind.C2B_CONFIRMATION:
            self._c2b.reapply(callback)
        elif callback.kind is CallbackKind.STANDING_ORDER:
            self._ratiba.reapply(callback)
        elif callback.kind is CallbackKind.INVOICE_PAYMENT:
            self._bill_manager.reapply(callback)
        else:
            # A C2B validation's answer was due within seconds: it cannot be given now; kept for people.
            self._transactions.mark_callback(callback, CallbackOutcome.NOT_REAPPLIED, None)
        return "reapplied"

    def _check(self, transaction: Transaction) -> str:
        age = datetime.now(UTC) - transaction.created_at
        if transaction.vodacom is not None:
            return self._check_vodacom(transaction, age)
        if transaction.type is TransactionType.STK_PUSH:
            return self._check_push(transaction, age)
        if transaction.type in _MONEY_REQUESTS:
            return self._check_money_request(transaction, age)
        return self._check_enquiry(transaction, age)

    def _check_push(self, transaction: Transaction, age: timedelta) -> str:
        app = self._apps.by_id(transaction.app_id)
        interval = self._settings.status_query_interval_seconds
        if (
            app
            and transaction.checkout_request_id
            and self._transactions.claim_status_query(transaction.transaction_id, interval)
        ):
            settled, _ = self._express.ask_daraja(app, transaction)
            if settled.status is not TransactionStatus.PENDING:
                return settled.status.value
        if age.total_seconds() >= self._settings.stk_max_age_seconds:
            return self._expire(transaction, "no callback and no final answer from STK Query")
        self._postpone(transaction, self._settings.stk_recheck_seconds)
        return "PENDING" if transaction.checkout_request_id else "awaiting_callback"

    def _check_money_request(self, transaction: Transaction, age: timedelta) -> str:
        """Money may have moved: ask Transaction Status (its result settles it), never give up."""
        app = self._apps.by_id(transaction.app_id)
        overdue = age.total_seconds() >= self._settings.payout_max_age_seconds
        if overdue and transaction.escalated_at is None:
            metrics.add_metric(name="PayoutEscalated", unit=MetricUnit.Count, value=1)
            logger.error(
                "payout unconfirmed at its maximum age", extra={"transaction_id": transaction.transaction_id}
            )
        if app and transaction.callback_base_url:
            self._account.status(app, transaction.transaction_id, transaction.callback_base_url)
        # Each check is a Transaction Status request of its own: ask less often as the payout ages.
        interval = max(self._settings.payout_recheck_seconds, int(age.total_seconds() / 4))
        self._postpone(transaction, interval, escalate=overdue)
        return "escalated" if overdue else "status_asked"

    def _check_vodacom(self, transaction: Transaction, age: timedelta) -> str:
        """Vodacom's requests: asked about with queryTransactionStatus (or failed if never sent); a push
        still unknown at its maximum age expires, a payout or reversal is escalated, never given up."""
        outcome = self._vodacom.reconcile(transaction, age)
        if outcome in {status.value for status in TransactionStatus if status.is_final}:
            return outcome
        if transaction.type in VODACOM_MONEY_TYPES:
            overdue = age.total_seconds() >= self._settings.payout_max_age_seconds
            if overdue and transaction.escalated_at is None:
                metrics.add_metric(name="PayoutEscalated", unit=MetricUnit.Count, value=1)
            self._postpone(transaction, self._settings.payout_recheck_seconds, escalate=overdue)
            return "escalated" if overdue else outcome
        if age.total_seconds() >= self._settings.stk_max_age_seconds:
            return self._expire(transaction, "no final answer from queryTransactionStatus")
        self._postpone(transaction, self._settings.stk_recheck_seconds)
        return outcome

    def _check_enquiry(self, transaction: Transaction, age: timedelta) -> str:
        """A status or balance request whose result never came: nothing moved; give up at the maximum age."""
        if age.total_seconds() >= self._settings.payout_max_age_seconds:
            return self._expire(transaction, "no result within the maximum age")
        self._postpone(transaction, self._settings.payout_recheck_seconds)
        return "awaiting_result"

    def _expire(self, transaction: Transaction, why: str) -> str:
        expired = Settlement(
            status=TransactionStatus.EXPIRED,
            result_code=None,
            result_desc=f"Expired: {why}",
            settled_by=SettledBy.EXPIRY,
        )
        settled = self._transactions.settle(transaction.transaction_id, expired)
        return TransactionStatus.EXPIRED.value if settled else "settled_meanwhile"

    def _postpone(self, transaction: Transaction, seconds: int, *, escalate: bool = False) -> None:
        until = datetime.now(UTC) + timedelta(seconds=seconds)
        self._transactions.postpone(transaction.transaction_id, until, escalate=escalate)
