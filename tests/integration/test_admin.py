"""The admin service and CLI against moto: what operators do, and what ends up stored."""

from __future__ import annotations

import io
import json
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from admin.cli import main
from admin.models import NewApp
from admin.service import AdminService, AlreadyExists
from admin.target import Target
from infra.queues import WEBHOOK_DELIVERIES
from local import admin as local_admin
from local.aws import (
    create_queue,
    create_signing_keys,
    create_tables,
    endpoint_environment,
    gateway_environment,
)
from local.demo import APPS, DEMO_INITIATOR_PASSWORD, MERCHANTS, SANDBOX_PASSKEY, seed
from local.in_process import reset_gateway_caches
from local.simulator.settings import DEMO_VODACOM_API_KEYS
from local.simulator.vodacom.auth import portal_public_key
from local.stack import free_port
from mpesa_gateway import runtime
from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.callbacks import new_callback
from mpesa_gateway.config import get_settings
from mpesa_gateway.errors import AppForbidden, CallbackForbidden, InvalidRequest, NotFound
from mpesa_gateway.events.models import DeliveryState, Event, EventType
from mpesa_gateway.models import C2BValidationRules, Driver, LipaCommand, Operation
from mpesa_gateway.secrets import matches_sha256, verify_client_secret
from mpesa_gateway.store.events import DynamoEndpointStore, DynamoEventStore
from mpesa_gateway.store.queues import event_id_of
from mpesa_gateway.store.registry import DynamoRegistry
from mpesa_gateway.store.transactions import DynamoTransactionStore
from mpesa_gateway.webhooks.endpoints import Attempt

