"""A REST API TOKEN authorizer: the event it receives and the IAM evaluation of the policy it answers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_INVOKE_ACTION = "execute-api:Invoke"
_EFFECTS = frozenset({"Allow", "Deny"})


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
