"""One synthesis of the gateway stack per test session, shared by every infra test.

Synthesis goes through infra.application.build_app, the path app.py (and so `cdk deploy`) takes, with
cdk.json's context and bundling skipped, so no test downloads the layer's wheels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.application import build_app, project_context
from infra.stack import GatewayStack

# Skipping bundling for every stack: the layer's asset is then its source directory, unbuilt.
SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}


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


@pytest.fixture(scope="session")
def synthesis(tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    app, stack = build_app(synth_context(), outdir=str(tmp_path_factory.mktemp("cdk.out")))
    assembly = app.synth()  # raises if cdk-nag reports an unacknowledged error
    raw = assembly.get_stack_by_name(stack.stack_name).template
    return Synthesis(stack, Template.from_json(raw), raw, Path(assembly.directory))
