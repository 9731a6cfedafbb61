"""Behaviour rules that tests set through the control API.

A rule targets either a customer number (`msisdn`: STK, C2B, and B2C by its PartyB) or an
organisation short code (`party`: B2B, reversal, transaction status, account balance, and B2C by its
PartyA). `timeout` and `result_and_timeout` only affect the asynchronous account APIs, which have a
QueueTimeOutURL; STK and C2B ignore them, and ignore party rules.

Vodacom's OpenAPI (local.simulator.vodacom) reads the same rules: a Tanzanian or Congolese number's
rule sets how long the customer takes (`callback_delay_ms`) and what they do (`result_code` N answers
INS-N: 0 pays, 5 declines, 9 times out, 2006 lacks the balance).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from local.simulator.errors import ControlInputError
from local.simulator.validation import digits, is_msisdn
from local.simulator.vodacom.markets import is_market_msisdn

# Upper bounds keep a typo from parking a timer or a request thread for hours.
MAX_CALLBACK_DELAY_MS = 600_000
MAX_RESPONSE_DELAY_MS = 120_000
MAX_DUPLICATE_CALLBACKS = 100
MAX_RESULT_CODE = 99_999
TIMEOUT_FLAGS = ("timeout", "result_and_timeout")

is_short_code = digits(5, 7)


@dataclass(frozen=True)
class Rule:
    msisdn: str  # the customer number a rule targets; "" for a party rule
    callback_delay_ms: int
    result_code: int = 0
    drop_callback: bool = False
    duplicate_callbacks: int = 0
    response_delay_ms: int = 0
    party: str = ""  # the short code a party rule targets; "" for a customer-number rule
    timeout: bool = False  # the timeout body to QueueTimeOutURL instead of the result
    result_and_timeout: bool = False  # the timeout body, then the result as well

    @property
    def key(self) -> str:
        """What the rule book files the rule under: 12-digit numbers and 5-7-digit codes never clash."""
        return self.party or self.msisdn

    def to_json(self) -> dict[str, Any]:
        # The target in use first; the timeout flags only when set, so number rules read as before.
        data: dict[str, Any] = {"party": self.party} if self.party else {"msisdn": self.msisdn}
        for field, value in asdict(self).items():
            if field not in ("msisdn", "party") and (value or field not in TIMEOUT_FLAGS):
                data[field] = value
        return data


def int_field(
    body: Mapping[str, Any], field: str, default: int | None, maximum: int, *, minimum: int = 0
) -> int:
    """An integer field within bounds; `default` None makes it required."""
    if field not in body and default is None:
        raise ControlInputError(field, "is required")
    value = body.get(field, default)
    # bool is an int subclass; `true` as a delay is a mistake, not 1 ms.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlInputError(field, "must be an integer")
    if not minimum <= value <= maximum:
        raise ControlInputError(field, f"must be between {minimum} and {maximum}")
    return value


def bool_field(body: Mapping[str, Any], field: str, default: bool = False) -> bool:
    value = body.get(field, default)
    if not isinstance(value, bool):
        raise ControlInputError(field, "must be true or false")
    return value


def parse_rule(body: Any, default_callback_delay_ms: int) -> Rule:
    if not isinstance(body, dict):
        raise ControlInputError("body", "must be a JSON object")
    unknown = sorted(set(body) - {field for field in Rule.__dataclass_fields__})
    if unknown:
        raise ControlInputError(unknown[0], "is not a rule field")
    msisdn, party = _target(body)
    timeout, result_and_timeout = (bool_field(body, flag) for flag in TIMEOUT_FLAGS)
    if timeout and result_and_timeout:
        raise ControlInputError("result_and_timeout", "cannot be combined with timeout")
    return Rule(
        msisdn=msisdn,
        party=party,
        timeout=timeout,
        result_and_timeout=result_and_timeout,
        result_code=int_field(body, "result_code", 0, MAX_RESULT_CODE),
        callback_delay_ms=int_field(
            body, "callback_delay_ms", default_callback_delay_ms, MAX_CALLBACK_DELAY_MS
        ),
        drop_callback=bool_field(body, "drop_callback"),
        duplicate_callbacks=int_field(body, "duplicate_callbacks", 0, MAX_DUPLICATE_CALLBACKS),
        response_delay_ms=int_field(body, "response_delay_ms", 0, MAX_RESPONSE_DELAY_MS),
    )


def _target(body: Mapping[str, Any]) -> tuple[str, str]:
    """(msisdn, party): exactly one of them is given."""
    if "party" in body:
        if "msisdn" in body:
            raise ControlInputError("party", "give msisdn or party, not both")
        party = body["party"]
        if not isinstance(party, str) or not is_short_code(party):
            raise ControlInputError("party", "must be a short code string of 5 to 7 digits")
        return "", party
    msisdn = body.get("msisdn")
    if not isinstance(msisdn, str) or not (is_msisdn(msisdn) or is_market_msisdn(msisdn)):
        raise ControlInputError(
            "msisdn", "must be a 12-digit string 2547XXXXXXXX or 2541XXXXXXXX, or 255/243 + 9 digits"
        )
    return msisdn, ""


class RuleBook:
    def __init__(self, default_callback_delay_ms: int) -> None:
        self._default_callback_delay_ms = default_callback_delay_ms
        self._lock = threading.Lock()
        self._rules: dict[str, Rule] = {}

    @property
    def default_callback_delay_ms(self) -> int:
        return self._default_callback_delay_ms

    def put(self, rule: Rule) -> None:
        with self._lock:
            self._rules[rule.key] = rule

    def for_msisdn(self, msisdn: str) -> Rule:
        """The stored rule, or the default: success after the configured delay."""
        with self._lock:
            rule = self._rules.get(msisdn)
        return rule or Rule(msisdn=msisdn, callback_delay_ms=self._default_callback_delay_ms)

    def first_rule(self, *keys: str) -> Rule:
        """The rule of the first key (a number or a short code) that has one; else the default."""
        with self._lock:
            rule = next((self._rules[key] for key in keys if key in self._rules), None)
        return rule or Rule(msisdn="", callback_delay_ms=self._default_callback_delay_ms)

    def all(self) -> list[Rule]:
        with self._lock:
            return list(self._rules.values())

    def remove(self, key: str) -> bool:
        with self._lock:
            return self._rules.pop(key, None) is not None

    def clear(self) -> int:
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
        return count
