"""cdk-nag (AWS Solutions pack) runs in the app's own synthesis and every finding is acknowledged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import aws_sqs as sqs

from infra.application import build_app
from infra.routes import ROUTES, Auth
from tests.infra.conftest import synth_context

pytestmark = pytest.mark.infra

MIN_REASON_LENGTH = 40


def acknowledged(raw: dict[str, Any]) -> dict[str, set[str]]:
    """Rule id -> reasons, from the cdk_nag Metadata the app writes into the template as an audit trail."""
    rules: dict[str, set[str]] = {}
    for resource in raw["Resources"].values():
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            rules.setdefault(rule["id"], set()).add(rule["reason"])
    return rules


def test_synthesis_passes_cdk_nag(synthesis):
    # The session synthesis would have raised on any unacknowledged error; the report confirms it.
    report = json.loads((synthesis.assembly_dir / "validation-report.json").read_text())
    assert [plugin for plugin in report["pluginReports"] if plugin["conclusion"] != "success"] == []


def test_every_acknowledgment_gives_a_specific_reason(synthesis):
    rules = acknowledged(synthesis.raw)
    assert rules, "no acknowledgment reached the template"
    for rule, reasons in rules.items():
        assert rule.startswith("AwsSolutions-"), rule
        assert all(len(reason) >= MIN_REASON_LENGTH for reason in reasons), rule


def test_acknowledgments_are_the_expected_ones(synthesis):
    rules = set(acknowledged(synthesis.raw))
    expected = {
        "AwsSolutions-APIG2",  # handlers validate requests
        "AwsSolutions-COG4",  # Lambda authorizer, not Cognito
        "AwsSolutions-IAM5[Resource::*]",  # X-Ray
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AmazonAPIGatewayPushToCloudWatchLogs]",
    }
    if synthesis.stack.api.settings.waf is None and not synthesis.stack.api.settings.web_acl_arn:
        expected.add("AwsSolutions-APIG3")
    if any(route.auth is not Auth.MERCHANT for route in ROUTES):
        expected.add("AwsSolutions-APIG4")
    assert expected <= rules
    wildcard_rules = {rule for rule in rules if rule.startswith("AwsSolutions-IAM5[")}
    assert all(
        rule.endswith(("/index/*]", "[Resource::*]", ":secret:mpesa-gateway/apps/*]"))
        for rule in wildcard_rules
    ), wildcard_rules


def test_open_routes_are_acknowledged_per_method_not_api_wide(synthesis):
    for method in synthesis.resources("AWS::ApiGateway::Method").values():
        rules = {
            rule["id"] for rule in method.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        }
        is_open = method["Properties"]["AuthorizationType"] == "NONE"
        assert ("AwsSolutions-APIG4" in rules) is is_open


def test_unacknowledged_findings_fail_the_apps_synthesis(tmp_path):
    # The same app as app.py builds, plus one resource nobody acknowledged: synthesis must refuse, and
    # the only violations must be that resource's (everything else in the stack stays acknowledged).
    app, stack = build_app(synth_context(), outdir=str(tmp_path))
    probe = sqs.Queue(stack, "NagProbe")
    with pytest.raises(RuntimeError, match="AwsSolutions-SQS"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    violations = [
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
        if violation["severity"] == "error"
    ]
    assert violations
    assert all(path.startswith(probe.node.path + "/") for _, path in violations), violations
    assert all(rule.startswith("AwsSolutions-SQS") for rule, _ in violations), violations
