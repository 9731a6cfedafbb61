"""Builds the CDK app exactly as app.py (and so `cdk synth|deploy`) does, for the entry point and tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.routes import PROJECT_ROOT
from infra.stack import GatewayStack

STACK_NAME = "MpesaGateway"
CDK_JSON = PROJECT_ROOT / "cdk.json"
DEFAULT_OUTDIR = PROJECT_ROOT / "cdk.out"


def project_context() -> dict[str, Any]:
    """cdk.json's context (feature flags, settings): what the CDK CLI hands the app."""
    return dict(json.loads(CDK_JSON.read_text())["context"])


def build_app(
    context: Mapping[str, Any] | None = None, outdir: str | None = None
) -> tuple[App, GatewayStack]:
    """The app with the gateway stack and cdk-nag's AWS Solutions pack; synth raises on unacknowledged
    nag errors. Acknowledgments are also written into the template's Metadata as an audit trail."""
    app = App(context=dict(context) if context is not None else None, outdir=outdir)
    stack = GatewayStack(
        app,
        STACK_NAME,
        description="M-Pesa (Daraja) payments gateway: REST API, Lambda, DynamoDB, Secrets Manager",
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))
    return app, stack
