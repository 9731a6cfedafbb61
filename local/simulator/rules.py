"""Per-phone-number behaviour rules that tests set through the control API."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from local.simulator.validation import is_msisdn

# Upper bounds keep a typo from parking a timer or a request thread for hours.
MAX_CALLBACK_DELAY_MS = 600_000
MAX_RESPONSE_DELAY_MS = 120_000
MAX_DUPLICATE_CALLBACKS = 100
MAX_RESULT_CODE = 99_999


@dataclass(frozen=True)
class Rule:
    msisdn: str
    callback_delay_ms: int
    result_code: int = 0
    drop_callback: bool = False
    duplicate_callbacks: int = 0
    response_delay_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class RuleError(ValueError):
    """A bad control-API rule; names the field so the test author sees the typo at once."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _int_field(body: Mapping[str, Any], field: str, default: int, maximum: int) -> int:
    value = body.get(field, default)
    # bool is an int subclass; `true` as a delay is a mistake, not 1 ms.
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(field, "must be an integer")
    if not 0 <= value <= maximum:
        raise RuleError(field, f"must be between 0 and {maximum}")
    return value


def _bool_field(body: Mapping[str, Any], field: str) -> bool:
    value = body.get(field, False)
    if not isinstance(value, bool):
        raise RuleError(field, "must be true or false")
    return value


def parse_rule(body: Any, default_callback_delay_ms: int) -> Rule:
    if not isinstance(body, dict):
        raise RuleError("body", "must be a JSON object")
    unknown = sorted(set(body) - {field for field in Rule.__dataclass_fields__})
    if unknown:
        raise RuleError(unknown[0], "is not a rule field")
    msisdn = body.get("msisdn")
    if not isinstance(msisdn, str) or not is_msisdn(msisdn):
        raise RuleError("msisdn", "must be a 12-digit string 2547XXXXXXXX or 2541XXXXXXXX")
    return Rule(
        msisdn=msisdn,
        result_code=_int_field(body, "result_code", 0, MAX_RESULT_CODE),
        callback_delay_ms=_int_field(
            body, "callback_delay_ms", default_callback_delay_ms, MAX_CALLBACK_DELAY_MS
        ),
        drop_callback=_bool_field(body, "drop_callback"),
        duplicate_callbacks=_int_field(body, "duplicate_callbacks", 0, MAX_DUPLICATE_CALLBACKS),
        response_delay_ms=_int_field(body, "response_delay_ms", 0, MAX_RESPONSE_DELAY_MS),
    )


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
            self._rules[rule.msisdn] = rule

    def for_msisdn(self, msisdn: str) -> Rule:
        """The stored rule, or the default: success after the configured delay."""
        with self._lock:
            rule = self._rules.get(msisdn)
        return rule or Rule(msisdn=msisdn, callback_delay_ms=self._default_callback_delay_ms)

    def all(self) -> list[Rule]:
        with self._lock:
            return list(self._rules.values())

    def remove(self, msisdn: str) -> bool:
        with self._lock:
            return self._rules.pop(msisdn, None) is not None

    def clear(self) -> int:
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
        return count
