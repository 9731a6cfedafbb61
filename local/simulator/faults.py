"""Faults that tests inject into Daraja's answers and callbacks through the control API.

A fault names a Daraja path and fires on the next `count` requests to it, or on each with probability
`rate` (drawn from one seedable generator, so a run can be replayed). `processed` says whether Daraja
acted on the request (the push reached the phone, the money moved) before the fault hit its answer.
The Flask side (hooks, answers, the reset) lives in `injection`; this module holds the model, its
parsing and the thread-safe book, plus what a view asks about the fault of its own request.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask import g

from local.simulator.errors import ControlInputError
from local.simulator.rules import MAX_CALLBACK_DELAY_MS, MAX_RESPONSE_DELAY_MS, bool_field, int_field
from local.simulator.vodacom.codes import CODES, INTERNAL_ERROR, OVERLOADED, TIMEOUT

if TYPE_CHECKING:
    from local.simulator.state import SimulatorState


class FaultKind(StrEnum):
    DARAJA_ERROR = "daraja_error"  # Daraja's error JSON with a chosen errorCode
    HTML_502 = "html_502"  # a proxy's HTML error page
    HTML_504 = "html_504"
    RESET = "reset"  # the connection is cut with no HTTP answer at all
    SLOW_ANSWER = "slow_answer"  # the normal answer, delay_ms late
    INVALID_TOKEN = "invalid_token"  # noqa: S105  (a fault's name, not a secret): 404.001.03, as when another caller replaced the token
    CALLBACK_BEFORE_ANSWER = "callback_before_answer"  # the callback lands before the HTTP answer
    OUT_OF_ORDER = "out_of_order"  # the callback or Result comes as shuffled copies
    INS_ERROR = "ins_error"  # Vodacom's error JSON with a chosen INS- code (Vodacom paths only)


class Delivery(StrEnum):
    """What became of a processed request's callback (or Result)."""

    SCHEDULED = "scheduled"
    DROPPED = "dropped"  # a rule drops it: Daraja never sends it
    BEFORE_ANSWER = "before_answer"
    OUT_OF_ORDER = "out_of_order"


# The processed values that make sense per kind; the first is the default.
PROCESSED_CHOICES: dict[FaultKind, tuple[bool, ...]] = {
    FaultKind.DARAJA_ERROR: (False, True),
    FaultKind.HTML_502: (False, True),
    FaultKind.HTML_504: (False, True),
    FaultKind.RESET: (False, True),
    FaultKind.SLOW_ANSWER: (False, True),
    # Daraja checks the token before it reads the request.
    FaultKind.INVALID_TOKEN: (False,),
    # A callback exists only for a request Daraja acted on.
    FaultKind.CALLBACK_BEFORE_ANSWER: (True,),
    FaultKind.OUT_OF_ORDER: (True,),
    FaultKind.INS_ERROR: (False, True),
}
CALLBACK_KINDS = frozenset({FaultKind.CALLBACK_BEFORE_ANSWER, FaultKind.OUT_OF_ORDER})
# Kinds whose answer replaces the normal one when the request was processed first.
ANSWER_KINDS = frozenset(
    {FaultKind.DARAJA_ERROR, FaultKind.INS_ERROR, FaultKind.HTML_502, FaultKind.HTML_504, FaultKind.RESET}
)
# Kinds that answer in Daraja's shape, and Vodacom's; a path takes only its own provider's.
DARAJA_KINDS = frozenset({FaultKind.DARAJA_ERROR, FaultKind.INVALID_TOKEN})
KIND_FIELDS: dict[FaultKind, tuple[str, ...]] = {
    FaultKind.DARAJA_ERROR: ("error_code", "error_message", "http_status"),
    FaultKind.INS_ERROR: ("error_code", "error_message", "http_status"),
    FaultKind.SLOW_ANSWER: ("delay_ms",),
    FaultKind.OUT_OF_ORDER: ("copies", "jitter_ms"),
}
COMMON_FIELDS = ("path", "fault", "count", "rate", "processed", "seed")

