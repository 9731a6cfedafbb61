"""cdk-nag (v3) acknowledgments: one place that spells rule ids and IAM5 finding strings.

cdk-nag 3 reads acknowledgments from CDK's `Validations` metadata on a resource or any of its ancestors,
and an IAM5 finding must be acknowledged one wildcard at a time, spelled exactly as cdk-nag flattens the
resolved CloudFormation value. Computing that spelling here keeps acknowledgments precise when logical
ids or the secret prefix change.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

PACK = "AwsSolutions"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one AwsSolutions rule (e.g. "APIG2" or "IAM5[Resource::*]") on scope and below."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{PACK}-{rule}", reason=reason))


def wildcard_resource(scope: IConstruct, arn: str) -> str:
    """The IAM5 finding id cdk-nag reports for a wildcard resource ARN (a string that may hold tokens)."""
    return f"IAM5[Resource::{_flatten(Stack.of(scope).resolve(arn))}]"


def _flatten(node: Any) -> str:
    # Mirrors cdk-nag's flattenCfnReference: intrinsics become <LogicalId.Attr> / <Ref> placeholders.
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter: str
            items: list[Any]
            delimiter, items = node["Fn::Join"]
            return delimiter.join(_flatten(item) for item in items)
        if "Fn::Sub" in node:
            return _flatten(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if "Ref" in node:
            return f"<{_flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
