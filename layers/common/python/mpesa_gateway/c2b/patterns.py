"""Merchant-set account patterns, run by RE2 in time linear in the payer's input.

Python's re backtracks: a pattern like (a+)+$ takes seconds on a 24-character BillRefNumber, and the payer
chooses that input. RE2 cannot backtrack, so it also cannot run backreferences or lookarounds; a pattern
using them is refused when the rule is set, never at payment time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is the operator's 400, not a line on stderr


def check_pattern(pattern: str) -> str:
    """The pattern, if RE2 can run it; ValueError naming what it cannot."""
    _compiled(pattern)
    return pattern


def fullmatches(pattern: str, text: str) -> bool:
    return _compiled(pattern).fullmatch(text) is not None


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        raise ValueError(
            f"not a valid regular expression for RE2 ({text}); "
            "backreferences and lookarounds are not supported"
        ) from None
