"""Callback availability: per-route-class throttles, the merchants' usage plan, the callback source
allow-list (resource policy and WAF IP set) and the optional web ACL, with and without their context;
and the merchant authorizer's result cache, which trades revocation delay for fewer merchant reads."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from infra.api import ApiSettings, MerchantPlanSettings, method_options
from infra.application import build_app
from infra.protection import (
    DEFAULT_ROUTE_THROTTLES,
    MANAGED_RULE_GROUPS,
    GatewayWebAcl,
    Throttle,
    WafSettings,
    callback_path_regex,
    parse_cidrs,
)
from infra.routes import AUTHORIZER, PROJECT_ROOT, ROUTES, Auth, Route
from tests.infra.conftest import Synthesis, cfn_lint_findings, synth_context, synthesise

pytestmark = pytest.mark.infra

CALLBACK_ROUTES = [route for route in ROUTES if route.auth is Auth.CALLBACK]
OTHER_ROUTES = [route for route in ROUTES if route.auth is not Auth.CALLBACK]
EXAMPLE_IPS_FILE = "infra/safaricom-callback-ips.txt"
EXAMPLE_IPS = parse_cidrs(EXAMPLE_IPS_FILE, PROJECT_ROOT)

# Everything configured, as `npx cdk deploy -c key=value` hands it over: strings.
CONFIGURED = {
    "wafEnabled": "true",
    "callbackSourceIps": EXAMPLE_IPS_FILE,
    "apiThrottleRateLimit": "30",
    "apiThrottleBurstLimit": "60",
    "callbackThrottleRateLimit": "500",
    "callbackThrottleBurstLimit": "1000",
    "tokenThrottleRateLimit": "2",
    "tokenThrottleBurstLimit": "4",
    "merchantPlanRateLimit": "5",
    "merchantPlanBurstLimit": "10",
    "merchantPlanQuota": "100000",
    "merchantPlanQuotaPeriod": "month",
    "merchantApiKeys": "true",
    "wafRateLimit": "500",
    "merchantAuthorizerCacheSeconds": "60",
}


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    return synthesise(tmp_path_factory.mktemp("configured"), **CONFIGURED)


@pytest.fixture(scope="module")
def waf_without_allow_list(tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    return synthesise(tmp_path_factory.mktemp("waf"), wafEnabled=True, wafCallbackRateLimit=3000)


def concrete(route: Route) -> str:
    """A request path for the route, its parameters filled in."""
    return re.sub(r"\{[^}]+\}", "demo-app", route.path)


def method_throttles(synthesis: Synthesis) -> dict[tuple[str, str], tuple[float, int]]:
    """(route path, method) -> (rate, burst) of each stage method setting that throttles."""
    (stage,) = synthesis.resources("AWS::ApiGateway::Stage").values()
    return {
        (setting["ResourcePath"][1:].replace("~1", "/"), setting["HttpMethod"]): (
            setting["ThrottlingRateLimit"],
            setting["ThrottlingBurstLimit"],
        )
        for setting in stage["Properties"]["MethodSettings"]
        if "ThrottlingRateLimit" in setting
    }


def methods_by_route(synthesis: Synthesis) -> dict[tuple[str, str], dict[str, Any]]:
    paths = {}
    resources = synthesis.resources("AWS::ApiGateway::Resource")
    for logical_id in resources:
        parts, current = [], logical_id
        while current in resources:
            parts.insert(0, resources[current]["Properties"]["PathPart"])
            current = resources[current]["Properties"]["ParentId"].get("Ref")
        paths[logical_id] = "/" + "/".join(parts)
    return {
        (paths[method["Properties"]["ResourceId"]["Ref"]], method["Properties"]["HttpMethod"]): method[
            "Properties"
        ]
        for method in synthesis.resources("AWS::ApiGateway::Method").values()
    }


def web_acl_rules(synthesis: Synthesis) -> dict[str, dict[str, Any]]:
    (web_acl,) = synthesis.resources("AWS::WAFv2::WebACL").values()
    return {rule["Name"]: rule for rule in web_acl["Properties"]["Rules"]}


def rest_api(synthesis: Synthesis) -> dict[str, Any]:
    (api,) = synthesis.resources("AWS::ApiGateway::RestApi").values()
    return api["Properties"]


# --- throttles per route class -------------------------------------------------------------------


def test_each_route_has_its_class_throttle_and_the_stage_none(synthesis):
    throttles = method_throttles(synthesis)
    assert throttles == {
        (route.path, route.method): (
            DEFAULT_ROUTE_THROTTLES[route.auth].rate_limit,
            DEFAULT_ROUTE_THROTTLES[route.auth].burst_limit,
        )
        for route in ROUTES
    }
    # No stage-wide bucket left for floods of other routes to empty.
    (stage,) = synthesis.resources("AWS::ApiGateway::Stage").values()
    (default,) = [s for s in stage["Properties"]["MethodSettings"] if s["ResourcePath"] == "/*"]
    assert "ThrottlingRateLimit" not in default


def test_callbacks_get_the_highest_budget_and_the_token_endpoint_the_lowest():
    callback = DEFAULT_ROUTE_THROTTLES[Auth.CALLBACK]
    merchant = DEFAULT_ROUTE_THROTTLES[Auth.MERCHANT]
    token = DEFAULT_ROUTE_THROTTLES[Auth.CLIENT_CREDENTIALS]
    assert callback.rate_limit > merchant.rate_limit > token.rate_limit
    assert callback.burst_limit > merchant.burst_limit > token.burst_limit


def test_route_throttles_come_from_context(configured):
    expected = {Auth.MERCHANT: (30, 60), Auth.CALLBACK: (500, 1000), Auth.CLIENT_CREDENTIALS: (2, 4)}
    throttles = method_throttles(configured)
    assert throttles == {(route.path, route.method): expected[route.auth] for route in ROUTES}


def test_a_route_class_without_a_throttle_fails_synthesis():
    throttles = {
        auth: throttle for auth, throttle in DEFAULT_ROUTE_THROTTLES.items() if auth is not Auth.CALLBACK
    }
    with pytest.raises(ValueError, match=re.escape("no throttle is defined for <Auth.CALLBACK")):
        method_options(throttles)


def test_throttles_quotas_and_waf_rates_must_be_in_range():
    with pytest.raises(ValueError, match="positive"):
        Throttle(rate_limit=0, burst_limit=10)
    with pytest.raises(ValueError, match="quota must be positive"):
        MerchantPlanSettings(quota=0)
    with pytest.raises(ValueError, match="rate_limit must be 10 to"):
        WafSettings(rate_limit=9)
    with pytest.raises(ValueError, match="callback_rate_limit must be 10 to"):
        WafSettings(callback_rate_limit=2_000_000_001)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("callbackThrottleRateLimit", "fast", "callbackThrottleRateLimit must be a number"),
        ("tokenThrottleBurstLimit", 2.5, "tokenThrottleBurstLimit must be a whole number"),
        ("wafEnabled", "yes", "wafEnabled must be true or false"),
        ("merchantPlanQuotaPeriod", "YEAR", "merchantPlanQuotaPeriod must be DAY, WEEK or MONTH"),
        ("merchantPlanQuota", "lots", "merchantPlanQuota must be a number"),
        ("callbackSourceIps", "196.201.214.300", "'196.201.214.300' is not an IP address or CIDR"),
        ("merchantAuthorizerCacheSeconds", "3601", "merchantAuthorizerCacheSeconds must be 0 to 3600"),
        ("merchantAuthorizerCacheSeconds", -1, "merchantAuthorizerCacheSeconds must be 0 to 3600"),
        ("merchantAuthorizerCacheSeconds", "abc", "merchantAuthorizerCacheSeconds must be a number"),
        ("merchantAuthorizerCacheSeconds", "1.5", "merchantAuthorizerCacheSeconds must be a whole number"),
        ("merchantAuthorizerCacheSeconds", 1.5, "merchantAuthorizerCacheSeconds must be a whole number"),
    ],
)
def test_bad_context_fails_synthesis_naming_the_key(tmp_path, key, value, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build_app(synth_context(**{key: value}), outdir=str(tmp_path))


def test_the_merchant_authorizer_keeps_its_answer_as_long_as_context_says(synthesis, configured):
    def ttl(synthesis: Synthesis) -> int:
        (authorizer,) = synthesis.resources("AWS::ApiGateway::Authorizer").values()
        return authorizer["Properties"]["AuthorizerResultTtlInSeconds"]

    assert ttl(synthesis) == 0  # by default: every call asks the authorizer, so revocation is immediate
    assert ttl(configured) == 60


# --- the merchants' usage plan -------------------------------------------------------------------


def test_merchant_plan_by_default_throttles_per_key_and_requires_no_key(synthesis):
    (plan,) = synthesis.resources("AWS::ApiGateway::UsagePlan").values()
    properties = plan["Properties"]
    assert properties["Throttle"] == {"RateLimit": 20, "BurstLimit": 40}
    assert "Quota" not in properties
    (api_stage,) = properties["ApiStages"]
    (stage,) = synthesis.resources("AWS::ApiGateway::Stage")
    assert api_stage["Stage"] == {"Ref": stage}
    # The key is only ever the one the authorizer names, never a client's x-api-key header.
    assert rest_api(synthesis)["ApiKeySourceType"] == "AUTHORIZER"
    assert not any(method.get("ApiKeyRequired") for method in methods_by_route(synthesis).values())
    assert api_stage["ApiId"] == {"Ref": synthesis.logical_id(synthesis.stack.api.rest_api)}


def test_merchant_plan_from_context_requires_keys_on_merchant_routes_only(configured):
    (plan,) = configured.resources("AWS::ApiGateway::UsagePlan").values()
    assert plan["Properties"]["Throttle"] == {"RateLimit": 5, "BurstLimit": 10}
    assert plan["Properties"]["Quota"] == {"Limit": 100000, "Period": "MONTH"}
    methods = methods_by_route(configured)
    for route in ROUTES:
        assert bool(methods[(route.path, route.method)].get("ApiKeyRequired")) is (
            route.auth is Auth.MERCHANT
        )


def test_the_authorizer_names_merchant_keys_only_when_keys_are_required(synthesis, configured):
    def authorizer_env(synthesis: Synthesis) -> dict[str, Any]:
        function = synthesis.stack.functions.by_spec[AUTHORIZER]
        resource = synthesis.raw["Resources"][synthesis.logical_id(function)]
        return resource["Properties"]["Environment"]["Variables"]

    assert "MERCHANT_API_KEY_PREFIX" not in authorizer_env(synthesis)
    assert authorizer_env(configured)["MERCHANT_API_KEY_PREFIX"] == "MpesaGateway-merchant-"
    outputs = configured.raw["Outputs"]
    assert outputs["MerchantUsagePlanId"]["Value"] == {
        "Ref": configured.logical_id(configured.stack.api.merchant_plan)
    }
    assert outputs["MerchantApiKeyPrefix"]["Value"] == "MpesaGateway-merchant-"


# --- the callback source allow-list ---------------------------------------------------------------


def test_without_configuration_there_is_no_allow_list_and_no_web_acl(synthesis):
    assert "Policy" not in rest_api(synthesis)
    for resource_type in ("AWS::WAFv2::WebACL", "AWS::WAFv2::IPSet", "AWS::WAFv2::WebACLAssociation"):
        synthesis.template.resource_count_is(resource_type, 0)


def test_resource_policy_refuses_other_sources_on_callback_routes_only(configured):
    allow, deny = rest_api(configured)["Policy"]["Statement"]
    assert allow["Effect"] == "Allow"
    assert allow["Resource"] == "execute-api:/*"
    assert deny["Effect"] == "Deny"
    assert deny["Action"] == "execute-api:Invoke"
    assert deny["Condition"] == {"NotIpAddress": {"aws:SourceIp": list(EXAMPLE_IPS)}}
    denied = [re.compile(arn.replace("*", ".*") + "$") for arn in deny["Resource"]]

    def denies(route: Route) -> bool:
        method = "POST" if route.method == "ANY" else route.method
        return any(pattern.match(f"execute-api:/prod/{method}{concrete(route)}") for pattern in denied)

    assert [route for route in CALLBACK_ROUTES if not denies(route)] == []
    assert [route for route in OTHER_ROUTES if denies(route)] == []


def test_the_example_allow_list_is_the_community_list_as_host_cidrs():
    assert len(EXAMPLE_IPS) == 14
    assert all(cidr.startswith("196.201.21") and cidr.endswith("/32") for cidr in EXAMPLE_IPS)


def test_parse_cidrs_takes_a_list_a_comma_string_or_a_file(tmp_path):
    listing = tmp_path / "ips.txt"
    listing.write_text("# Safaricom\n196.201.214.200  # a comment\n\n196.201.212.0/24\n2001:db8::/32\n")
    assert parse_cidrs(listing.name, tmp_path) == ("196.201.214.200/32", "196.201.212.0/24", "2001:db8::/32")
    assert parse_cidrs(str(listing), Path("/nonexistent")) == parse_cidrs(listing.name, tmp_path)
    assert parse_cidrs("196.201.214.200, 196.201.214.200,196.201.213.44", tmp_path) == (
        "196.201.214.200/32",
        "196.201.213.44/32",
    )
    assert parse_cidrs(["196.201.214.206"], tmp_path) == ("196.201.214.206/32",)
    assert parse_cidrs(None, tmp_path) == ()
    assert parse_cidrs("", tmp_path) == ()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("196.201.214.0/16", "not an IP address or CIDR"),  # host bits set: a typo, not a network
        ("safaricom", "not an IP address or CIDR"),
        (",", "names no address"),
        ({"ip": "196.201.214.200"}, "must be a list of CIDRs"),
    ],
)
def test_parse_cidrs_refuses_what_is_not_a_network(tmp_path, value, message):
    with pytest.raises(ValueError, match=message):
        parse_cidrs(value, tmp_path)


def test_a_comment_only_file_is_refused(tmp_path):
    (tmp_path / "empty.txt").write_text("# nothing yet\n")
    with pytest.raises(ValueError, match="names no address"):
        parse_cidrs("empty.txt", tmp_path)


# --- the web ACL ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/prod", "/payments"], ids=["custom-domain", "stage", "base-path"])
def test_callback_path_regex_matches_exactly_the_callback_routes(prefix):
    pattern = re.compile(callback_path_regex())
    for route in CALLBACK_ROUTES:
        assert pattern.match(prefix + concrete(route)), route.path
        assert pattern.match(prefix + concrete(route) + "/"), route.path
    for route in OTHER_ROUTES:
        assert not pattern.match(prefix + concrete(route)), route.path
    assert not pattern.match(f"{prefix}/api/pay/demo-app/callbackX")
    assert not pattern.match(f"{prefix}/api/pay/demo-app/callback/result/extra")


def test_web_acl_blocks_other_sources_on_callbacks_first_and_guards_other_routes(configured):
    (web_acl_id, web_acl), *_ = configured.resources("AWS::WAFv2::WebACL").items()
    properties = web_acl["Properties"]
    assert properties["Scope"] == "REGIONAL"
    assert properties["DefaultAction"] == {"Allow": {}}
    rules = web_acl_rules(configured)
    assert [name for name, _ in sorted(rules.items(), key=lambda item: item[1]["Priority"])] == [
        "CallbackSourceAllowList",
        "RatePerSource",
        *MANAGED_RULE_GROUPS,
    ]
    # Callback path and not in the IP set: blocked with the gateway's error shape.
    allow_list = rules["CallbackSourceAllowList"]
    assert allow_list["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 403
    on_callback, not_listed = allow_list["Statement"]["AndStatement"]["Statements"]
    assert on_callback["RegexMatchStatement"]["RegexString"] == callback_path_regex()
    (ip_set_id, ip_set), *_ = configured.resources("AWS::WAFv2::IPSet").items()
    assert not_listed["NotStatement"]["Statement"] == {
        "IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": [ip_set_id, "Arn"]}}
    }
    assert ip_set["Properties"]["Addresses"] == list(EXAMPLE_IPS)
    assert ip_set["Properties"]["IPAddressVersion"] == "IPV4"
    body = properties["CustomResponseBodies"]["Blocked403"]
    assert json.loads(body["Content"])["error"]["code"] == "source_forbidden"
    # The per-IP rate and the managed groups leave callback routes alone.
    rate = rules["RatePerSource"]["Statement"]["RateBasedStatement"]
    assert (rate["Limit"], rate["AggregateKeyType"], rate["EvaluationWindowSec"]) == (500, "IP", 300)
    assert rate["ScopeDownStatement"] == {"NotStatement": {"Statement": on_callback}}
    assert rules["RatePerSource"]["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    for group, counted in MANAGED_RULE_GROUPS.items():
        statement = rules[group]["Statement"]["ManagedRuleGroupStatement"]
        assert (statement["VendorName"], statement["Name"]) == ("AWS", group)
        assert statement["ScopeDownStatement"] == {"NotStatement": {"Statement": on_callback}}
        overrides = {
            override["Name"]: override["ActionToUse"] for override in statement.get("RuleActionOverrides", [])
        }
        assert overrides == {rule: {"Count": {}} for rule in counted}
    (association,) = configured.resources("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [web_acl_id, "Arn"]}
    stage = configured.logical_id(configured.stack.api.rest_api.deployment_stage)
    assert {"Ref": stage} in association["Properties"]["ResourceArn"]["Fn::Join"][1]


def test_web_acl_without_allow_list_rate_limits_callback_sources_generously(waf_without_allow_list):
    rules = web_acl_rules(waf_without_allow_list)
    assert "CallbackSourceAllowList" not in rules
    waf_without_allow_list.template.resource_count_is("AWS::WAFv2::IPSet", 0)
    assert "Policy" not in rest_api(waf_without_allow_list)
    callback_rate = rules["CallbackRatePerSource"]["Statement"]["RateBasedStatement"]
    assert callback_rate["Limit"] == 3000
    assert callback_rate["ScopeDownStatement"]["RegexMatchStatement"]["RegexString"] == callback_path_regex()
    assert rules["RatePerSource"]["Statement"]["RateBasedStatement"]["Limit"] == WafSettings().rate_limit


def test_allow_list_splits_address_families_into_ip_sets(tmp_path):
    # Built on its own small stack: the web ACL construct does not need the gateway around it.
    stack = Stack(App(), "Probe")
    GatewayWebAcl(
        stack,
        "Waf",
        settings=WafSettings(callback_source_ips=("196.201.214.200/32", "2001:db8::/32")),
        metric_prefix="Probe",
        response_bodies={403: "{}", 429: "{}"},
    )
    template = Template.from_stack(stack).to_json()
    ip_sets = {
        resource["Properties"]["IPAddressVersion"]: resource["Properties"]["Addresses"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::WAFv2::IPSet"
    }
    assert ip_sets == {"IPV4": ["196.201.214.200/32"], "IPV6": ["2001:db8::/32"]}
    (web_acl,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::WAFv2::WebACL"]
    (rule,) = [r for r in web_acl["Properties"]["Rules"] if r["Name"] == "CallbackSourceAllowList"]
    listed = rule["Statement"]["AndStatement"]["Statements"][1]["NotStatement"]["Statement"]
    assert len(listed["OrStatement"]["Statements"]) == 2


def test_one_web_acl_per_stage():
    with pytest.raises(ValueError, match="wafEnabled or webAclArn, not both"):
        ApiSettings(waf=WafSettings(), web_acl_arn="arn:aws:wafv2:eu-west-1:1:regional/webacl/x/y")


def test_configured_stack_passes_cdk_nag_and_cfn_lint(configured, tmp_path):
    # The fixture's synthesis would have raised on an unacknowledged nag error; the report confirms it.
    report = json.loads((configured.assembly_dir / "validation-report.json").read_text())
    assert [plugin for plugin in report["pluginReports"] if plugin["conclusion"] != "success"] == []
    assert cfn_lint_findings(configured.raw, tmp_path) == []


def test_with_a_web_acl_the_missing_waf_is_no_longer_acknowledged(configured):
    (stage,) = configured.resources("AWS::ApiGateway::Stage").values()
    rules = {rule["id"] for rule in stage.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])}
    assert "AwsSolutions-APIG3" not in rules
