"""The admin rules that need no AWS: ids, short codes, merchant URLs, credentials per driver, targets."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from admin.cli import build_parser, gather_credentials, main, spelled
from admin.models import (
    C2B_RULE_FIELDS,
    AppChanges,
    C2BRuleOptions,
    CredentialValues,
    NewApp,
    NewMerchant,
    check_credentials,
    credential_status,
)
from admin.service import merge_c2b_rules
from admin.target import Target
from mpesa_gateway.apps import AppDirectory
from mpesa_gateway.c2b.service import FORBIDDEN_URL_WORDS
from mpesa_gateway.errors import InvalidRequest, NotFound
from mpesa_gateway.models import C2BValidationRules, DarajaCredentials, Driver, LipaCommand, PaymentApp

KEYS = {"consumer_key": "ck", "consumer_secret": "cs"}


def new_app(**values: Any) -> NewApp:
    """A valid MpesaKePersonal app `shop` of merchant `m`, with the values given instead."""
    return NewApp.parse(**{"app_id": "shop", "merchant_id": "m", "driver": Driver.PERSONAL, **values})


def new_c2b_app(**values: Any) -> NewApp:
    return new_app(**{"driver": Driver.C2B, "short_code": "600984", "credentials": KEYS, **values})


def check_app_id(value: str) -> str:
    return new_app(app_id=value).app_id


@pytest.mark.parametrize("value", ["a", "0", "shop", "shop-1", "a" * 40, "a-b-c", "1shop9"])
def test_valid_ids(value: str):
    assert check_app_id(value) == value
    assert NewMerchant.parse(merchant_id=value, name="Shop").merchant_id == value
    assert new_app(merchant_id=value).merchant_id == value


@pytest.mark.parametrize(
    "value", ["", "-shop", "shop-", "Shop", "shop_1", "shop.1", "a" * 41, "shop 1", "ßhop", "shop\n"]
)
def test_invalid_ids(value: str):
    with pytest.raises(InvalidRequest) as raised:
        check_app_id(value)
    assert raised.value.details["field"] == "app_id"


@pytest.mark.parametrize("word", FORBIDDEN_URL_WORDS)
def test_app_ids_with_words_daraja_refuses_in_urls(word: str):
    with pytest.raises(InvalidRequest, match=f"contains '{word}'"):
        check_app_id(f"shop-{word}-1")


@pytest.mark.parametrize(
    ("value", "word"),
    [("my-MPesa", "mpesa"), ("executive", "exec"), ("the-m-pesa-shop", "m-pesa"), ("nosql", "sql")],
)
def test_forbidden_words_are_found_in_any_case_and_named_precisely(value: str, word: str):
    with pytest.raises(InvalidRequest, match=f"contains '{word}'"):
        check_app_id(value)


@pytest.mark.parametrize("value", ["", "-shop", "Shop", "shop_1", "a" * 41, "shop\n"])
def test_invalid_merchant_ids(value: str):
    with pytest.raises(InvalidRequest) as raised:
        NewMerchant.parse(merchant_id=value, name="Shop")
    assert raised.value.details["field"] == "merchant_id"


def test_merchant_ids_do_not_go_into_callback_urls():
    assert NewMerchant.parse(merchant_id="mpesa-shop", name="M").merchant_id == "mpesa-shop"
    assert new_app(merchant_id="mpesa-shop").merchant_id == "mpesa-shop"


@pytest.mark.parametrize("value", ["12345", "174379", "1234567"])
def test_valid_short_codes(value: str):
    assert new_c2b_app(short_code=value).short_code == value


@pytest.mark.parametrize("value", ["1234", "12345678", "12a45", " 12345", "", "١٢٣٤٥"])
def test_invalid_short_codes(value: str):
    with pytest.raises(InvalidRequest, match="`short_code` must be 5 to 7 digits") as raised:
        new_c2b_app(short_code=value)
    assert raised.value.details == {"field": "short_code"}


def test_till_number_errors_name_the_till_field():
    with pytest.raises(InvalidRequest, match="`till_number`") as raised:
        AppChanges.parse(till_number="12")
    assert raised.value.details == {"field": "till_number"}


def test_only_personal_apps_go_without_a_short_code():
    with pytest.raises(InvalidRequest, match="MpesaKeC2B apps need `short_code`"):
        new_app(driver=Driver.C2B, credentials=KEYS)


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/hooks",
        "https://shop.example:8443/h?x=1",
        "http://127.0.0.1:8080/h",
        "http://localhost/h",
    ],
)
def test_accepted_merchant_urls(url: str):
    assert AppChanges.parse(c2b_validation_url=url).c2b_validation_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://shop.example/hooks",
        "http://127.0.0.1.evil.example/h",
        "ftp://shop.example/h",
        "https://",
        "shop.example/hooks",
        "https://[::1/h",
        "https://shop.example\n",
    ],
)
def test_refused_merchant_urls(url: str):
    with pytest.raises(InvalidRequest) as raised:
        AppChanges.parse(c2b_validation_url=url)
    assert raised.value.details == {"field": "c2b_validation_url"}


@pytest.mark.parametrize(
    ("driver", "values"),
    [
        (Driver.EXPRESS, {**KEYS, "passkey": "pk"}),
        (Driver.C2B, KEYS),
        (Driver.B2C, {**KEYS, "initiator_name": "api", "initiator_password": "pw"}),
        (Driver.B2B, {**KEYS, "initiator_name": "api", "security_credential": "sc"}),
        (Driver.PERSONAL, {}),
    ],
)
def test_complete_credentials_per_driver(driver: Driver, values: dict[str, str]):
    check_credentials(driver, values)  # raises if anything is missing


@pytest.mark.parametrize(
    ("driver", "values", "named"),
    [
        (Driver.EXPRESS, KEYS, "`passkey`"),
        (Driver.EXPRESS, {"consumer_secret": "cs", "passkey": "pk"}, "`consumer_key`"),
        (Driver.C2B, {"consumer_key": "ck"}, "`consumer_secret`"),
        (Driver.B2C, KEYS, "`initiator_name`"),
        (Driver.B2B, {**KEYS, "initiator_name": "api"}, "`security_credential` or `initiator_password`"),
    ],
)
def test_missing_credentials_are_named(driver: Driver, values: dict[str, str], named: str):
    with pytest.raises(InvalidRequest, match=named):
        check_credentials(driver, values)
    with pytest.raises(InvalidRequest, match=named):
        new_app(driver=driver, short_code="600000", credentials=values)


def test_personal_apps_take_no_daraja_credentials():
    with pytest.raises(InvalidRequest, match="take no credentials"):
        check_credentials(Driver.PERSONAL, {"consumer_key": "ck"})


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"consumerKey": "ck"}, "consumerKey"),
        ({"callback_secret": "mine"}, "callback_secret"),
        ({"passkey": ""}, "passkey"),
        ({"passkey": "  "}, "passkey"),
        ({"passkey": 174379}, "passkey"),
    ],
)
def test_credential_fields_must_be_known_non_empty_strings(values: dict, field: str):
    with pytest.raises(InvalidRequest) as raised:
        CredentialValues.parse(**values)
    assert raised.value.details == {"field": field}
    with pytest.raises(InvalidRequest) as raised:
        AppChanges.parse(credentials=values)
    assert raised.value.details == {"field": field}


def test_refused_credentials_are_not_repeated():
    with pytest.raises(InvalidRequest) as raised:
        AppChanges.parse(credentials={"passkey": 174379})
    assert "174379" not in raised.value.message


def test_credential_status_never_shows_values():
    credentials = DarajaCredentials(consumer_key="ck-value", consumer_secret="cs-value", callback_secret="cb")

    status = credential_status(credentials)

    assert status["consumer_key"] == status["consumer_secret"] == status["callback_secret"] == "set"
    assert status["passkey"] == status["initiator_password"] == "not set"
    assert not {"ck-value", "cs-value", "cb"} & set(status.values())
    assert set(credential_status(None).values()) == {"missing secret"}


def test_drivers_and_stk_types():
    assert new_app(driver="MpesaKePersonal").driver is Driver.PERSONAL
    assert AppChanges.parse(stk_type="buygoods").stk_type is LipaCommand.BUY_GOODS
    with pytest.raises(InvalidRequest, match="MpesaKeExpress") as raised:
        new_app(driver="express")
    assert raised.value.details == {"field": "driver"}
    with pytest.raises(InvalidRequest, match="paybill or buygoods"):
        AppChanges.parse(stk_type="till")


def test_target_from_stack_outputs():
    outputs = [
        {"OutputKey": "ApiUrl", "OutputValue": "https://api.example/prod/"},
        {"OutputKey": "RegistryTableName", "OutputValue": "gw-registry"},
        {"OutputKey": "AppSecretPrefix", "OutputValue": "gw/apps/"},
        {"OutputKey": "AppSecretsKeyArn", "OutputValue": "arn:aws:kms:af-south-1:1:key/k"},
    ]

    target = Target.from_outputs("gw", outputs)

    assert (target.registry_table, target.app_secret_prefix) == ("gw-registry", "gw/apps/")
    assert target.kms_key_id == "arn:aws:kms:af-south-1:1:key/k"
    assert target.outputs["ApiUrl"] == "https://api.example/prod/"


def test_the_stack_names_the_webhook_queue_and_never_allows_local_urls():
    outputs = [
        {"OutputKey": "RegistryTableName", "OutputValue": "gw-registry"},
        {"OutputKey": "AppSecretPrefix", "OutputValue": "gw/apps/"},
        {"OutputKey": "WebhookDeliveriesQueueUrl", "OutputValue": "https://sqs.example/1/hooks"},
        {"OutputKey": "WebhookDeliveriesDeadLettersQueueUrl", "OutputValue": "https://sqs.example/1/dead"},
    ]

    target = Target.from_outputs("gw", outputs)

    assert target.webhook_queue_url == "https://sqs.example/1/hooks"
    assert target.allow_local_merchant_urls is False


def test_the_environment_names_the_webhook_queue_and_local_mode():
    target = Target.from_env(
        {"REGISTRY_TABLE": "reg", "WEBHOOK_QUEUE_URL": "http://q/hooks", "ALLOW_LOCAL_MERCHANT_URLS": "TRUE"}
    )

    assert (target.webhook_queue_url, target.allow_local_merchant_urls) == ("http://q/hooks", True)
    bare = Target.from_env({"REGISTRY_TABLE": "reg", "ALLOW_LOCAL_MERCHANT_URLS": "yes"})
    assert (bare.webhook_queue_url, bare.allow_local_merchant_urls) == (None, False)


def test_a_stack_without_the_gateways_outputs_is_not_found():
    with pytest.raises(NotFound, match="RegistryTableName"):
        Target.from_outputs("other", [{"OutputKey": "AppSecretPrefix", "OutputValue": "p/"}])


def test_target_from_environment():
    target = Target.from_env({"REGISTRY_TABLE": "reg", "APP_SECRETS_KMS_KEY_ID": "alias/gw"})

    assert target == Target("reg", "mpesa-gateway/apps/", "alias/gw")
    assert Target.from_env({"REGISTRY_TABLE": "reg", "APP_SECRETS_KMS_KEY_ID": ""}).kms_key_id is None
    with pytest.raises(InvalidRequest, match="`stack`"):
        Target.from_env({})


def credential_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["apps", "update", "x", *argv])


def test_credentials_from_file_then_environment_then_options(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps({"consumer_key": "file-ck", "consumer_secret": "file-cs", "passkey": "file-pk"})
    )
    args = credential_args(
        "--credentials-file",
        str(path),
        "--consumer-secret-env",
        "CS",
        "--passkey-env",
        "PK",
        "--passkey",
        "opt-pk",
    )

    values = gather_credentials(args, environ={"CS": "env-cs", "PK": "env-pk"})

    assert values == {"consumer_key": "file-ck", "consumer_secret": "env-cs", "passkey": "opt-pk"}


def test_unset_environment_variable_is_named():
    with pytest.raises(InvalidRequest, match=r"\$NOPE is not set"):
        gather_credentials(credential_args("--passkey-env", "NOPE"), environ={})


def test_a_broken_credentials_file_does_not_echo_its_content(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"consumer_secret": "leaky-value"')

    with pytest.raises(InvalidRequest) as raised:
        gather_credentials(credential_args("--credentials-file", str(path)))

    assert "leaky-value" not in raised.value.message
    path.write_text('["x"]')
    with pytest.raises(InvalidRequest, match="JSON object"):
        gather_credentials(credential_args("--credentials-file", str(path)))
    with pytest.raises(InvalidRequest, match="No such file"):
        gather_credentials(credential_args("--credentials-file", str(tmp_path / "missing.json")))


def test_usage_errors_exit_2_before_touching_aws(capsys):
    assert main(["apps", "update", "x", "--live", "--sandbox"]) == 2
    assert main(["apps", "create", "x", "--merchant", "m", "--driver", "Nope"]) == 2
    assert main(["merchants"]) == 2
    assert "usage:" in capsys.readouterr().err
    assert main(["--help"]) == 0


def test_every_command_is_registered():
    parser = build_parser()
    for argv in (
        ["merchants", "create", "m"],
        ["merchants", "list"],
        ["merchants", "show", "m"],
        ["merchants", "update", "m", "--name", "M"],
        ["merchants", "rotate-secret", "m"],
        ["merchants", "disable", "m"],
        ["merchants", "enable", "m"],
        ["apps", "create", "a", "--merchant", "m", "--driver", "MpesaKeC2B"],
        ["apps", "list", "--merchant", "m"],
        ["apps", "show", "a"],
        ["apps", "update", "a", "--sandbox"],
        ["apps", "rotate-callback-secret", "a"],
        ["app", "disable", "a"],
        ["merchant", "enable", "m"],
    ):
        assert callable(parser.parse_args(argv).handler), argv


def test_the_daraja_factory_is_not_reached_without_consumer_credentials():
    app = PaymentApp(
        app_id="sms", merchant_id="m", driver=Driver.PERSONAL, short_code="", callback_secret_sha256="0" * 64
    )
    built: list[str] = []
    directory = AppDirectory(
        registry=None, load_credentials=None, daraja_factory=lambda a, _: built.append(a)
    )

    with pytest.raises(InvalidRequest, match="no Daraja consumer credentials"):
        directory.daraja(app, DarajaCredentials(consumer_key="ck", callback_secret="cb"))

    assert built == []
    directory.daraja(app, DarajaCredentials(consumer_key="ck", consumer_secret="cs", callback_secret="cb"))
    assert built == [app]


def test_every_c2b_rule_option_sets_a_model_field_and_has_a_cli_option():
    assert set(C2B_RULE_FIELDS) == set(C2BRuleOptions.model_fields)
    assert set(C2B_RULE_FIELDS.values()) <= set(C2BValidationRules.model_fields)
    args = build_parser().parse_args(["apps", "update", "a", "--c2b-min-amount", "7"])
    assert set(C2B_RULE_FIELDS) <= set(vars(args))
    assert args.c2b_min_amount == 7


def test_messages_name_the_options_of_the_command_typed():
    parser = build_parser()
    create = parser.parse_args(["apps", "create", "a", "--merchant", "m", "--driver", "MpesaKeC2B"])
    merchant = parser.parse_args(["merchants", "create", "m"])

    message = "`merchant_id` and `c2b_min_amount`, `stack`, `unknown`"
    assert spelled(message, [create.command_parser, parser]) == (
        "--merchant and --c2b-min-amount, --stack, unknown"
    )
    assert spelled("`merchant_id`", [merchant.command_parser, parser]) == "merchant_id"


def test_given_c2b_rules_replace_only_their_own():
    current = C2BValidationRules(account_pattern="A.*", min_amount=10, forward_url="https://a.example/v")

    merged = merge_c2b_rules(
        C2BRuleOptions(
            c2b_allowed_accounts=["A1", " A2 "], c2b_validation_timeout_ms=500, c2b_when_unanswered="reject"
        ),
        current,
    )

    assert merged == C2BValidationRules(
        account_pattern="A.*",
        allowed_accounts=("A1", "A2"),
        min_amount=10,
        forward_url="https://a.example/v",
        forward_timeout_ms=500,
        accept_when_unanswered=False,
    )


def test_no_c2b_rule_options_change_nothing_unless_clearing():
    current = C2BValidationRules(min_amount=10)

    assert merge_c2b_rules(C2BRuleOptions(), current) is None
    assert merge_c2b_rules(C2BRuleOptions(), current, clear=True) == C2BValidationRules()
    assert merge_c2b_rules(C2BRuleOptions(c2b_max_amount=9), None) == C2BValidationRules(max_amount=9)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"c2b_account_pattern": "[0-9"}, "c2b_account_pattern"),
        ({"c2b_account_pattern": ""}, "c2b_account_pattern"),
        ({"c2b_account_pattern": "x" * 201}, "c2b_account_pattern"),
        ({"c2b_allowed_accounts": "A1,,A2"}, "c2b_allowed_accounts"),
        ({"c2b_allowed_accounts": " "}, "c2b_allowed_accounts"),
        ({"c2b_allowed_accounts": ["A1", 7]}, "c2b_allowed_accounts"),
        ({"c2b_min_amount": 0}, "c2b_min_amount"),
        ({"c2b_max_amount": -5}, "c2b_max_amount"),
        ({"c2b_min_amount": 11, "c2b_max_amount": 10}, "c2b_validation"),
        ({"c2b_validation_url": "http://shop.example/v"}, "c2b_validation_url"),
        ({"c2b_validation_timeout_ms": 99}, "c2b_validation_timeout_ms"),
        ({"c2b_validation_timeout_ms": 6001}, "c2b_validation_timeout_ms"),
        ({"c2b_when_unanswered": "maybe"}, "c2b_when_unanswered"),
    ],
)
def test_invalid_c2b_rules_name_the_field(options: dict[str, Any], field: str):
    # Refused by the options' own rules (when parsed) or by C2BValidationRules' (when merged).
    with pytest.raises(InvalidRequest) as raised:
        merge_c2b_rules(C2BRuleOptions.parse(**options), None)

    assert raised.value.details == {"field": field}
    named = "`c2b_min_amount`" if field == "c2b_validation" else f"`{field}`"
    assert named in raised.value.message


def test_c2b_rule_bounds_are_inclusive():
    rules = merge_c2b_rules(
        C2BRuleOptions(c2b_min_amount=1, c2b_max_amount=1, c2b_validation_timeout_ms=6000), None
    )

    assert (rules.min_amount, rules.max_amount, rules.forward_timeout_ms) == (1, 1, 6000)
    assert merge_c2b_rules(C2BRuleOptions(c2b_validation_timeout_ms=100), None).forward_timeout_ms == 100


def test_the_validation_url_follows_the_webhook_rule():
    rules = merge_c2b_rules(C2BRuleOptions(c2b_validation_url="http://127.0.0.1:8080/v"), None)

    assert rules.forward_url == "http://127.0.0.1:8080/v"
    with pytest.raises(InvalidRequest, match="`c2b_validation_url` must be an https:// URL"):
        C2BRuleOptions.parse(c2b_validation_url="ftp://shop.example/v")