MAX_COUNT = 1_000_000
MAX_COPIES = 10
DEFAULT_COPIES = 3
DEFAULT_JITTER_MS = 1000
MAX_ERROR_MESSAGE_LENGTH = 200
ERROR_CODE = re.compile(r"(?P<status>[45]\d\d)\.\d{3}\.\d{2,4}")
INS_CODE = re.compile(r"INS-\d{1,4}")
GENERIC_INS_MESSAGE = "Simulated Vodacom error"
# Vodacom's codes that may come after it acted: an internal error, a timeout, an overload.
INS_AFTER_PROCESSING = frozenset({INTERNAL_ERROR, TIMEOUT, OVERLOADED})
GENERIC_ERROR_MESSAGE = "Simulated Daraja error"


@dataclass(frozen=True)
class KnownError:
    http_status: int
    message: str
    # False: Daraja (or the Apigee proxy in front of it) answers this before acting on a request.
    may_follow_processing: bool


KNOWN_ERRORS: dict[str, KnownError] = {
    "500.003.02": KnownError(500, "Spike arrest violation", may_follow_processing=False),
    "500.003.03": KnownError(500, "Quota Violation", may_follow_processing=False),
    "500.002.1001": KnownError(500, "Duplicate OriginatorConversationID", may_follow_processing=False),
    "500.001.1001": KnownError(
        500,
        "Unable to lock subscriber, a transaction is already in process for the current subscriber",
        may_follow_processing=True,
    ),
    "500.003.1001": KnownError(500, "Internal Server Error", may_follow_processing=True),
    "400.002.02": KnownError(400, "Bad Request - Invalid Request", may_follow_processing=False),
    "400.002.05": KnownError(400, "Invalid Request Payload", may_follow_processing=False),
    "404.001.03": KnownError(404, "Invalid Access Token", may_follow_processing=False),
}


@dataclass(frozen=True)
class Fault:
    id: int
    path: str
    kind: FaultKind
    processed: bool
    count: int | None  # fires on the next `count` matching requests ...
    rate: float | None  # ... or on each with this probability
    error_code: str = ""
    error_message: str = ""
    http_status: int = 0
    delay_ms: int = 0
    copies: int = 0
    jitter_ms: int = 0

    @property
    def blocks_request(self) -> bool:
        """Answers in place of Daraja, which never sees the request."""
        return not self.processed and self.kind is not FaultKind.SLOW_ANSWER

    @property
    def replaces_answer(self) -> bool:
        """Daraja acts on the request, then this fault's answer is sent instead of Daraja's."""
        return self.processed and self.kind in ANSWER_KINDS

    def reference(self) -> dict[str, Any]:
        """How logs name the fault that fired."""
        return {"id": self.id, "fault": self.kind.value}

    def to_json(self, fired: int) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "path": self.path, "fault": self.kind.value}
        data["processed"] = self.processed
        data.update({"count": self.count} if self.count is not None else {"rate": self.rate})
        data.update({field: getattr(self, field) for field in KIND_FIELDS.get(self.kind, ())})
        data["fired"] = fired
        return data


@dataclass(frozen=True)
class FaultPaths:
    """Which Daraja paths a fault may name, and which kinds fit which paths."""

    daraja: Collection[str]  # every provider path the simulator serves (Daraja's and Vodacom's)
    with_callbacks: Collection[str]  # paths whose requests end in a callback or Result
    without_token: Collection[str]  # paths that take no bearer token (OAuth)
    vodacom: Collection[str] = ()  # Vodacom's OpenAPI paths, which answer INS- codes


def parse_fault(body: Any, paths: FaultPaths) -> tuple[Fault, int | None]:
    """The fault (id 0 until the book files it) and the seed to reset the generator with, if given."""
    if not isinstance(body, dict):
        raise ControlInputError("body", "must be a JSON object")
    kind = _kind(body.get("fault"))
    allowed = {*COMMON_FIELDS, *KIND_FIELDS.get(kind, ())}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ControlInputError(unknown[0], f"is not a field of a {kind.value} fault")
    path = _path(body.get("path"), kind, paths)
    count, rate = _trigger(body)
    processed = _processed(body, kind)
    fault = Fault(id=0, path=path, kind=kind, processed=processed, count=count, rate=rate)
    if kind is FaultKind.DARAJA_ERROR:
        fault = _with_error(fault, body)
    elif kind is FaultKind.INS_ERROR:
        fault = _with_ins_error(fault, body)
    elif kind is FaultKind.SLOW_ANSWER:
        fault = replace(fault, delay_ms=int_field(body, "delay_ms", None, MAX_RESPONSE_DELAY_MS, minimum=1))
    elif kind is FaultKind.OUT_OF_ORDER:
        copies = int_field(body, "copies", DEFAULT_COPIES, MAX_COPIES, minimum=2)
        jitter_ms = int_field(body, "jitter_ms", DEFAULT_JITTER_MS, MAX_CALLBACK_DELAY_MS)
        fault = replace(fault, copies=copies, jitter_ms=jitter_ms)
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ControlInputError("seed", "must be an integer")
    return fault, seed


