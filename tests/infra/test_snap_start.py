"""`-c snapStart=true`: SnapStart on every function's published versions, and every invoker calls the alias
of the current version (SnapStart never applies to $LATEST). Off, the template is exactly the default's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.functions import LIVE_ALIAS, construct_name
from infra.routes import AUTHORIZER, ROUTES, SCHEDULES, deployed_functions
from infra.stack import CONTEXT_SNAP_START
from tests.infra.conftest import Synthesis, cfn_lint_findings, synthesise

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def snap_start(tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    # Synthesis raises on any unacknowledged cdk-nag error, so this fixture is also the nag gate.
    return synthesise(tmp_path_factory.mktemp("cdk.out"), **{CONTEXT_SNAP_START: "true"})


def aliases_by_function(synthesis: Synthesis) -> dict[str, str]:
    """Logical id of each Lambda function -> the logical id of its alias."""
    return {
        alias["Properties"]["FunctionName"]["Ref"]: logical_id
        for logical_id, alias in synthesis.resources("AWS::Lambda::Alias").items()
    }


def alias_refs(value: Any) -> set[str]:
    """The logical ids of aliases an intrinsic-function tree refers to."""
    text = json.dumps(value)
    return {part.split('"')[0] for part in text.split('{"Ref": "')[1:]}


def parts(template: dict[str, Any]) -> dict[str, Any]:
    """A template's sections, with Resources split into one part per logical id (a readable diff)."""
    resources = {f"Resources.{name}": resource for name, resource in template["Resources"].items()}
    return {**resources, **{section: value for section, value in template.items() if section != "Resources"}}


def test_off_the_template_is_the_default_one(synthesis, tmp_path):
    off = synthesise(tmp_path, **{CONTEXT_SNAP_START: "false"}).raw
    default, off_parts = parts(synthesis.raw), parts(off)
    assert (
        sorted(name for name in default.keys() | off_parts.keys() if default.get(name) != off_parts.get(name))
        == []
    )


def test_by_default_no_function_has_snap_start_a_version_or_an_alias(synthesis):
    functions = synthesis.resources("AWS::Lambda::Function").values()
    assert all("SnapStart" not in function["Properties"] for function in functions)
    synthesis.template.resource_count_is("AWS::Lambda::Version", 0)
    synthesis.template.resource_count_is("AWS::Lambda::Alias", 0)


def test_the_flag_must_be_true_or_false(tmp_path):
    with pytest.raises(ValueError, match=CONTEXT_SNAP_START):
        synthesise(tmp_path, **{CONTEXT_SNAP_START: "yes"})


def test_every_function_snapshots_its_published_versions(snap_start):
    functions = snap_start.resources("AWS::Lambda::Function")
    assert len(functions) == len(deployed_functions())
    assert {name: function["Properties"].get("SnapStart") for name, function in functions.items()} == {
        name: {"ApplyOn": "PublishedVersions"} for name in functions
    }


def test_every_function_has_a_version_and_the_live_alias_of_that_version(snap_start):
    versions = snap_start.resources("AWS::Lambda::Version")
    aliases = snap_start.resources("AWS::Lambda::Alias")
    functions = set(snap_start.resources("AWS::Lambda::Function"))
    assert {version["Properties"]["FunctionName"]["Ref"] for version in versions.values()} == functions
    assert len(versions) == len(functions)
    for alias in aliases.values():
        properties = alias["Properties"]
        version = properties["FunctionVersion"]["Fn::GetAtt"][0]
        assert properties["Name"] == LIVE_ALIAS
        assert versions[version]["Properties"]["FunctionName"] == properties["FunctionName"]
    assert set(aliases_by_function(snap_start)) == functions


def test_every_api_method_integration_calls_its_functions_alias(snap_start):
    aliases = aliases_by_function(snap_start)
    methods = snap_start.resources("AWS::ApiGateway::Method")
    integrated = [method for method in methods.values() if method["Properties"]["HttpMethod"] != "OPTIONS"]
    assert len(integrated) == len(ROUTES)
    for method in integrated:
        uri = method["Properties"]["Integration"]["Uri"]
        assert len(alias_refs(uri) & set(aliases.values())) == 1, uri
        assert not alias_refs(uri) & set(aliases), uri  # never the unqualified function ($LATEST)


def test_the_authorizer_calls_the_authorizers_alias(snap_start):
    alias = snap_start.logical_id(snap_start.stack.functions.invocable[AUTHORIZER])
    (authorizer,) = snap_start.resources("AWS::ApiGateway::Authorizer").values()
    assert alias in alias_refs(authorizer["Properties"]["AuthorizerUri"])


def test_every_invoke_permission_is_on_an_alias(snap_start):
    aliases = set(aliases_by_function(snap_start).values())
    permissions = snap_start.resources("AWS::Lambda::Permission").values()
    assert {permission["Properties"]["FunctionName"]["Ref"] for permission in permissions} <= aliases


def test_event_source_mappings_name_the_alias(snap_start):
    mappings = snap_start.resources("AWS::Lambda::EventSourceMapping").values()
    assert mappings
    for mapping in mappings:
        name = mapping["Properties"]["FunctionName"]["Fn::Join"][1]
        assert name[-1] == f":{LIVE_ALIAS}"
        assert alias_refs(name[0]) <= set(aliases_by_function(snap_start).values())


def test_schedules_target_the_alias(snap_start):
    rules = snap_start.resources("AWS::Events::Rule")
    assert len(rules) == len(SCHEDULES)
    for schedule in SCHEDULES:
        alias = snap_start.logical_id(snap_start.stack.functions.invocable[schedule.function])
        rule_construct = snap_start.stack.schedules.node.find_child(construct_name(schedule.function))
        rule = snap_start.logical_id(rule_construct)
        assert [target["Arn"] for target in rules[rule]["Properties"]["Targets"]] == [{"Ref": alias}]


def test_snap_start_passes_cdk_nag(snap_start):
    report = json.loads((snap_start.assembly_dir / "validation-report.json").read_text())
    assert [plugin for plugin in report["pluginReports"] if plugin["conclusion"] != "success"] == []


def test_snap_start_template_is_cfn_lint_clean(snap_start, tmp_path):
    assert cfn_lint_findings(snap_start.raw, tmp_path) == []