EXPRESS_CREDENTIALS = {
    "consumer_key": "ck-live-1",
    "consumer_secret": "cs-very-secret-1",
    "passkey": "pk-very-secret-1",
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in gateway_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("APP_SECRETS_KMS_KEY_ID", raising=False)
    # --region replaces boto3's default session; put the original back afterwards.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    with mock_aws():
        reset_gateway_caches()
        create_tables()
        yield
    reset_gateway_caches()


@pytest.fixture
def registry(aws: None) -> DynamoRegistry:
    return DynamoRegistry(get_settings().registry_table)


@pytest.fixture
def admin(aws: None) -> AdminService:
    return AdminService.for_target(Target.from_env())


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys
        self.stdout = self.stderr = ""

    def __call__(self, *argv: str) -> int:
        code = main(list(argv))
        self.stdout, self.stderr = self._capsys.readouterr()
        return code

    @property
    def result(self) -> Any:
        return json.loads(self.stdout)

    @property
    def error(self) -> dict[str, Any]:
        return json.loads(self.stderr)["error"]


@pytest.fixture
def cli(aws: None, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(capsys)


def stored_secret(app_id: str) -> dict[str, Any]:
    name = f"{get_settings().app_secret_prefix}{app_id}"
    return json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"])


def raw_registry_item(pk: str) -> dict[str, Any]:
    table = boto3.resource("dynamodb").Table(get_settings().registry_table)
    return table.get_item(Key={"pk": pk, "sk": "PROFILE"})["Item"]


def create_express(cli: Cli, tmp_path: Any, app_id: str = "shop-stk", *extra: str) -> dict[str, Any]:
    assert cli("merchants", "create", "shop", "--name", "Shop Ltd") == 0
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(EXPRESS_CREDENTIALS))
    code = cli(
        "apps", "create", app_id, "--merchant", "shop", "--driver", "MpesaKeExpress",
        "--short-code", "174379", "--credentials-file", str(path), *extra,
    )  # fmt: skip
    assert code == 0, cli.stderr
    return cli.result


# Merchants


def test_create_merchant_prints_the_secret_once_and_stores_only_its_hash(cli: Cli, registry: DynamoRegistry):
    assert cli("merchants", "create", "shop", "--name", "Shop Ltd") == 0

    created = cli.result
    secret = created["client_secret"]
    assert len(secret) >= 43  # token_urlsafe(32)
    assert created["merchant"] == {"merchant_id": "shop", "name": "Shop Ltd", "enabled": True}
    item = raw_registry_item("MERCHANT#shop")
    assert secret not in json.dumps(item, default=str)
    assert verify_client_secret(secret, item["client_secret_hash"])
    assert cli("merchants", "show", "shop") == 0
    assert secret not in cli.stdout
    assert "client_secret_hash" not in cli.stdout


def test_merchant_ids_are_unique(cli: Cli):
    assert cli("merchants", "create", "shop") == 0

    assert cli("merchants", "create", "shop") == 1
    assert cli.error["code"] == "already_exists"
    assert cli.stdout == ""


def test_bad_merchant_id_is_bad_input(cli: Cli):
    assert cli("merchants", "create", "Shop_1") == 2
    assert cli.error["field"] == "merchant_id"


def test_rotating_the_client_secret_retires_the_old_one(cli: Cli, registry: DynamoRegistry):
    cli("merchants", "create", "shop")
    old = cli.result["client_secret"]

    assert cli("merchants", "rotate-secret", "shop") == 0

    new = cli.result["client_secret"]
    stored = registry.get_merchant("shop")
    assert stored is not None
    assert new != old
    assert verify_client_secret(new, stored.client_secret_hash)
    assert not verify_client_secret(old, stored.client_secret_hash)


def test_disable_and_enable_a_merchant(cli: Cli, registry: DynamoRegistry):
    cli("merchants", "create", "shop")

    assert cli("merchants", "disable", "shop") == 0
    assert cli.result["merchant"]["enabled"] is False
    assert registry.get_merchant("shop").enabled is False
    assert cli("merchants", "enable", "shop") == 0
    assert registry.get_merchant("shop").enabled is True


def test_update_and_list_merchants(cli: Cli):
    cli("merchants", "create", "shop")
    cli("merchants", "create", "cafe")

    assert cli("merchants", "update", "shop", "--name", "Shop Ltd") == 0
    assert cli("merchants", "list") == 0
    assert {m["merchant_id"]: m["name"] for m in cli.result} == {"cafe": "cafe", "shop": "Shop Ltd"}


def test_unknown_merchant_is_not_found(cli: Cli):
    assert cli("merchants", "rotate-secret", "ghost") == 1
    assert cli.error["code"] == "not_found"


# Payment apps


def test_create_app_stores_credentials_in_secrets_manager_and_the_profile_in_the_registry(
    cli: Cli, registry: DynamoRegistry, tmp_path: Any
):
    created = create_express(cli, tmp_path, "shop-stk")

    callback_secret = created["callback_secret"]
    assert stored_secret("shop-stk") == {**EXPRESS_CREDENTIALS, "callback_secret": callback_secret}
    app = registry.get_app("shop-stk")
    assert app is not None
    assert app.merchant_id == "shop"
    assert app.driver is Driver.EXPRESS
    assert app.is_live is False
    assert matches_sha256(callback_secret, app.callback_secret_sha256)
    # The registry item holds no secret value, only the hash.
    item = json.dumps(raw_registry_item("APP#shop-stk"), default=str)
    assert all(value not in item for value in [*EXPRESS_CREDENTIALS.values(), callback_secret])


def test_the_lambdas_read_what_the_cli_wrote(cli: Cli, tmp_path: Any):
    created = create_express(cli, tmp_path)

    credentials = runtime.load_credentials("shop-stk")

    assert credentials.consumer_key == "ck-live-1"
    assert credentials.passkey.get_secret_value() == "pk-very-secret-1"
    assert credentials.callback_secret.get_secret_value() == created["callback_secret"]


def test_new_secrets_use_the_stacks_kms_key(cli: Cli, tmp_path: Any, monkeypatch: pytest.MonkeyPatch):
    key_arn = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    monkeypatch.setenv("APP_SECRETS_KMS_KEY_ID", key_arn)

    create_express(cli, tmp_path)

    name = f"{get_settings().app_secret_prefix}shop-stk"
    assert boto3.client("secretsmanager").describe_secret(SecretId=name)["KmsKeyId"] == key_arn


def test_secret_options_from_environment_variables(cli: Cli, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SHOP_CONSUMER_SECRET", "cs-from-env")
    cli("merchants", "create", "shop")

    code = cli(
        "apps", "create", "shop-c2b", "--merchant", "shop", "--driver", "MpesaKeC2B",
        "--short-code", "600984", "--consumer-key", "ck", "--consumer-secret-env", "SHOP_CONSUMER_SECRET",
    )  # fmt: skip

    assert code == 0, cli.stderr
    assert stored_secret("shop-c2b")["consumer_secret"] == "cs-from-env"


def test_credentials_file_from_stdin(cli: Cli, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(
        "sys.stdin", io.StringIO(json.dumps({**EXPRESS_CREDENTIALS, "initiator_name": "api"}))
    )
    cli("merchants", "create", "shop")

    code = cli(
        "apps", "create", "shop-b2c", "--merchant", "shop", "--driver", "MpesaKeB2C",
        "--short-code", "600997", "--credentials-file", "-", "--initiator-password", "pw-1",
    )  # fmt: skip

    assert code == 0, cli.stderr
    assert stored_secret("shop-b2c")["initiator_password"] == "pw-1"
    assert stored_secret("shop-b2c")["initiator_name"] == "api"


def test_missing_credentials_name_the_option(cli: Cli, registry: DynamoRegistry):
    cli("merchants", "create", "shop")

    code = cli(
        "apps", "create", "shop-stk", "--merchant", "shop", "--driver", "MpesaKeExpress",
        "--short-code", "174379", "--consumer-key", "ck", "--consumer-secret", "cs",
    )  # fmt: skip

    assert code == 2
    assert "--passkey" in cli.error["message"]
    assert registry.get_app("shop-stk") is None


def test_app_ids_daraja_refuses_are_rejected(cli: Cli):
    cli("merchants", "create", "shop")

    code = cli("apps", "create", "shop-sql", "--merchant", "shop", "--driver", "MpesaKePersonal")

    assert code == 2
    assert "'sql'" in cli.error["message"]


def test_app_of_an_unknown_merchant_is_not_found(cli: Cli):
    assert cli("apps", "create", "lone", "--merchant", "ghost", "--driver", "MpesaKePersonal") == 1
    assert cli.error == {"code": "not_found", "message": "No merchant 'ghost'", "field": "merchant_id"}


def test_app_ids_are_unique_and_the_first_app_is_untouched(cli: Cli, tmp_path: Any):
    first = create_express(cli, tmp_path)

    code = cli("apps", "create", "shop-stk", "--merchant", "shop", "--driver", "MpesaKePersonal")

    assert code == 1
    assert cli.error["code"] == "already_exists"
    assert stored_secret("shop-stk")["callback_secret"] == first["callback_secret"]


def test_show_says_which_credentials_are_set_without_values(cli: Cli, tmp_path: Any):
    created = create_express(cli, tmp_path)

    assert cli("apps", "show", "shop-stk") == 0

    credentials = cli.result["app"]["credentials"]
    assert credentials["consumer_secret"] == "set"
    assert credentials["passkey"] == "set"
    assert credentials["initiator_password"] == "not set"
    assert credentials["callback_secret"] == "set"
    for value in [*EXPRESS_CREDENTIALS.values(), created["callback_secret"]]:
        assert value not in cli.stdout
    assert "callback_secret_sha256" not in cli.stdout


def test_update_merges_credentials_and_changes_the_profile(cli: Cli, registry: DynamoRegistry, tmp_path: Any):
    created = create_express(cli, tmp_path)

    code = cli(
        "apps", "update", "shop-stk", "--live", "--consumer-secret", "cs-rotated",
        "--stk-type", "buygoods", "--till-number", "123456",
    )  # fmt: skip

    assert code == 0, cli.stderr
    assert cli.result["changed"] == ["consumer_secret", "is_live", "stk_transaction_type", "till_number"]
    assert stored_secret("shop-stk") == {
        **EXPRESS_CREDENTIALS,
        "consumer_secret": "cs-rotated",
        "callback_secret": created["callback_secret"],
    }
    app = registry.get_app("shop-stk")
    assert app.is_live is True
    assert app.stk_transaction_type.value == "CustomerBuyGoodsOnline"
    assert app.till_number == "123456"


def test_going_live_without_new_credentials_warns(cli: Cli, tmp_path: Any):
    create_express(cli, tmp_path)

    assert cli("apps", "update", "shop-stk", "--live") == 0
    assert "different Daraja credentials" in cli.result["note"]


def test_apps_stored_with_the_old_webhook_url_still_load(cli: Cli, registry: DynamoRegistry, tmp_path: Any):
    create_express(cli, tmp_path)
    table = boto3.resource("dynamodb").Table(get_settings().registry_table)
    table.put_item(Item={**raw_registry_item("APP#shop-stk"), "webhook_url": "https://shop.example/hooks"})

    assert cli("apps", "show", "shop-stk") == 0
    assert "webhook_url" not in cli.result["app"]
    assert cli("apps", "update", "shop-stk", "--live") == 0
    # Rewritten without it; the option is gone (webhooks are set with `webhooks set`).
    assert "webhook_url" not in raw_registry_item("APP#shop-stk")
    assert cli("apps", "update", "shop-stk", "--webhook-url", "https://shop.example/hooks") == 2


def test_update_with_nothing_to_change_is_bad_input(cli: Cli, tmp_path: Any):
    create_express(cli, tmp_path)

    assert cli("apps", "update", "shop-stk") == 2
    assert "Nothing to update" in cli.error["message"]


def test_blank_credential_values_are_refused_and_nothing_changes(cli: Cli, tmp_path: Any):
    create_express(cli, tmp_path)

    assert cli("apps", "update", "shop-stk", "--consumer-secret", " ") == 2
    assert stored_secret("shop-stk")["consumer_secret"] == EXPRESS_CREDENTIALS["consumer_secret"]


def test_rotating_the_callback_secret_updates_secret_and_hash(
    cli: Cli, registry: DynamoRegistry, tmp_path: Any
):
    old = create_express(cli, tmp_path)["callback_secret"]

    assert cli("apps", "rotate-callback-secret", "shop-stk") == 0

    new = cli.result["callback_secret"]
    assert new != old
    # Hex, as at creation: a URL-safe secret could spell a word Daraja refuses in callback URLs.
    assert re.fullmatch(r"[0-9a-f]{64}", new)
    assert "re-register" in cli.result["note"].lower()
    assert stored_secret("shop-stk") == {**EXPRESS_CREDENTIALS, "callback_secret": new}
    directory = AppDirectory(registry, runtime.load_credentials, runtime.daraja_client)
    assert directory.for_callback("shop-stk", new).app_id == "shop-stk"
    with pytest.raises(CallbackForbidden):
        directory.for_callback("shop-stk", old)


def test_disabled_app_is_unavailable_to_its_merchant(cli: Cli, registry: DynamoRegistry, tmp_path: Any):
    create_express(cli, tmp_path)
    directory = AppDirectory(registry, runtime.load_credentials, runtime.daraja_client)

    assert cli("apps", "disable", "shop-stk") == 0
    with pytest.raises(AppForbidden):
        directory.for_merchant("shop-stk", "shop", Operation.REQUEST_PAYMENT)
    assert cli("apps", "enable", "shop-stk") == 0
    assert directory.for_merchant("shop-stk", "shop", Operation.REQUEST_PAYMENT).enabled


def test_list_apps_all_or_by_merchant(cli: Cli, tmp_path: Any):
    create_express(cli, tmp_path)
    cli("merchants", "create", "cafe")
    cli("apps", "create", "cafe-sms", "--merchant", "cafe", "--driver", "MpesaKePersonal")

    assert cli("apps", "list") == 0
    assert sorted(app["app_id"] for app in cli.result) == ["cafe-sms", "shop-stk"]
    assert "credentials" not in cli.result[0]
    assert cli("apps", "list", "--merchant", "cafe") == 0
    assert [app["app_id"] for app in cli.result] == ["cafe-sms"]
    assert cli("apps", "list", "--merchant", "ghost") == 1


# Targets


def test_without_a_registry_table_the_cli_asks_for_a_stack(cli: Cli, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("REGISTRY_TABLE")

    assert cli("merchants", "list") == 2
    assert "--stack" in cli.error["message"]


def test_stack_outputs_name_the_tables_secrets_and_key(
    cli: Cli, registry: DynamoRegistry, monkeypatch: pytest.MonkeyPatch
):
    region = gateway_environment()["AWS_DEFAULT_REGION"]
    key_arn = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    template = {
        "Resources": {"Handle": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {
            "RegistryTableName": {"Value": get_settings().registry_table},
            "AppSecretPrefix": {"Value": "stack-prefix/"},
            "AppSecretsKeyArn": {"Value": key_arn},
        },
    }
    boto3.client("cloudformation").create_stack(StackName="gateway", TemplateBody=json.dumps(template))
    # Nothing may come from the environment's gateway variables.
    monkeypatch.delenv("REGISTRY_TABLE")
    monkeypatch.delenv("APP_SECRET_PREFIX")
    cli("--stack", "gateway", "--region", region, "merchants", "create", "shop")

    code = cli(
        "--stack", "gateway", "--region", region, "apps", "create", "shop-sms",
        "--merchant", "shop", "--driver", "MpesaKePersonal",
    )  # fmt: skip

    assert code == 0, cli.stderr
    assert registry.get_app("shop-sms").merchant_id == "shop"
    described = boto3.client("secretsmanager").describe_secret(SecretId="stack-prefix/shop-sms")
    assert described["KmsKeyId"] == key_arn


def test_unknown_stack_is_not_found(cli: Cli):
    assert cli("--stack", "nope", "merchants", "list") == 1
    assert cli.error["field"] == "stack"


# The service directly, and the demo seed built on it


def test_service_accepts_given_secrets_for_seeding(admin: AdminService, registry: DynamoRegistry):
    admin.create_merchant("shop", client_secret="fixed-secret")
    admin.create_app(
        NewApp(
            app_id="shop-sms", merchant_id="shop", driver=Driver.PERSONAL, callback_secret="fixed-callback"
        )
    )

    assert verify_client_secret("fixed-secret", registry.get_merchant("shop").client_secret_hash)
    assert matches_sha256("fixed-callback", registry.get_app("shop-sms").callback_secret_sha256)
    assert stored_secret("shop-sms") == {"callback_secret": "fixed-callback"}
    with pytest.raises(AlreadyExists):
        admin.create_merchant("shop")
    with pytest.raises(NotFound):
        admin.show_app("ghost")


def test_demo_seed_creates_every_merchant_and_app(registry: DynamoRegistry):
    seed(registry)

    for merchant in MERCHANTS:
        stored = registry.get_merchant(merchant.merchant_id)
        assert verify_client_secret(merchant.client_secret, stored.client_secret_hash)
    expected = {
        "demo-express": (Driver.EXPRESS, "174379", "demo"),
        "demo-c2b": (Driver.C2B, "600984", "demo"),
        "demo-b2c": (Driver.B2C, "600997", "demo"),
        "demo-b2b": (Driver.B2B, "600992", "demo"),
        "demo-personal": (Driver.PERSONAL, "", "demo"),
        "demo-tz": (Driver.TANZANIA, "000000", "demo"),
        "demo-drc": (Driver.CONGO, "000000", "demo"),
        "other-express": (Driver.EXPRESS, "174379", "other"),
    }
    for app_id, (driver, short_code, owner) in expected.items():
        app = registry.get_app(app_id)
        assert (app.driver, app.short_code, app.merchant_id) == (driver, short_code, owner)
        assert matches_sha256(f"{app_id}-callback-secret", app.callback_secret_sha256)
    assert {app.app_id for app in APPS} == set(expected)
    assert stored_secret("demo-express")["passkey"] == SANDBOX_PASSKEY
    assert stored_secret("demo-b2c")["initiator_password"] == DEMO_INITIATOR_PASSWORD
    assert stored_secret("demo-b2b")["initiator_name"] == "testapi"
    assert stored_secret("demo-personal") == {"callback_secret": "demo-personal-callback-secret"}
    assert stored_secret("demo-tz")["api_key"] == DEMO_VODACOM_API_KEYS["demo-tz"]
    assert stored_secret("demo-drc")["public_key"] == portal_public_key()


def test_a_personal_app_never_reaches_the_daraja_factory(registry: DynamoRegistry):
    seed(registry)
    built: list[str] = []
    directory = AppDirectory(registry, runtime.load_credentials, lambda app, _: built.append(app.app_id))
    app = registry.get_app("demo-personal")

    with pytest.raises(InvalidRequest) as raised:
        directory.daraja(app, directory.credentials(app))

    assert raised.value.details == {"field": "consumer_key"}
    assert built == []


def test_generated_callback_secrets_are_hex_so_no_word_daraja_refuses_can_appear(cli: Cli, tmp_path: Any):
    created = create_express(cli, tmp_path)

    assert re.fullmatch(r"[0-9a-f]{64}", created["callback_secret"])


# Signing keys


def stored_signing_keys(name: str) -> dict[str, str]:
    return json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"])


def test_signing_keys_rotate_and_retire_without_showing_key_material(cli: Cli):
    create_signing_keys()
    name = get_settings().signing_key_secret

    assert cli("signing-keys", "show") == 0
    assert cli.result == {"active": "k1", "keys": ["k1"]}
    first_key = stored_signing_keys(name)["k1"]

    assert cli("signing-keys", "rotate", "--kid", "k2") == 0
    assert (cli.result["active"], cli.result["keys"]) == ("k2", ["k1", "k2"])
    assert first_key not in cli.stdout
    stored = stored_signing_keys(name)
    assert stored["k1"] == first_key
    assert len(stored["k2"]) >= 60

    assert cli("keys", "retire", "k2") == 2  # the active key
    assert "active key" in cli.error["message"]
    assert cli("keys", "retire", "k1") == 0
    assert cli.result == {"active": "k2", "keys": ["k2"], "note": cli.result["note"]}


def test_signing_keys_need_to_know_the_secret(cli: Cli, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SIGNING_KEY_SECRET")

    assert cli("signing-keys", "show") == 2
    assert cli.error["field"] == "stack"


def test_c2b_settings_are_set_on_c2b_apps_only(cli: Cli, registry: DynamoRegistry, tmp_path: Any):
    create_express(cli, tmp_path)
    path = tmp_path / "c2b.json"
    path.write_text(json.dumps({"consumer_key": "ck", "consumer_secret": "cs"}))

    created = cli(
        "apps", "create", "shop-c2b", "--merchant", "shop", "--driver", "MpesaKeC2B",
        "--short-code", "600984", "--credentials-file", str(path),
        "--c2b-response-type", "Cancelled", "--c2b-api-version", "v1",
    )  # fmt: skip
    refused = cli("apps", "update", "shop-stk", "--c2b-response-type", "Cancelled")

    assert created == 0, cli.stderr
    app = registry.get_app("shop-c2b")
    assert (app.c2b_response_type.value, app.c2b_api_version.value) == ("Cancelled", "v1")
    assert refused == 2
    assert cli.error["field"] == "c2b_response_type"
    assert "MpesaKeC2B apps only" in cli.error["message"]


def create_c2b(cli: Cli, *extra: str) -> int:
    """A MpesaKeC2B app `shop-c2b` of merchant `shop` (created here); the exit code."""
    cli("merchants", "create", "shop")
    return cli(
        "apps", "create", "shop-c2b", "--merchant", "shop", "--driver", "MpesaKeC2B",
        "--short-code", "600984", "--consumer-key", "ck", "--consumer-secret", "cs", *extra,
    )  # fmt: skip


def test_c2b_validation_rules_set_at_create_are_stored_and_shown(cli: Cli, registry: DynamoRegistry):
    code = create_c2b(
        cli,
        "--c2b-account-pattern", "INV-[0-9]+", "--c2b-allowed-accounts", " INV-1, INV-2 ,INV-3",
        "--c2b-min-amount", "10", "--c2b-max-amount", "5000",
        "--c2b-validation-url", "https://shop.example/validate", "--c2b-validation-timeout-ms", "2500",
        "--c2b-when-unanswered", "reject",
    )  # fmt: skip

    assert code == 0, cli.stderr
    expected = C2BValidationRules(
        account_pattern="INV-[0-9]+",
        allowed_accounts=("INV-1", "INV-2", "INV-3"),
        min_amount=10,
        max_amount=5000,
        forward_url="https://shop.example/validate",
        forward_timeout_ms=2500,
        accept_when_unanswered=False,
    )
    assert registry.get_app("shop-c2b").c2b_validation == expected
    shown = expected.model_dump(mode="json")
    assert cli.result["app"]["c2b_validation"] == shown
    assert cli("apps", "show", "shop-c2b") == 0
    assert cli.result["app"]["c2b_validation"] == shown
    assert cli("apps", "list", "--merchant", "shop") == 0
    assert cli.result[0]["c2b_validation"] == shown


def test_a_c2b_app_without_rule_options_accepts_everything(cli: Cli, registry: DynamoRegistry):
    assert create_c2b(cli) == 0, cli.stderr

    app = registry.get_app("shop-c2b")
    assert app.c2b_validation == C2BValidationRules()
    assert app.c2b_command is LipaCommand.PAYBILL


def test_the_till_command_is_stored_and_can_be_changed_back(cli: Cli, registry: DynamoRegistry):
    assert create_c2b(cli, "--c2b-command", "till") == 0, cli.stderr
    assert registry.get_app("shop-c2b").c2b_command is LipaCommand.BUY_GOODS
    assert cli.result["app"]["c2b_command"] == "CustomerBuyGoodsOnline"

    assert cli("apps", "update", "shop-c2b", "--c2b-command", "paybill") == 0
    assert cli.result["changed"] == ["c2b_command"]
    assert registry.get_app("shop-c2b").c2b_command is LipaCommand.PAYBILL


def test_update_replaces_only_the_given_rules(cli: Cli, registry: DynamoRegistry):
    create_c2b(cli, "--c2b-account-pattern", "INV-[0-9]+", "--c2b-min-amount", "10")

    code = cli(
        "apps", "update", "shop-c2b", "--c2b-max-amount", "100", "--c2b-min-amount", "20",
        "--c2b-when-unanswered", "reject",
    )  # fmt: skip

    assert code == 0, cli.stderr
    assert cli.result["changed"] == ["c2b_validation"]
    assert registry.get_app("shop-c2b").c2b_validation == C2BValidationRules(
        account_pattern="INV-[0-9]+", min_amount=20, max_amount=100, accept_when_unanswered=False
    )


def test_a_merged_minimum_above_the_stored_maximum_is_refused(cli: Cli, registry: DynamoRegistry):
    create_c2b(cli, "--c2b-max-amount", "100")

    assert cli("apps", "update", "shop-c2b", "--c2b-min-amount", "500") == 2

    assert cli.error["field"] == "c2b_validation"
    assert "--c2b-min-amount is above --c2b-max-amount" in cli.error["message"]
    assert registry.get_app("shop-c2b").c2b_validation == C2BValidationRules(max_amount=100)


def test_clearing_the_rules_and_setting_only_new_ones(cli: Cli, registry: DynamoRegistry):
    create_c2b(cli, "--c2b-account-pattern", "INV-[0-9]+", "--c2b-min-amount", "10")

    assert cli("apps", "update", "shop-c2b", "--clear-c2b-validation") == 0
    assert cli.result["changed"] == ["c2b_validation"]
    assert registry.get_app("shop-c2b").c2b_validation == C2BValidationRules()

    assert cli("apps", "update", "shop-c2b", "--c2b-allowed-accounts", "A1", "--c2b-max-amount", "50") == 0
    assert cli("apps", "update", "shop-c2b", "--clear-c2b-validation", "--c2b-min-amount", "5") == 0
    # The earlier allowed accounts and maximum are gone: only the rule given with the clear remains.
    assert registry.get_app("shop-c2b").c2b_validation == C2BValidationRules(min_amount=5)


def test_a_pattern_that_does_not_compile_is_refused_and_nothing_is_created(
    cli: Cli, registry: DynamoRegistry
):
    assert create_c2b(cli, "--c2b-account-pattern", "INV-(") == 2

    assert cli.error["field"] == "c2b_account_pattern"
    assert cli.error["message"].startswith("Invalid --c2b-account-pattern: not a valid regular expression")
    assert registry.get_app("shop-c2b") is None


def test_a_minimum_above_the_maximum_is_refused_at_create(cli: Cli, registry: DynamoRegistry):
    assert create_c2b(cli, "--c2b-min-amount", "500", "--c2b-max-amount", "100") == 2

    assert cli.error["field"] == "c2b_validation"
    assert "--c2b-min-amount is above --c2b-max-amount" in cli.error["message"]
    assert registry.get_app("shop-c2b") is None


@pytest.mark.parametrize(
    ("option", "field"),
    [
        (("--c2b-min-amount", "5"), "c2b_min_amount"),
        (("--c2b-account-pattern", "INV-.*"), "c2b_account_pattern"),
        (("--c2b-when-unanswered", "reject"), "c2b_when_unanswered"),
        (("--c2b-command", "till"), "c2b_command"),
        (("--clear-c2b-validation",), "clear_c2b_validation"),
    ],
)
def test_c2b_rules_on_an_express_app_are_refused(
    cli: Cli, registry: DynamoRegistry, tmp_path: Any, option: tuple[str, ...], field: str
):
    create_express(cli, tmp_path)

    assert cli("apps", "update", "shop-stk", *option) == 2

    assert cli.error["field"] == field
    assert cli.error["message"] == f"{option[0]} applies to MpesaKeC2B apps only"
    assert registry.get_app("shop-stk").c2b_validation == C2BValidationRules()


def test_c2b_rules_are_refused_when_creating_another_driver(cli: Cli, registry: DynamoRegistry):
    cli("merchants", "create", "shop")

    code = cli(
        "apps", "create", "shop-sms", "--merchant", "shop", "--driver", "MpesaKePersonal",
        "--c2b-max-amount", "100",
    )  # fmt: skip

    assert code == 2
    assert cli.error["field"] == "c2b_max_amount"
    assert registry.get_app("shop-sms") is None


# Callbacks


def test_operators_list_an_apps_unmatched_callbacks(cli: Cli):
    store = DynamoTransactionStore(get_settings().transactions_table)
    for key, outcome in (("ws_CO_1", "applied"), ("ws_CO_2", "unmatched"), ("ws_CO_3", "unmatched")):
        callback = new_callback("demo-express", "stk_callback", key, {"Body": {"key": key}})
        store.save_callback(callback)
        store.mark_callback(callback, outcome, None)
        time.sleep(0.01)
    store.save_callback(new_callback("other-express", "stk_callback", "ws_CO_9", {}))

    assert cli("callbacks", "list", "demo-express", "--outcome", "unmatched") == 0
    assert [c["key"] for c in cli.result] == ["ws_CO_3", "ws_CO_2"]
    assert cli("cb", "list", "demo-express", "--limit", "1") == 0
    assert [c["key"] for c in cli.result] == ["ws_CO_3"]
    assert cli("callbacks", "list", "demo-express", "--limit", "0") == 2
    assert cli.error["field"] == "limit"


# Webhooks

HOOKS = "https://shop.example/hooks"


@pytest.fixture
def queue(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The delivery queue as the stack makes it; the CLI learns its URL as the functions do."""
    url = create_queue(WEBHOOK_DELIVERIES)
    monkeypatch.setenv(WEBHOOK_DELIVERIES.env_var, url)
    return url


def queued(queue_url: str) -> list[str]:
    """The event ids waiting on the queue (received once, so each shows once)."""
    ids: list[str] = []
    while True:
        messages = boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        if not messages.get("Messages"):
            return ids
        ids += [event_id_of(message["Body"]) for message in messages["Messages"]]


def events_store() -> DynamoEventStore:
    return DynamoEventStore(get_settings().transactions_table)


def add_event(
    event_id: str,
    delivery: DeliveryState,
    *,
    app_id: str = "shop-stk",
    event_type: EventType = EventType.PAYMENT_COMPLETED,
    minute: int = 0,
) -> None:
    created = datetime(2026, 11, 30, 9, minute, tzinfo=UTC)
    event = Event(event_id=event_id, app_id=app_id, type=event_type, created=created, data={"n": minute})
    assert events_store().add(event, delivery)


def test_webhook_set_prints_the_secret_once_and_show_never(cli: Cli, tmp_path: Any):
    create_express(cli, tmp_path)

    assert cli("webhooks", "set", "shop-stk", "--url", HOOKS) == 0
    created = cli.result
    secret = created["secret"]
    assert len(secret) >= 32
    assert (created["url"], created["events"]) == (HOOKS, None)
    assert cli("webhooks", "show", "shop-stk") == 0
    assert "secret" not in cli.result
    assert secret not in cli.stdout
    # Changing the URL and filter keeps the secret, and does not show it again.
    code = cli(
        "webhook", "set", "shop-stk", "--url", f"{HOOKS}/v2", "--events", "payment.failed", "c2b.received"
    )
    assert code == 0
    assert (cli.result["url"], cli.result["events"]) == (f"{HOOKS}/v2", ["payment.failed", "c2b.received"])
    assert "secret" not in cli.result
    stored = DynamoEndpointStore(get_settings().registry_table).get("shop-stk")
    assert stored is not None
    assert stored.secret.get_secret_value() == secret


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hooks",
        "https://10.0.0.5/hooks",
        "https://169.254.169.254/latest",
        "http://127.0.0.1/h",
    ],
)
def test_webhook_urls_off_the_internet_are_refused_naming_the_option(
    cli: Cli, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, url: str
):
    monkeypatch.delenv("ALLOW_LOCAL_MERCHANT_URLS")  # production mode
    create_express(cli, tmp_path)

    assert cli("webhooks", "set", "shop-stk", "--url", url) == 2
    assert cli.error["field"] == "url"
    assert "--url" in cli.error["message"]
    assert cli("webhooks", "show", "shop-stk") == 1  # nothing stored


def test_local_mode_takes_loopback_webhook_urls(cli: Cli, tmp_path: Any):
    # The aws fixture's environment is the local stack's: ALLOW_LOCAL_MERCHANT_URLS=true.
    create_express(cli, tmp_path)

    assert cli("webhooks", "set", "shop-stk", "--url", "http://127.0.0.1:8080/hooks") == 0
    assert cli.result["url"] == "http://127.0.0.1:8080/hooks"
    assert cli("webhooks", "set", "shop-stk", "--url", "http://10.0.0.5/hooks") == 2
    assert cli.error["field"] == "url"


def test_unknown_event_types_are_usage_errors(cli: Cli, tmp_path: Any):
    create_express(cli, tmp_path)

    assert cli("webhooks", "set", "shop-stk", "--url", HOOKS, "--events", "payment.refunded") == 2
    assert "payment.refunded" in cli.stderr
    assert cli("webhooks", "show", "shop-stk") == 1
    assert cli("webhooks", "events", "shop-stk", "--type", "payment.refunded") == 2


def test_webhook_rotate_secret_prints_a_new_one_and_the_old_ones_expiry(cli: Cli, tmp_path: Any):
    create_express(cli, tmp_path)
    assert cli("webhooks", "set", "shop-stk", "--url", HOOKS) == 0
    first = cli.result["secret"]

    assert cli("webhooks", "rotate-secret", "shop-stk") == 0
    rotated = cli.result["secret"]
    assert rotated != first
    assert cli("webhooks", "show", "shop-stk") == 0
    shown = cli.result
    assert "secret" not in shown
    expires = datetime.fromisoformat(shown["previous_secret_expires_at"])
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(hours=24)
    stored = DynamoEndpointStore(get_settings().registry_table).get("shop-stk")
    assert stored is not None
    assert stored.signing_secrets(datetime.now(UTC)) == [rotated, first]


def test_webhook_delete_removes_the_endpoint(cli: Cli, tmp_path: Any):
    create_express(cli, tmp_path)
    assert cli("webhooks", "set", "shop-stk", "--url", HOOKS) == 0

    assert cli("webhooks", "delete", "shop-stk") == 0
    assert cli.result["url"] == HOOKS
    assert cli("webhooks", "show", "shop-stk") == 1
    assert cli.error["code"] == "not_found"
    assert cli("webhooks", "rotate-secret", "shop-stk") == 1


def test_webhook_events_page_newest_first_and_one_event_has_its_attempts(cli: Cli, tmp_path: Any):
    create_express(cli, tmp_path)
    add_event("evt_1", DeliveryState.DELIVERED, minute=1)
    add_event("evt_2", DeliveryState.FAILED, minute=2, event_type=EventType.PAYMENT_FAILED)
    add_event("evt_3", DeliveryState.PENDING, minute=3)
    add_event("evt_other", DeliveryState.FAILED, app_id="other-stk", minute=4)
    attempt = Attempt(
        at=datetime(2026, 11, 30, 9, 5, tzinfo=UTC), status_code=500, latency_ms=12, error="answered 500"
    )
    events_store().record_attempt("evt_2", attempt, DeliveryState.FAILED)

    assert cli("webhooks", "events", "shop-stk", "--limit", "2") == 0
    first = cli.result
    assert [(e["id"], e["delivery"]) for e in first["data"]] == [("evt_3", "pending"), ("evt_2", "failed")]
    assert all("attempts" not in e for e in first["data"])
    assert cli("webhooks", "events", "shop-stk", "--limit", "2", "--cursor", first["next_cursor"]) == 0
    assert [e["id"] for e in cli.result["data"]] == ["evt_1"]
    assert cli.result["next_cursor"] is None
    assert cli("webhooks", "events", "shop-stk", "--type", "payment.failed") == 0
    assert [e["id"] for e in cli.result["data"]] == ["evt_2"]
    assert cli("webhooks", "events", "shop-stk", "--limit", "0") == 2
    assert "--limit" in cli.error["message"]

    assert cli("webhooks", "event", "shop-stk", "evt_2") == 0
    assert cli.result["type"] == "payment.failed"
    assert cli.result["app"] == "shop-stk"
    assert [(a["status_code"], a["error"]) for a in cli.result["attempts"]] == [(500, "answered 500")]
    # Another app's event is not this app's to read.
    assert cli("webhooks", "event", "shop-stk", "evt_other") == 1
    assert cli.error["field"] == "event"


def test_webhook_redeliver_queues_the_event_again(cli: Cli, tmp_path: Any, queue: str):
    create_express(cli, tmp_path)
    assert cli("webhooks", "set", "shop-stk", "--url", HOOKS) == 0
    add_event("evt_1", DeliveryState.FAILED)

    assert cli("webhooks", "redeliver", "shop-stk", "evt_1") == 0

    assert cli.result == {"id": "evt_1", "delivery": "pending"}
    assert queued(queue) == ["evt_1"]
    stored = events_store().get("evt_1")
    assert stored is not None
    assert stored.delivery is DeliveryState.PENDING


def test_webhook_replay_failed_queues_exactly_the_failed_events(cli: Cli, tmp_path: Any, queue: str):
    create_express(cli, tmp_path)
    assert cli("webhooks", "set", "shop-stk", "--url", HOOKS) == 0
    states = {
        "evt_a": DeliveryState.FAILED,
        "evt_b": DeliveryState.DELIVERED,
        "evt_c": DeliveryState.FAILED,
        "evt_d": DeliveryState.PENDING,
        "evt_e": DeliveryState.NOT_SENT,
    }
    for minute, (event_id, delivery) in enumerate(states.items()):
        add_event(event_id, delivery, minute=minute)
    add_event("evt_other", DeliveryState.FAILED, app_id="other-stk")

    assert cli("webhooks", "replay-failed", "shop-stk") == 0

    assert sorted(cli.result["queued"]) == ["evt_a", "evt_c"]
    assert cli.result["count"] == 2
    assert sorted(queued(queue)) == ["evt_a", "evt_c"]
    assert {event_id: events_store().get(event_id).delivery for event_id in states} == {
        **states,
        "evt_a": DeliveryState.PENDING,
        "evt_c": DeliveryState.PENDING,
    }
    assert events_store().get("evt_other").delivery is DeliveryState.FAILED
    # Nothing failed any more: nothing to queue.
    assert cli("webhooks", "replay-failed", "shop-stk") == 0
    assert cli.result == {"queued": [], "count": 0}


def test_without_the_queue_url_redelivery_asks_for_it_and_changes_nothing(cli: Cli, tmp_path: Any):
    create_express(cli, tmp_path)
    assert cli("webhooks", "set", "shop-stk", "--url", HOOKS) == 0
    add_event("evt_1", DeliveryState.FAILED)

    assert cli("webhooks", "replay-failed", "shop-stk") == 2
    assert cli.error["field"] == "stack"
    assert "WEBHOOK_QUEUE_URL" in cli.error["message"]
    assert cli("webhooks", "redeliver", "shop-stk", "evt_1") == 2
    assert events_store().get("evt_1").delivery is DeliveryState.FAILED


@pytest.mark.parametrize(
    "argv",
    [
        ("set", "ghost", "--url", HOOKS),
        ("show", "ghost"),
        ("delete", "ghost"),
        ("rotate-secret", "ghost"),
        ("events", "ghost"),
        ("event", "ghost", "evt_1"),
        ("redeliver", "ghost", "evt_1"),
        ("replay-failed", "ghost"),
    ],
)
def test_webhook_commands_on_an_unknown_app_are_not_found(cli: Cli, queue: str, argv: tuple[str, ...]):
    assert cli("webhooks", *argv) == 1

    assert cli.error == {"code": "not_found", "message": "No payment app 'ghost'", "field": "app_id"}


def test_the_stack_outputs_name_the_webhook_queue(
    cli: Cli, tmp_path: Any, queue: str, monkeypatch: pytest.MonkeyPatch
):
    create_express(cli, tmp_path)
    assert cli("webhooks", "set", "shop-stk", "--url", HOOKS) == 0
    add_event("evt_1", DeliveryState.FAILED)
    settings = get_settings()
    outputs = {
        "RegistryTableName": settings.registry_table,
        "AppSecretPrefix": settings.app_secret_prefix,
        "TransactionsTableName": settings.transactions_table,
        "WebhookDeliveriesQueueUrl": queue,
    }
    template = {
        "Resources": {"Handle": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation").create_stack(StackName="gateway", TemplateBody=json.dumps(template))
    for name in ("REGISTRY_TABLE", "TRANSACTIONS_TABLE", WEBHOOK_DELIVERIES.env_var):
        monkeypatch.delenv(name)

    assert cli("--stack", "gateway", "webhooks", "replay-failed", "shop-stk") == 0

    assert cli.result == {"queued": ["evt_1"], "count": 1}
    assert queued(queue) == ["evt_1"]


def test_local_admin_finds_the_running_stacks_webhook_queue(monkeypatch: pytest.MonkeyPatch):
    port = free_port()
    monkeypatch.setenv("LOCAL_AWS_PORT", str(port))
    # configure_environment sets these in os.environ: set here first, monkeypatch puts the originals back.
    endpoints = endpoint_environment("127.0.0.1", moto_port=port, dynamodb_port=port)
    for name in (*gateway_environment(), *endpoints, WEBHOOK_DELIVERIES.env_var):
        monkeypatch.setenv(name, "")
    monkeypatch.delenv(WEBHOOK_DELIVERIES.env_var)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        local_admin.configure_environment()
        assert WEBHOOK_DELIVERIES.env_var not in os.environ  # no queue yet: nothing to name
        url = create_queue(WEBHOOK_DELIVERIES)

        local_admin.configure_environment()

        assert os.environ[WEBHOOK_DELIVERIES.env_var] == url
    finally:
        server.stop()