def _kind(value: Any) -> FaultKind:
    try:
        return FaultKind(value)
    except ValueError:
        kinds = ", ".join(kind.value for kind in FaultKind)
        raise ControlInputError("fault", f"must be one of {kinds}") from None


def _path(value: Any, kind: FaultKind, paths: FaultPaths) -> str:
    if not isinstance(value, str) or value not in paths.daraja:
        raise ControlInputError(
            "path",
            "must be a Daraja path the simulator serves, e.g. /mpesa/stkpush/v1/processrequest"
            " (or a Vodacom one)",
        )
    if kind in CALLBACK_KINDS and value not in paths.with_callbacks:
        served = ", ".join(sorted(paths.with_callbacks))
        raise ControlInputError("path", f"{kind.value} needs a path that ends in a callback: {served}")
    if kind is FaultKind.INS_ERROR and value not in paths.vodacom:
        raise ControlInputError(
            "path", "ins_error needs a Vodacom path, e.g. /sandbox/ipg/v2/vodacomTZN/reversal/"
        )
    if kind in DARAJA_KINDS and value in paths.vodacom:
        raise ControlInputError("path", f"{value} answers INS- codes; use ins_error instead of {kind.value}")
    if kind is FaultKind.INVALID_TOKEN and value in paths.without_token:
        raise ControlInputError("path", f"{value} takes no access token; use daraja_error instead")
    return value


def _trigger(body: Mapping[str, Any]) -> tuple[int | None, float | None]:
    if ("count" in body) == ("rate" in body):
        raise ControlInputError("count", "give count (the next N requests) or rate (0 to 1), not both")
    if "count" in body:
        return int_field(body, "count", None, MAX_COUNT, minimum=1), None
    rate = body["rate"]
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise ControlInputError("rate", "must be a number from 0 to 1")
    return None, float(rate)


def _processed(body: Mapping[str, Any], kind: FaultKind) -> bool:
    choices = PROCESSED_CHOICES[kind]
    processed = bool_field(body, "processed", choices[0])
    if processed not in choices:
        reason = "Daraja checks the token first" if kind is FaultKind.INVALID_TOKEN else "it needs a callback"
        message = f"a {kind.value} fault is always processed={str(choices[0]).lower()}: {reason}"
        raise ControlInputError("processed", message)
    return processed


def _error_message(body: Mapping[str, Any], default: str) -> str:
    message = body.get("error_message", default)
    if not isinstance(message, str) or not 1 <= len(message) <= MAX_ERROR_MESSAGE_LENGTH:
        raise ControlInputError("error_message", f"must be text of 1 to {MAX_ERROR_MESSAGE_LENGTH} chars")
    return message


def _with_ins_error(fault: Fault, body: Mapping[str, Any]) -> Fault:
    """Vodacom's answer with a chosen INS- code: its known description and status unless given."""
    code = body.get("error_code")
    if not isinstance(code, str) or INS_CODE.fullmatch(code) is None or code == "INS-0":
        raise ControlInputError("error_code", "must be a Vodacom failure code such as INS-1 or INS-2006")
    known = CODES.get(code)
    message = _error_message(body, known.description if known else GENERIC_INS_MESSAGE)
    http_status = int_field(body, "http_status", known.http_status if known else 500, 599, minimum=400)
    if fault.processed and code not in INS_AFTER_PROCESSING and http_status < 500:
        raise ControlInputError(
            "processed", f"Vodacom answers {code} before it acts on a request, so processed must be false"
        )
    return replace(fault, error_code=code, error_message=message, http_status=http_status)


