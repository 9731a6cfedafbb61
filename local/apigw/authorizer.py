"""A REST API TOKEN authorizer: the event it receives, the IAM evaluation of the policy it answers, and
API Gateway's cache of that answer per token."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from infra.routes import AUTHORIZER_CACHE_MAX_SECONDS

_INVOKE_ACTION = "execute-api:Invoke"
_EFFECTS = frozenset({"Allow", "Deny"})
CACHE_SECONDS_VARIABLE = "MERCHANT_AUTHORIZER_CACHE_SECONDS"


class MalformedPolicy(ValueError):
    """The authorizer's answer is not something API Gateway can use (it answers 500)."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # requestContext.authorizer for the route's event: principalId plus the stringified context.
    request_context: dict[str, Any]


def method_arn(*, region: str, account_id: str, api_id: str, stage: str, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{path.removeprefix('/')}"


def token_event(token: str, arn: str) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}


def evaluate(answer: Any, arn: str, latency_ms: int) -> Decision:
    """Decide like IAM: an explicit Deny matching the ARN wins, else some Allow must match it."""
    if not isinstance(answer, dict):
        raise MalformedPolicy(f"the answer is a {type(answer).__name__}, not an object")
    principal_id = answer.get("principalId")
    if not isinstance(principal_id, str) or not principal_id:
        raise MalformedPolicy("principalId must be a non-empty string")
    document = answer.get("policyDocument")
    if not isinstance(document, dict):
        raise MalformedPolicy("policyDocument must be an object")
    statements = document.get("Statement")
    if isinstance(statements, dict):  # IAM accepts a lone statement as well as a list
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise MalformedPolicy("policyDocument.Statement must be a non-empty list")

    parsed = [_parse_statement(statement) for statement in statements]
    effects = {effect for effect, resources in parsed if _any_match(resources, arn)}
    request_context = {"principalId": principal_id, "integrationLatency": latency_ms}
    request_context.update(_stringify_context(answer.get("context")))
    return Decision(allowed="Allow" in effects and "Deny" not in effects, request_context=request_context)


def _parse_statement(statement: Any) -> tuple[str, list[str]]:
    """The statement's effect and, if it grants or denies execute-api:Invoke, its resources."""
    if not isinstance(statement, dict):
        raise MalformedPolicy("each Statement must be an object")
    effect = statement.get("Effect")
    if effect not in _EFFECTS:
        raise MalformedPolicy(f"Effect must be Allow or Deny, got {effect!r}")
    if "Condition" in statement or "NotAction" in statement or "NotResource" in statement:
        # Evaluating these locally would guess; refusing keeps local and deployed behaviour honest.
        raise MalformedPolicy("Condition, NotAction and NotResource are not emulated locally")
    actions = _strings(statement.get("Action"), "Action")
    resources = _strings(statement.get("Resource"), "Resource")
    # Action names are case-insensitive in IAM; ARNs are not.
    if not any(_wildcard(action.lower()).fullmatch(_INVOKE_ACTION.lower()) for action in actions):
        return effect, []
    return effect, resources


def _strings(value: Any, name: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(item, str) for item in values):
        raise MalformedPolicy(f"{name} must be a string or a non-empty list of strings")
    return values


def _any_match(patterns: list[str], arn: str) -> bool:
    return any(_wildcard(pattern).fullmatch(arn) for pattern in patterns)


@lru_cache(maxsize=256)
def _wildcard(pattern: str) -> re.Pattern[str]:
    """IAM wildcards: * is any run of characters (slashes included), ? exactly one."""
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile("".join(parts), re.DOTALL)


def _stringify_context(context: Any) -> dict[str, str]:
    """API Gateway hands the route strings only, and refuses objects, arrays and nulls."""
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise MalformedPolicy("context must be an object")
    stringified: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, str):
            stringified[key] = value
        elif isinstance(value, bool | int | float):
            stringified[key] = json.dumps(value)  # true / false / 42 / 1.5, as JSON spells them
        else:
            raise MalformedPolicy(f"context[{key!r}] must be a string, number or boolean")
    return stringified


def cache_seconds_from_env() -> int:
    """MERCHANT_AUTHORIZER_CACHE_SECONDS: the local authorizer cache's TTL, as the stack's
    merchantAuthorizerCacheSeconds sets the deployed one (default 0: no cache)."""
    raw = os.environ.get(CACHE_SECONDS_VARIABLE, "").strip() or "0"
    if not raw.isdecimal() or int(raw) > AUTHORIZER_CACHE_MAX_SECONDS:
        raise ValueError(
            f"{CACHE_SECONDS_VARIABLE} must be a whole number of seconds from 0 to "
            f"{AUTHORIZER_CACHE_MAX_SECONDS}, got {raw!r}"
        )
    return int(raw)


class AnswerCache:
    """API Gateway's authorizer cache: the authorizer's answer (policy and context) per token, kept for
    ttl_seconds after it arrived. The caller evaluates a cached answer against each request's own method
    ARN, as API Gateway does. Only usable policies go in: AWS documents caching the policy and says
    nothing of refusals, so here an "Unauthorized" or a failed authorizer is asked again on the next
    call. At most max_entries tokens are kept; the least recently used goes first. Thread-safe."""

    def __init__(
        self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic, max_entries: int = 4096
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._max_entries = max_entries
        self._answers: OrderedDict[str, tuple[float, Any]] = OrderedDict()  # token: (expires, answer)
        self._lock = threading.Lock()

    def get(self, token: str) -> Any | None:
        """The token's answer while it is fresh, else None (an expired one is forgotten)."""
        with self._lock:
            found = self._answers.get(token)
            if found is None:
                return None
            expires, answer = found
            if self._clock() >= expires:
                del self._answers[token]
                return None
            self._answers.move_to_end(token)
            return answer

    def put(self, token: str, answer: Any) -> None:
        if self.ttl_seconds <= 0:
            return
        with self._lock:
            self._answers[token] = (self._clock() + self.ttl_seconds, answer)
            self._answers.move_to_end(token)
            while len(self._answers) > self._max_entries:
                self._answers.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)
