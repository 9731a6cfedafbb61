"""Organisation accounts per short code, in cents, that B2C and B2B payouts draw on."""

from __future__ import annotations

import threading
from decimal import Decimal

WORKING = "working"
FLOAT = "float"
UTILITY = "utility"  # B2C pays out of this one
CHARGES_PAID = "charges_paid"
SETTLEMENT = "settlement"

# In the order Daraja lists them in an AccountBalance result.
ACCOUNT_NAMES: dict[str, str] = {
    WORKING: "Working Account",
    FLOAT: "Float Account",
    UTILITY: "Utility Account",
    CHARGES_PAID: "Charges Paid Account",
    SETTLEMENT: "Organization Settlement Account",
}
# A short code's balances before its first transaction (cents); Safaricom's sandbox looks like this.
OPENING_CENTS: dict[str, int] = {
    WORKING: 70_000_000,
    FLOAT: 0,
    UTILITY: 22_803_700,
    CHARGES_PAID: -154_000,
    SETTLEMENT: 0,
}

Balances = dict[str, int]  # account -> cents


def format_cents(cents: int) -> str:
    """Daraja's amount text: 228037.00, -1540.00."""
    return f"{Decimal(cents) / 100:.2f}"


def account_line(account: str, cents: int) -> str:
    # Name|Currency|Current|Available|Reserved|Uncleared
    amount = format_cents(cents)
    return f"{ACCOUNT_NAMES[account]}|KES|{amount}|{amount}|0.00|0.00"


def balance_text(balances: Balances) -> str:
    """The AccountBalance result value: every account's line, joined by '&'."""
    return "&".join(account_line(account, balances[account]) for account in ACCOUNT_NAMES)


class OrgAccounts:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._balances: dict[str, Balances] = {}

    def _accounts(self, short_code: str) -> Balances:
        # Callers hold the lock.
        return self._balances.setdefault(short_code, dict(OPENING_CENTS))

    def balances(self, short_code: str) -> Balances:
        with self._lock:
            return dict(self._accounts(short_code))

    def debit(self, short_code: str, account: str, shillings: int) -> Balances | None:
        """Takes the amount in one step; None (and no change) when the account holds too little."""
        with self._lock:
            accounts = self._accounts(short_code)
            if accounts[account] < shillings * 100:
                return None
            accounts[account] -= shillings * 100
            return dict(accounts)

    def credit(self, short_code: str, account: str, shillings: int) -> Balances:
        with self._lock:
            accounts = self._accounts(short_code)
            accounts[account] += shillings * 100
            return dict(accounts)

    def set(self, short_code: str, cents: Balances) -> Balances:
        """Overwrites the given accounts (control API); the others keep their balances."""
        with self._lock:
            accounts = self._accounts(short_code)
            accounts.update(cents)
            return dict(accounts)

    def all(self) -> dict[str, Balances]:
        with self._lock:
            return {short_code: dict(accounts) for short_code, accounts in self._balances.items()}