def _with_error(fault: Fault, body: Mapping[str, Any]) -> Fault:
    code = body.get("error_code")
    if not isinstance(code, str) or (match := ERROR_CODE.fullmatch(code)) is None:
        raise ControlInputError("error_code", "must be a Daraja code such as 500.003.02 (4xx or 5xx)")
    known = KNOWN_ERRORS.get(code)
    message = _error_message(body, known.message if known else GENERIC_ERROR_MESSAGE)
    default_status = known.http_status if known else int(match["status"])
    http_status = int_field(body, "http_status", default_status, 599, minimum=400)
    may_follow = known.may_follow_processing if known else code.startswith("5")
    if fault.processed and not may_follow:
        raise ControlInputError(
            "processed", f"Daraja answers {code} before it acts on a request, so processed must be false"
        )
    return replace(fault, error_code=code, error_message=message, http_status=http_status)


class FaultBook:
    """The faults in the order they were added, how often each fired, and the seeded generator."""

    def __init__(self, seed: int | None) -> None:
        self._lock = threading.Lock()
        # Not for security: a seedable generator, so that a fault run can be replayed.
        self._random = random.Random(seed)  # noqa: S311
        self._faults: list[Fault] = []
        self._fired: dict[int, int] = {}
        self._last_id = 0

    def add(self, fault: Fault, seed: int | None = None) -> Fault:
        with self._lock:
            if seed is not None:
                self._random.seed(seed)
            self._last_id += 1  # ids are never reused, so old log entries stay unambiguous
            filed = replace(fault, id=self._last_id)
            self._faults.append(filed)
            self._fired[filed.id] = 0
            return filed

    def draw(self, path: str) -> Fault | None:
        """The first fault (in the order added) for `path` that fires on this request, counted."""
        with self._lock:
            for fault in self._faults:
                if fault.path != path:
                    continue
                if fault.count is not None:
                    fires = self._fired[fault.id] < fault.count
                else:
                    fires = self._random.random() < (fault.rate or 0.0)
                if fires:
                    self._fired[fault.id] += 1
                    return fault
        return None

    def spread(self, copies: int, jitter_ms: int) -> list[int]:
        """`copies` random extra delays of 0 to jitter_ms, from the seeded generator."""
        with self._lock:
            return [self._random.randint(0, jitter_ms) for _ in range(copies)]

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.to_json(self._fired[fault.id]) for fault in self._faults]

    def clear(self) -> int:
        with self._lock:
            count = len(self._faults)
            self._faults.clear()
            self._fired.clear()
        return count


# --- what a view asks about the fault that fired on its own request -----------------------------

FAULT_KEY = "simulator_fault"


def active_fault() -> Fault | None:
    fault: Fault | None = g.get(FAULT_KEY)
    return fault


def callback_delay_ms(rule_delay_ms: int) -> int:
    """The delay before a callback: none when it must land before the HTTP answer."""
    fault = active_fault()
    return 0 if fault is not None and fault.kind is FaultKind.CALLBACK_BEFORE_ANSWER else rule_delay_ms


def send_callback(
    state: SimulatorState, url: str, body: dict[str, Any], *, delay_ms: int, extra_copies: int
) -> Delivery:
    """Schedules a callback (or Result) as usual, or as the request's callback fault says."""
    fault = active_fault()
    if fault is not None and fault.kind is FaultKind.CALLBACK_BEFORE_ANSWER:
        state.dispatcher.deliver_now(url, body, extra_copies=extra_copies)
        return Delivery.BEFORE_ANSWER
    if fault is not None and fault.kind is FaultKind.OUT_OF_ORDER:
        # Each copy on its own timer, so copies interleave with each other and with other callbacks.
        delays = state.faults.spread(fault.copies + extra_copies, fault.jitter_ms)
        state.dispatcher.schedule_each(url, body, [delay_ms + extra for extra in delays])
        return Delivery.OUT_OF_ORDER
    state.dispatcher.schedule(url, body, delay_ms=delay_ms, extra_copies=extra_copies)
    return Delivery.SCHEDULED
