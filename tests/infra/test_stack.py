"""Template assertions: what the synthesised gateway stack contains, derived from the route table."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.api import RESPONSE_TYPES, SERVER_ERROR
from infra.application import build_app
from infra.functions import QUEUE_ACCESS, TABLE_ACCESS
from infra.queues import QUEUES
from infra.routes import (
    AUTHORIZER,
    GATEWAY_ERRORS,
    GENERATE_TOKEN,
    HANDLER,
    LAYER_DIR,
    MERCHANT_AUTH_CHALLENGE,
    ROUTES,
    SCHEDULES,
    Access,
    Auth,
    Function,
    deployed_functions,
)
from infra.tables import REGISTRY, TABLES, TRANSACTIONS, TableSpec
from tests.infra.conftest import allowed_on, as_list, role_statements, synth_context

pytestmark = pytest.mark.infra

ALL_FUNCTIONS: tuple[Function, ...] = deployed_functions()
REQUIRED_ENV = {
    "TRANSACTIONS_TABLE",
    "REGISTRY_TABLE",
    *(spec.env_var for spec in TABLES),
    *(spec.env_var for spec in QUEUES),
    "APP_SECRET_PREFIX",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "DARAJA_SANDBOX_URL",
    "DARAJA_LIVE_URL",
}
TABLE_WRITE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}


def resource_paths(synthesis) -> dict[str, str]:
    """Logical id of every API Gateway resource -> its full path, rebuilt from ParentId/PathPart."""
    resources = synthesis.resources("AWS::ApiGateway::Resource")
    paths: dict[str, str] = {}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            properties = resources[logical_id]["Properties"]
            parent = properties["ParentId"]
            prefix = path_of(parent["Ref"]) if "Ref" in parent else ""  # else: the API's root resource
            paths[logical_id] = f"{prefix}/{properties['PathPart']}"
        return paths[logical_id]

    for logical_id in resources:
        path_of(logical_id)
    return paths


def table_arn(synthesis, table) -> dict[str, Any]:
    return {"Fn::GetAtt": [synthesis.logical_id(table), "Arn"]}


def test_one_regional_rest_api(synthesis):
    synthesis.template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    synthesis.template.has_resource_properties(
        "AWS::ApiGateway::RestApi", {"EndpointConfiguration": {"Types": ["REGIONAL"]}}
    )


def test_one_lambda_per_function_plus_the_authorizer(synthesis):
    lambdas = synthesis.resources("AWS::Lambda::Function")
    assert len(lambdas) == len(ALL_FUNCTIONS)
    layer = synthesis.logical_id(synthesis.stack.layer.layer)
    for function in ALL_FUNCTIONS:
        properties = lambdas[synthesis.logical_id(synthesis.stack.functions.by_spec[function])]["Properties"]
        assert properties["Architectures"] == ["arm64"], function.name
        family, minor = properties["Runtime"].split(".")
        assert family == "python3", function.name
        assert int(minor) >= 12, function.name
        assert properties["Handler"] == HANDLER
        assert properties["Layers"] == [{"Ref": layer}]
        assert properties["Timeout"] == function.timeout_seconds
        assert properties["MemorySize"] == function.memory_mb
        assert properties["TracingConfig"] == {"Mode": "Active"}
        assert set(properties["Environment"]["Variables"]) >= REQUIRED_ENV, function.name


def test_functions_get_their_table_names_queue_urls_and_powertools_settings(synthesis):
    stack = synthesis.stack
    for lambda_function in synthesis.resources("AWS::Lambda::Function").values():
        env = lambda_function["Properties"]["Environment"]["Variables"]
        for spec in TABLES:
            assert env[spec.env_var] == {"Ref": synthesis.logical_id(stack.storage[spec])}
        for spec in QUEUES:  # a queue's Ref is its URL
            assert env[spec.env_var] == {"Ref": synthesis.logical_id(stack.queues[spec])}
        assert env["APP_SECRET_PREFIX"] == "mpesa-gateway/apps/"
        assert env["POWERTOOLS_SERVICE_NAME"] == "mpesa-gateway"
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "MpesaGateway"
        assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
        assert env["DARAJA_SANDBOX_URL"] == "https://sandbox.safaricom.co.ke"
        assert env["DARAJA_LIVE_URL"] == "https://api.safaricom.co.ke"


def test_each_function_logs_to_its_own_log_group_with_retention(synthesis):
    log_groups = synthesis.resources("AWS::Logs::LogGroup")
    seen = set()
    for lambda_function in synthesis.resources("AWS::Lambda::Function").values():
        log_group = lambda_function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert log_groups[log_group]["Properties"]["RetentionInDays"] == 30
        seen.add(log_group)
    assert len(seen) == len(ALL_FUNCTIONS)


def test_layer_matches_the_functions_runtime_and_architecture(synthesis):
    (layer,) = synthesis.resources("AWS::Lambda::LayerVersion").values()
    runtimes = {
        function["Properties"]["Runtime"]
        for function in synthesis.resources("AWS::Lambda::Function").values()
    }
    assert runtimes <= set(layer["Properties"]["CompatibleRuntimes"])
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


def test_tests_do_not_bundle_the_layer(synthesis):
    # With bundling skipped the layer's asset is its unbuilt source directory: nothing was downloaded.
    assets = json.loads((synthesis.assembly_dir / "MpesaGateway.assets.json").read_text())["files"]
    assert {"path": str(LAYER_DIR), "packaging": "zip"} in [asset["source"] for asset in assets.values()]


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_every_route_is_a_method_on_its_path(synthesis, route):
    paths = resource_paths(synthesis)
    matches = [
        method["Properties"]
        for method in synthesis.resources("AWS::ApiGateway::Method").values()
        if method["Properties"]["HttpMethod"] == route.method
        and paths.get(method["Properties"]["ResourceId"].get("Ref")) == route.path
    ]
    assert len(matches) == 1, f"{route.method} {route.path}"
    (method,) = matches
    integration = method["Integration"]
    assert integration["Type"] == "AWS_PROXY"
    handler = synthesis.logical_id(synthesis.stack.functions.by_spec[route.function])
    assert {"Fn::GetAtt": [handler, "Arn"]} in integration["Uri"]["Fn::Join"][1]
    if route.auth is Auth.MERCHANT:
        assert method["AuthorizationType"] == "CUSTOM"
        (authorizer,) = synthesis.resources("AWS::ApiGateway::Authorizer")
        assert method["AuthorizerId"] == {"Ref": authorizer}
    else:
        assert method["AuthorizationType"] == "NONE"
        assert "AuthorizerId" not in method


def test_the_api_has_no_methods_beyond_the_route_table(synthesis):
    synthesis.template.resource_count_is("AWS::ApiGateway::Method", len(ROUTES))


def test_merchant_routes_share_one_uncached_token_authorizer(synthesis):
    (authorizer,) = synthesis.resources("AWS::ApiGateway::Authorizer").values()
    properties = authorizer["Properties"]
    assert properties["Type"] == "TOKEN"
    assert properties["IdentitySource"] == "method.request.header.Authorization"
    assert properties["AuthorizerResultTtlInSeconds"] == 0
    function = synthesis.logical_id(synthesis.stack.functions.by_spec[AUTHORIZER])
    assert {"Fn::GetAtt": [function, "Arn"]} in properties["AuthorizerUri"]["Fn::Join"][1]


def test_stage_logs_access_throttles_and_traces(synthesis):
    (stage,) = synthesis.resources("AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]
    assert properties["TracingEnabled"] is True
    access_log = properties["AccessLogSetting"]
    assert "DestinationArn" in access_log
    assert set(json.loads(access_log["Format"])) >= {"requestId", "ip", "status", "resourcePath"}
    # Every method (the stage default and each route's own throttle) logs and counts, without bodies.
    assert len(properties["MethodSettings"]) == len(ROUTES) + 1
    for settings in properties["MethodSettings"]:
        assert settings["LoggingLevel"] == "INFO"
        assert settings["DataTraceEnabled"] is False
        assert settings["MetricsEnabled"] is True


def test_gateway_responses_answer_in_the_gateway_error_shape(synthesis):
    responses = {
        response["Properties"]["ResponseType"]: response["Properties"]
        for response in synthesis.resources("AWS::ApiGateway::GatewayResponse").values()
    }
    for status, (code, message) in GATEWAY_ERRORS.items():
        response = responses[RESPONSE_TYPES[status].response_type]
        assert response["StatusCode"] == str(status)
        assert json.loads(response["ResponseTemplates"]["application/json"]) == {
            "error": {"code": code, "message": message}
        }
        assert response["ResponseParameters"]["gatewayresponse.header.Content-Type"] == "'application/json'"
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    challenge = responses["UNAUTHORIZED"]["ResponseParameters"]["gatewayresponse.header.WWW-Authenticate"]
    assert challenge == f"'{MERCHANT_AUTH_CHALLENGE}'"
    default_5xx = json.loads(responses["DEFAULT_5XX"]["ResponseTemplates"]["application/json"])
    assert default_5xx == {"error": {"code": "gateway_error", "message": SERVER_ERROR[1]}}


def table_resource(synthesis, spec: TableSpec) -> dict[str, Any]:
    return synthesis.raw["Resources"][synthesis.logical_id(synthesis.stack.storage[spec])]


def key_schema(partition_key: str, sort_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition_key, "KeyType": "HASH"}]
    if sort_key:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    return schema


def test_one_table_per_table_spec(synthesis):
    synthesis.template.resource_count_is("AWS::DynamoDB::Table", len(TABLES))


@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.construct_id)
def test_tables_are_retained_recoverable_encrypted_and_match_their_spec(synthesis, spec):
    table = table_resource(synthesis, spec)
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    properties = table["Properties"]
    assert properties["KeySchema"] == key_schema(spec.partition_key, spec.sort_key)
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["SSESpecification"]["SSEEnabled"] is True
    indexes = {index["IndexName"]: index for index in properties.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {index.name for index in spec.indexes}
    for index in spec.indexes:
        assert indexes[index.name]["KeySchema"] == key_schema(index.partition_key, index.sort_key)
        assert indexes[index.name]["Projection"] == {"ProjectionType": "ALL"}
    if spec.ttl_attribute:
        assert properties["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in properties


def test_transactions_table_is_indexed_by_app_and_by_pending(synthesis):
    properties = table_resource(synthesis, TRANSACTIONS)["Properties"]
    assert properties["KeySchema"] == key_schema("pk", "sk")
    # Awaited aliases that no push claimed expire; nothing else in the table carries the attribute.
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    indexes = {index["IndexName"]: index for index in properties["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"by_app", "pending"}
    assert indexes["by_app"]["KeySchema"] == key_schema("gsi1pk", "gsi1sk")
    assert indexes["pending"]["KeySchema"] == key_schema("pending_pk", "pending_sk")
    assert all(index["Projection"] == {"ProjectionType": "ALL"} for index in indexes.values())


def test_registry_table_expires_items_and_is_indexed_by_merchant(synthesis):
    properties = table_resource(synthesis, REGISTRY)["Properties"]
    assert properties["KeySchema"] == key_schema("pk", "sk")
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    (index,) = properties["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by_merchant"
    assert index["KeySchema"] == key_schema("gsi1pk", "gsi1sk")


def test_app_secrets_key_rotates_and_is_retained(synthesis):
    synthesis.template.resource_count_is("AWS::KMS::Key", 1)
    (key,) = synthesis.resources("AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda function: function.name)
def test_iam_grants_follow_the_route_table_access(synthesis, function):
    stack = synthesis.stack
    statements = role_statements(synthesis, function)
    for spec in TABLES:
        granted = [
            write
            for access, (table, write) in TABLE_ACCESS.items()
            if table == spec and access in function.access
        ]
        actions = allowed_on(statements, table_arn(synthesis, stack.storage[spec]))
        if any(granted):
            assert actions >= TABLE_WRITE_ACTIONS, spec.construct_id
        elif granted:
            assert "dynamodb:GetItem" in actions, spec.construct_id
            assert not TABLE_WRITE_ACTIONS & actions, spec.construct_id
        else:
            assert not actions, spec.construct_id

    signing_secret = {"Ref": synthesis.logical_id(stack.signing_key.secret)}
    on_signing_key = [st for st in statements if signing_secret in as_list(st["Resource"])]
    on_app_secrets = [
        st
        for st in statements
        if "secretsmanager:GetSecretValue" in as_list(st["Action"]) and st not in on_signing_key
    ]
    decrypt = [statement for statement in statements if "kms:Decrypt" in as_list(statement["Action"])]
    assert bool(on_app_secrets) == (Access.APP_SECRETS_READ in function.access)
    assert bool(on_signing_key) == (Access.SIGNING_KEY_READ in function.access)
    if on_app_secrets:
        (statement,) = on_app_secrets
        assert set(as_list(statement["Action"])) == {
            "secretsmanager:GetSecretValue",
            "secretsmanager:DescribeSecret",
        }
    # App secrets decrypt through the role's policy; the signing key's grant sits in the key policy.
    assert bool(decrypt) == bool(on_app_secrets)
    key_arn = {"Fn::GetAtt": [synthesis.logical_id(stack.secrets.key), "Arn"]}
    for statement in decrypt:
        assert statement["Resource"] == key_arn
        assert "kms:ViaService" in statement["Condition"]["StringEquals"]


def test_app_secret_grant_is_scoped_to_the_prefix(synthesis):
    function = next(function for function in ALL_FUNCTIONS if Access.APP_SECRETS_READ in function.access)
    (statement,) = [
        statement
        for statement in role_statements(synthesis, function)
        if "secretsmanager:GetSecretValue" in as_list(statement["Action"])
    ]
    parts = statement["Resource"]["Fn::Join"][1]
    assert parts[-1] == ":secret:mpesa-gateway/apps/*"


def test_alarms_watch_every_function_and_the_api(synthesis):
    alarms = synthesis.resources("AWS::CloudWatch::Alarm").values()
    metrics = [alarm["Properties"]["MetricName"] for alarm in alarms]
    assert metrics.count("Errors") == len(ALL_FUNCTIONS)
    assert metrics.count("5XXError") == 1


def test_alarms_watch_the_metrics_that_mean_a_person_must_look(synthesis):
    alarms = {
        alarm["Properties"]["MetricName"]: alarm["Properties"]
        for alarm in synthesis.resources("AWS::CloudWatch::Alarm").values()
    }
    watched = ("SettlementConflict", "PayoutEscalated", "AcceptedPushNotRecorded", "CallbackNotApplied")
    for name in (*watched, "ResponseContractBroken"):
        assert alarms[name]["Namespace"] == "MpesaGateway"
        assert alarms[name]["Dimensions"] == [{"Name": "service", "Value": "mpesa-gateway"}]
        assert alarms[name]["Threshold"] == 1


def test_outputs_tell_the_operator_and_the_cli_what_was_deployed(synthesis):
    outputs = synthesis.raw["Outputs"]
    for name in (
        "ApiUrl",
        "TransactionsTableName",
        "RegistryTableName",
        "AppSecretPrefix",
        "AppSecretsKeyArn",
    ):
        assert name in outputs
    assert outputs["AppSecretPrefix"]["Value"] == "mpesa-gateway/apps/"


def test_resources_are_tagged(synthesis):
    synthesis.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "Tags": [
                {"Key": "component", "Value": "payments-gateway"},
                {"Key": "project", "Value": "mpesa-gateway"},
            ]
        },
    )


def test_every_access_kind_has_an_iam_grant():
    # Synthesis fails on an unmapped Access only once a function uses it; say so as soon as it exists.
    assert set(Access) == {*TABLE_ACCESS, *QUEUE_ACCESS, Access.APP_SECRETS_READ, Access.SIGNING_KEY_READ}


def test_each_schedule_runs_its_function_on_a_rate(synthesis):
    rules = synthesis.resources("AWS::Events::Rule")
    for schedule in SCHEDULES:
        function = synthesis.logical_id(synthesis.stack.functions.by_spec[schedule.function])
        matching = [
            rule
            for rule in rules.values()
            if any(
                target["Arn"] == {"Fn::GetAtt": [function, "Arn"]} for target in rule["Properties"]["Targets"]
            )
        ]
        assert len(matching) == 1, schedule.function.name
        assert matching[0]["Properties"]["ScheduleExpression"] == f"rate({schedule.every_minutes} minutes)"


def test_signing_key_is_generated_by_cloudformation_and_encrypted_with_the_stack_key(synthesis):
    secret = synthesis.raw["Resources"][synthesis.logical_id(synthesis.stack.signing_key.secret)]
    generated = secret["Properties"]["GenerateSecretString"]
    assert json.loads(generated["SecretStringTemplate"]) == {"active": "k1"}
    assert generated["GenerateStringKey"] == "k1"
    assert generated["PasswordLength"] >= 64
    assert secret["Properties"]["KmsKeyId"] == {
        "Fn::GetAtt": [synthesis.logical_id(synthesis.stack.secrets.key), "Arn"]
    }
    assert "SigningKeySecretArn" in synthesis.raw["Outputs"]
    key = synthesis.raw["Resources"][synthesis.logical_id(synthesis.stack.secrets.key)]
    readers = [
        statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if "kms:Decrypt" in as_list(statement["Action"]) and "Condition" in statement
    ]
    for function in (AUTHORIZER, GENERATE_TOKEN):
        role = synthesis.stack.functions.by_spec[function].role
        arn = {"Fn::GetAtt": [synthesis.logical_id(role), "Arn"]}
        assert any(arn in as_list(statement["Principal"]["AWS"]) for statement in readers), function.name


def test_certificates_from_context_reach_every_function(tmp_path):
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    path = tmp_path / "live.cer"
    path.write_text(pem.replace("MIIB", "MIIC"))
    app, stack = build_app(
        synth_context(darajaSandboxCertificate=pem, darajaLiveCertificate=str(path)),
        outdir=str(tmp_path / "out"),
    )
    template = app.synth().get_stack_by_name(stack.stack_name).template

    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    for function in functions:
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["DARAJA_SANDBOX_CERTIFICATE"] == pem
        assert "MIIC" in variables["DARAJA_LIVE_CERTIFICATE"]
