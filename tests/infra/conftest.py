"""One synthesis of the gateway stack per test session, shared by every infra test.

Synthesis goes through infra.application.build_app, the path app.py (and so `cdk deploy`) takes, with
cdk.json's context and bundling skipped, so no test downloads the layer's wheels.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.application import build_app, project_context
from infra.routes import Function
from infra.stack import GatewayStack

# Skipping bundling for every stack: the layer's asset is then its source directory, unbuilt.
SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}
# cfn-lint findings every template may have: the redundant DependsOn CDK emits.
IGNORED_CFN_LINT_RULES = {"W3005"}


def synth_context(**extra: Any) -> dict[str, Any]:
    """cdk.json's context (the feature flags a deploy uses) plus extra values, without bundling."""
    return {**project_context(), **SKIP_BUNDLING, **extra}


@dataclass(frozen=True)
class Synthesis:
    stack: GatewayStack
    template: Template
    raw: dict[str, Any]  # the template as JSON
    assembly_dir: Path

    def logical_id(self, construct: Any) -> str:
        """The logical id of an L2 construct's CloudFormation resource."""
        return self.stack.get_logical_id(construct.node.default_child)

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.raw["Resources"].items()
            if resource["Type"] == resource_type
        }


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements(synthesis: Synthesis, function: Function) -> list[dict[str, Any]]:
    """Every Allow statement in the policies attached to the function's role."""
    role = synthesis.logical_id(synthesis.stack.functions.by_spec[function].role)
    statements = []
    for policy in synthesis.resources("AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return [statement for statement in statements if statement["Effect"] == "Allow"]


def allowed_on(statements: list[dict[str, Any]], resource: Any) -> set[str]:
    actions: set[str] = set()
    for statement in statements:
        if resource in as_list(statement["Resource"]):
            actions.update(as_list(statement["Action"]))
    return actions


def synthesise(outdir: Path, **context: Any) -> Synthesis:
    """The app as `cdk deploy` builds it, with extra context; raises on an unacknowledged nag error."""
    app, stack = build_app(synth_context(**context), outdir=str(outdir))
    assembly = app.synth()
    raw = assembly.get_stack_by_name(stack.stack_name).template
    return Synthesis(stack, Template.from_json(raw), raw, Path(assembly.directory))


def cfn_lint_findings(raw: dict[str, Any], workdir: Path) -> list[str]:
    """cfn-lint's findings on a synthesised template, but the ignored ones."""
    template = workdir / "MpesaGateway.template.json"
    template.write_text(json.dumps(raw))
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), "--format", "json", str(template)], capture_output=True, text=True, check=False
    )
    if not result.stdout.strip():
        raise RuntimeError(f"cfn-lint gave no report: {result.stderr}")
    return [
        f"{match['Rule']['Id']} {match['Message']}"
        for match in json.loads(result.stdout)
        if match["Rule"]["Id"] not in IGNORED_CFN_LINT_RULES
    ]


@pytest.fixture(scope="session")
def synthesis(tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    return synthesise(tmp_path_factory.mktemp("cdk.out"))
