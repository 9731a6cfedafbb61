"""Merchants and payment apps for operators: every provisioning rule, independent of the command line.

Results are JSON-ready dicts. Secret values appear only in the result of the call that made them
(create, rotate), never in show/list output; the registry keeps only their hashes.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from botocore.exceptions import ClientError
from pydantic import SecretStr, ValidationError

from mpesa_gateway.errors import GatewayError, InvalidRequest, NotFound
from mpesa_gateway.inputs import ID_PATTERN, ID_RULE
from mpesa_gateway.models import (
    C2BApiVersion,
    C2BResponseType,
    C2BValidationRules,
    DarajaCredentials,
    Driver,
    LipaCommand,
    PaymentApp,
)
from mpesa_gateway.secrets import hash_client_secret, sha256_hex
from mpesa_gateway.store.app_secrets import AppSecretExists, AppSecretNotFound, AppSecretStore
from mpesa_gateway.store.registry import DynamoRegistry, Merchant

Choice = TypeVar("Choice")


class AlreadyExists(GatewayError):
    status = 409
    code = "already_exists"


# --- Rules (pure) ---------------------------------------------------------------------------------

# Daraja refuses callback URLs containing these words (case-insensitive), and app ids are in those URLs.
# Longest first, so that "exec" is named rather than the "exe" inside it.
FORBIDDEN_URL_WORDS = ("safaricom", "m-pesa", "mpesa", "query", "exec", "exe", "cmd", "sql")
# [0-9], not \d: \d also matches other scripts' digits, which Daraja does not read.
_SHORT_CODE = re.compile(r"[0-9]{5,7}")
# Plain HTTP only for a receiver on this machine (local mode); anything else must be HTTPS.
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
MAX_NAME_LENGTH = 100
MAX_URL_LENGTH = 2048

# What an operator may supply; callback_secret is the gateway's own and is never taken from input.
CREDENTIAL_FIELDS = (
    "consumer_key",
    "consumer_secret",
    "passkey",
    "initiator_name",
    "initiator_password",
    "security_credential",
)
_DARAJA_KEYS = ("consumer_key", "consumer_secret")
_INITIATOR = (*_DARAJA_KEYS, "initiator_name", ("security_credential", "initiator_password"))
# Per driver, the fields an app needs to call its Daraja APIs; a nested tuple means "one of these".
REQUIRED_CREDENTIALS: dict[Driver, tuple[str | tuple[str, ...], ...]] = {
    Driver.EXPRESS: (*_DARAJA_KEYS, "passkey"),
    Driver.C2B: _DARAJA_KEYS,
    Driver.B2C: _INITIATOR,
    Driver.B2B: _INITIATOR,
    Driver.PERSONAL: (),
}
STK_TYPES = {"paybill": LipaCommand.PAYBILL, "buygoods": LipaCommand.BUY_GOODS}
C2B_COMMANDS = {"paybill": LipaCommand.PAYBILL, "till": LipaCommand.BUY_GOODS}
# --c2b-when-unanswered: the gateway's answer when the merchant's validation URL is silent.
WHEN_UNANSWERED = {"accept": True, "reject": False}

HASH_ONLY_NOTE = "Shown once: the gateway keeps only a hash of the client secret. Store it now."
CALLBACK_URL_NOTE = (
    "Shown once: the gateway builds callback URLs with it; you need it only to register URLs by hand."
)
ROTATION_NOTE = (
    "Re-register this app's C2B URLs: Safaricom keeps calling the old ones. Callbacks of payments "
    "started before the rotation (the functions cache credentials up to 5 minutes) carry the old "
    "secret and are refused; the reconciler settles those by query."
)
LIVE_NOTE = "Sandbox and production use different Daraja credentials: update them too if needed."


def option_name(field_name: str) -> str:
    """The command-line spelling of a field, so errors name what the operator typed."""
    return "--" + field_name.replace("_", "-")


def check_id(kind: str, value: str) -> str:
    # fullmatch: "$" would let a trailing newline through.
    if not ID_PATTERN.fullmatch(value):
        raise InvalidRequest(f"Invalid {kind} '{value}': use {ID_RULE}", field=kind.replace(" ", "_"))
    return value


def check_app_id(value: str) -> str:
    lowered = value.lower()
    for word in FORBIDDEN_URL_WORDS:
        if word in lowered:
            raise InvalidRequest(
                f"Invalid app id '{value}': it contains '{word}', and Daraja refuses callback URLs "
                "containing that word",
                field="app_id",
            )
    return check_id("app id", value)


def check_short_code(value: str, field_name: str = "short_code") -> str:
    if not _SHORT_CODE.fullmatch(value):
        raise InvalidRequest(f"{option_name(field_name)} must be 5 to 7 digits", field=field_name)
    return value


def check_webhook_url(url: str, field_name: str = "webhook_url") -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        parts, host = None, None
    secure = parts is not None and (
        parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK_HOSTS)
    )
    # urlsplit silently drops tabs and newlines; the stored URL must be the one that was checked.
    clean = all(character.isprintable() and not character.isspace() for character in url)
    if not host or not secure or not clean or len(url) > MAX_URL_LENGTH:
        raise InvalidRequest(
            f"{option_name(field_name)} must be an https:// URL (http:// only for 127.0.0.1 or localhost)",
            field=field_name,
        )
    return url


def check_name(value: str) -> str:
    if not value.strip() or len(value) > MAX_NAME_LENGTH:
        raise InvalidRequest(f"--name must be 1 to {MAX_NAME_LENGTH} characters", field="name")
    return value


def parse_driver(value: str | Driver) -> Driver:
    try:
        return Driver(value)
    except ValueError:
        choices = ", ".join(driver.value for driver in Driver)
        raise InvalidRequest(f"Unknown driver '{value}': use one of {choices}", field="driver") from None


def parse_stk_type(value: str) -> LipaCommand:
    return _lookup(STK_TYPES, value, "stk_type")


def check_credential_fields(values: Mapping[str, Any]) -> dict[str, str]:
    """Known field names with non-empty string values (a typo'd key would otherwise be dropped)."""
    unknown = sorted(set(values) - set(CREDENTIAL_FIELDS))
    if unknown:
        raise InvalidRequest(
            f"Unknown credential field(s) {', '.join(unknown)}: use {', '.join(CREDENTIAL_FIELDS)}",
            field=unknown[0],
        )
    for name, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise InvalidRequest(f"{option_name(name)} must be a non-empty string", field=name)
    return dict(values)


def check_credentials(driver: Driver, values: Mapping[str, str]) -> None:
    """The driver's required credentials are all present, and a Personal app has none."""
    if driver is Driver.PERSONAL and values:
        raise InvalidRequest(
            f"{driver.value} apps call no Daraja API and take no credentials", field=sorted(values)[0]
        )
    for required in REQUIRED_CREDENTIALS[driver]:
        alternatives = required if isinstance(required, tuple) else (required,)
        if not any(values.get(name) for name in alternatives):
            options = " or ".join(option_name(name) for name in alternatives)
            raise InvalidRequest(
                f"{driver.value} apps need {options} (or the field in --credentials-file)",
                field=alternatives[0],
            )


def credential_status(credentials: DarajaCredentials | None) -> dict[str, str]:
    """Which fields are set, never their values."""
    names = (*CREDENTIAL_FIELDS, "callback_secret")
    if credentials is None:
        return dict.fromkeys(names, "missing secret")
    return {name: "set" if getattr(credentials, name) is not None else "not set" for name in names}


def _plain(credentials: DarajaCredentials) -> dict[str, str]:
    return {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value
        for name, value in credentials
        if value is not None
    }


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _new_callback_secret() -> str:
    # Hex for the secret that travels in callback URLs: 0-9a-f cannot spell a word Daraja refuses there.
    return secrets.token_hex(32)


# --- Where to act -----------------------------------------------------------------------------------

DEFAULT_APP_SECRET_PREFIX = "mpesa-gateway/apps/"  # noqa: S105 - a name prefix; same default as config


@dataclass(frozen=True)
class Target:
    """The deployment to administer: its registry table and app secrets."""

    registry_table: str
    app_secret_prefix: str = DEFAULT_APP_SECRET_PREFIX
    kms_key_id: str | None = None
    signing_key_secret: str | None = None
    transactions_table: str | None = None
    # Every output of the stack (empty when configured from the environment), for other command groups.
    outputs: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Target:
        """The same variables the Lambdas get from the stack."""
        if not env.get("REGISTRY_TABLE"):
            raise InvalidRequest(
                "REGISTRY_TABLE is not set: pass --stack NAME, or set REGISTRY_TABLE and APP_SECRET_PREFIX",
                field="stack",
            )
        return cls(
            registry_table=env["REGISTRY_TABLE"],
            app_secret_prefix=env.get("APP_SECRET_PREFIX") or DEFAULT_APP_SECRET_PREFIX,
            kms_key_id=env.get("APP_SECRETS_KMS_KEY_ID") or None,
            signing_key_secret=env.get("SIGNING_KEY_SECRET") or None,
            transactions_table=env.get("TRANSACTIONS_TABLE") or None,
        )

    @classmethod
    def from_stack(cls, stack_name: str, cloudformation: Any) -> Target:
        """Read the deployed stack's outputs (what `cdk deploy` prints) with describe_stacks."""
        try:
            stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ValidationError":
                raise NotFound(f"No CloudFormation stack named '{stack_name}'", field="stack") from error
            raise
        return cls.from_outputs(stack_name, stacks[0].get("Outputs", []))

    @classmethod
    def from_outputs(cls, stack_name: str, outputs: list[dict[str, str]]) -> Target:
        values = {output["OutputKey"]: output["OutputValue"] for output in outputs}
        for key in ("RegistryTableName", "AppSecretPrefix"):
            if not values.get(key):
                raise NotFound(
                    f"Stack '{stack_name}' has no output {key}: is it the gateway's stack?", field="stack"
                )
        return cls(
            registry_table=values["RegistryTableName"],
            app_secret_prefix=values["AppSecretPrefix"],
            kms_key_id=values.get("AppSecretsKeyArn") or None,
            signing_key_secret=values.get("SigningKeySecretArn") or None,
            transactions_table=values.get("TransactionsTableName") or None,
            outputs=values,
        )


# --- The service ------------------------------------------------------------------------------------


class AdminRegistry(Protocol):
    def get_merchant(self, merchant_id: str) -> Merchant | None: ...
    def put_merchant(self, merchant: Merchant) -> None: ...
    def add_merchant(self, merchant: Merchant) -> bool: ...
    def list_merchants(self) -> list[Merchant]: ...
    def get_app(self, app_id: str) -> PaymentApp | None: ...
    def put_app(self, app: PaymentApp) -> None: ...
    def add_app(self, app: PaymentApp) -> bool: ...
    def apps_of(self, merchant_id: str) -> list[PaymentApp]: ...


class CredentialStore(Protocol):
    def create(self, app_id: str, credentials: DarajaCredentials) -> None: ...
    def put(self, app_id: str, credentials: DarajaCredentials) -> None: ...
    def get(self, app_id: str) -> DarajaCredentials: ...


@dataclass(frozen=True)
class C2BRuleOptions:
    """MpesaKeC2B validation rules as operators give them (--c2b-<field>); None leaves a rule as it is."""

    account_pattern: str | None = None
    # Comma-separated ("A1, B2") or already split.
    allowed_accounts: str | Sequence[str] | None = None
    min_amount: int | None = None
    max_amount: int | None = None
    validation_url: str | None = None
    validation_timeout_ms: int | None = None
    when_unanswered: str | None = None  # a WHEN_UNANSWERED key


# Each C2BRuleOptions field and the C2BValidationRules field it sets.
C2B_RULE_FIELDS = {
    "account_pattern": "account_pattern",
    "allowed_accounts": "allowed_accounts",
    "min_amount": "min_amount",
    "max_amount": "max_amount",
    "validation_url": "forward_url",
    "validation_timeout_ms": "forward_timeout_ms",
    "when_unanswered": "accept_when_unanswered",
}


@dataclass(frozen=True)
class NewApp:
    app_id: str
    merchant_id: str
    driver: str | Driver
    short_code: str | None = None
    is_live: bool = False
    credentials: Mapping[str, str] = field(default_factory=dict)
    stk_type: str | None = None
    till_number: str | None = None
    webhook_url: str | None = None
    c2b_response_type: str | None = None
    c2b_api_version: str | None = None
    c2b_command: str | None = None  # a C2B_COMMANDS key
    c2b_rules: C2BRuleOptions = field(default_factory=C2BRuleOptions)
    # Only for deterministic seeding (local demo); operators get a random one.
    callback_secret: str | None = None


@dataclass(frozen=True)
class AppChanges:
    is_live: bool | None = None
    webhook_url: str | None = None
    clear_webhook_url: bool = False
    stk_type: str | None = None
    till_number: str | None = None
    clear_till_number: bool = False
    c2b_response_type: str | None = None
    c2b_api_version: str | None = None
    c2b_command: str | None = None
    # Given rules replace the app's; with clear_c2b_validation they replace no rules at all.
    c2b_rules: C2BRuleOptions = field(default_factory=C2BRuleOptions)
    clear_c2b_validation: bool = False
    # Merged into the stored secret: fields given here replace, the others stay.
    credentials: Mapping[str, str] = field(default_factory=dict)


class AdminService:
    def __init__(
        self,
        registry: AdminRegistry,
        secret_store: CredentialStore,
        new_secret: Callable[[], str] = _new_secret,
    ) -> None:
        self._registry = registry
        self._secrets = secret_store
        self._new_secret = new_secret

    @classmethod
    def for_target(cls, target: Target) -> AdminService:
        return cls(
            DynamoRegistry(target.registry_table), AppSecretStore(target.app_secret_prefix, target.kms_key_id)
        )

    # Merchants

    def create_merchant(
        self, merchant_id: str, name: str | None = None, client_secret: str | None = None
    ) -> dict[str, Any]:
        check_id("merchant id", merchant_id)
        name = check_name(name if name is not None else merchant_id)
        if client_secret is not None and not client_secret:
            raise InvalidRequest("The client secret must not be empty", field="client_secret")
        secret = client_secret or self._new_secret()
        merchant = Merchant(merchant_id=merchant_id, name=name, client_secret_hash=hash_client_secret(secret))
        if not self._registry.add_merchant(merchant):
            raise AlreadyExists(f"Merchant '{merchant_id}' already exists", field="merchant_id")
        return {"merchant": _merchant_view(merchant), "client_secret": secret, "note": HASH_ONLY_NOTE}

    def list_merchants(self) -> list[dict[str, Any]]:
        return [_merchant_view(merchant) for merchant in self._registry.list_merchants()]

    def show_merchant(self, merchant_id: str) -> dict[str, Any]:
        merchant = self._merchant(merchant_id)
        apps = [app.app_id for app in self._registry.apps_of(merchant_id)]
        return {"merchant": _merchant_view(merchant), "apps": apps}

    def update_merchant(self, merchant_id: str, *, name: str | None = None) -> dict[str, Any]:
        merchant = self._merchant(merchant_id)
        if name is None:
            raise InvalidRequest("Nothing to update: pass --name", field="name")
        updated = merchant.model_copy(update={"name": check_name(name)})
        self._registry.put_merchant(updated)
        return {"merchant": _merchant_view(updated)}

    def rotate_client_secret(self, merchant_id: str) -> dict[str, Any]:
        merchant = self._merchant(merchant_id)
        secret = self._new_secret()
        updated = merchant.model_copy(update={"client_secret_hash": hash_client_secret(secret)})
        self._registry.put_merchant(updated)
        return {"merchant": _merchant_view(updated), "client_secret": secret, "note": HASH_ONLY_NOTE}

    def set_merchant_enabled(self, merchant_id: str, enabled: bool) -> dict[str, Any]:
        updated = self._merchant(merchant_id).model_copy(update={"enabled": enabled})
        self._registry.put_merchant(updated)
        return {"merchant": _merchant_view(updated)}

    # Payment apps

    def create_app(self, request: NewApp) -> dict[str, Any]:
        check_app_id(request.app_id)
        driver = parse_driver(request.driver)
        credentials = check_credential_fields(request.credentials)
        check_credentials(driver, credentials)
        profile = _profile_changes(driver, request, request.short_code)
        if request.short_code is None and driver is not Driver.PERSONAL:
            raise InvalidRequest(f"{driver.value} apps need --short-code", field="short_code")
        if request.callback_secret is not None and not request.callback_secret:
            raise InvalidRequest("The callback secret must not be empty", field="callback_secret")
        self._merchant(request.merchant_id)
        # Checked before the secret is written, so an existing app's credentials are never replaced.
        if self._registry.get_app(request.app_id) is not None:
            raise AlreadyExists(f"Payment app '{request.app_id}' already exists", field="app_id")

        callback_secret = request.callback_secret or _new_callback_secret()
        app = _validated_app(
            {
                "app_id": request.app_id,
                "merchant_id": request.merchant_id,
                "driver": driver,
                "is_live": request.is_live,
                "callback_secret_sha256": sha256_hex(callback_secret),
                # Personal apps have no short code; the model needs a string.
                "short_code": "",
                **profile,
            }
        )
        stored = DarajaCredentials.model_validate({**credentials, "callback_secret": callback_secret})
        # The secret first: an app must never be visible in the registry without its credentials.
        try:
            self._secrets.create(app.app_id, stored)
        except AppSecretExists:
            # Left by a create that failed before the registry write (no app owns it, checked above).
            self._secrets.put(app.app_id, stored)
        if not self._registry.add_app(app):  # created by someone else in the meantime
            raise AlreadyExists(f"Payment app '{request.app_id}' already exists", field="app_id")
        return {
            "app": _app_view(app, credential_status(stored)),
            "callback_secret": callback_secret,
            "note": CALLBACK_URL_NOTE,
        }

    def list_apps(self, merchant_id: str | None = None) -> list[dict[str, Any]]:
        if merchant_id is not None:
            self._merchant(merchant_id)
            owners = [merchant_id]
        else:
            # No table-wide app listing in the registry: every app has an owner, so go through them.
            owners = [merchant.merchant_id for merchant in self._registry.list_merchants()]
        return [_app_view(app) for owner in owners for app in self._registry.apps_of(owner)]

    def show_app(self, app_id: str) -> dict[str, Any]:
        app = self._app(app_id)
        return {"app": _app_view(app, credential_status(self._stored_credentials(app_id)))}

    def update_app(self, app_id: str, changes: AppChanges) -> dict[str, Any]:
        app = self._app(app_id)
        if changes.webhook_url is not None and changes.clear_webhook_url:
            raise InvalidRequest("Pass --webhook-url or --clear-webhook-url, not both", field="webhook_url")
        if changes.till_number is not None and changes.clear_till_number:
            raise InvalidRequest("Pass --till-number or --clear-till-number, not both", field="till_number")
        update = _profile_changes(
            app.driver, changes, rules=app.c2b_validation, clear_rules=changes.clear_c2b_validation
        )
        if changes.is_live is not None:
            update["is_live"] = changes.is_live
        if changes.clear_webhook_url:
            update["webhook_url"] = None
        if changes.clear_till_number:
            update["till_number"] = None
        new_credentials = check_credential_fields(changes.credentials)
        if not update and not new_credentials:
            raise InvalidRequest("Nothing to update", field="app_id")

        stored = self._stored_credentials(app_id)
        if new_credentials:
            if stored is None:
                raise NotFound(f"The secret of payment app '{app_id}' is missing", field="app_id")
            merged = {**_plain(stored), **new_credentials}
            check_credentials(app.driver, {k: v for k, v in merged.items() if k in CREDENTIAL_FIELDS})
            stored = DarajaCredentials.model_validate(merged)
            self._secrets.put(app_id, stored)
        updated = _validated_app({**app.model_dump(), **update})
        if update:
            self._registry.put_app(updated)
        result: dict[str, Any] = {
            "app": _app_view(updated, credential_status(stored)),
            "changed": sorted([*update, *new_credentials]),
        }
        if changes.is_live is not None and changes.is_live != app.is_live and not new_credentials:
            result["note"] = LIVE_NOTE
        return result

    def rotate_callback_secret(self, app_id: str) -> dict[str, Any]:
        app = self._app(app_id)
        stored = self._stored_credentials(app_id)
        if stored is None:
            raise NotFound(f"The secret of payment app '{app_id}' is missing", field="app_id")
        secret = self._new_secret()
        # The secret first: it is what new callback URLs are built from; then the hash callbacks are
        # checked against. If the second write fails, running the rotation again repairs it.
        self._secrets.put(app_id, stored.model_copy(update={"callback_secret": SecretStr(secret)}))
        updated = app.model_copy(update={"callback_secret_sha256": sha256_hex(secret)})
        self._registry.put_app(updated)
        return {"app": _app_view(updated), "callback_secret": secret, "note": ROTATION_NOTE}

    def set_app_enabled(self, app_id: str, enabled: bool) -> dict[str, Any]:
        updated = self._app(app_id).model_copy(update={"enabled": enabled})
        self._registry.put_app(updated)
        return {"app": _app_view(updated)}

    def _merchant(self, merchant_id: str) -> Merchant:
        merchant = self._registry.get_merchant(merchant_id)
        if merchant is None:
            raise NotFound(f"No merchant '{merchant_id}'", field="merchant_id")
        return merchant

    def _app(self, app_id: str) -> PaymentApp:
        app = self._registry.get_app(app_id)
        if app is None:
            raise NotFound(f"No payment app '{app_id}'", field="app_id")
        return app

    def _stored_credentials(self, app_id: str) -> DarajaCredentials | None:
        try:
            return self._secrets.get(app_id)
        except AppSecretNotFound:
            return None


def _profile_changes(
    driver: Driver,
    options: NewApp | AppChanges,
    short_code: str | None = None,
    rules: C2BValidationRules | None = None,
    clear_rules: bool = False,
) -> dict[str, Any]:
    """Validated profile fields that were given; create passes the short code, update cannot change it.

    Update passes the app's C2B validation rules, into which the given rule options are merged.
    """
    update: dict[str, Any] = {}
    if short_code is not None:
        update["short_code"] = check_short_code(short_code)
    _only_for(driver, Driver.EXPRESS, stk_type=options.stk_type, till_number=options.till_number)
    _only_for(
        driver,
        Driver.C2B,
        c2b_response_type=options.c2b_response_type,
        c2b_api_version=options.c2b_api_version,
        c2b_command=options.c2b_command,
    )
    if options.stk_type is not None:
        update["stk_transaction_type"] = parse_stk_type(options.stk_type)
    if options.till_number is not None:
        update["till_number"] = check_short_code(options.till_number, "till_number")
    if options.c2b_response_type is not None:
        update["c2b_response_type"] = _choice(C2BResponseType, options.c2b_response_type, "c2b_response_type")
    if options.c2b_api_version is not None:
        update["c2b_api_version"] = _choice(C2BApiVersion, options.c2b_api_version, "c2b_api_version")
    if options.c2b_command is not None:
        update["c2b_command"] = _lookup(C2B_COMMANDS, options.c2b_command, "c2b_command")
    c2b_validation = merge_c2b_rules(driver, options.c2b_rules, rules, clear_rules)
    if c2b_validation is not None:
        update["c2b_validation"] = c2b_validation
    if options.webhook_url is not None:
        update["webhook_url"] = check_webhook_url(options.webhook_url)
    return update


def merge_c2b_rules(
    driver: Driver, given: C2BRuleOptions, current: C2BValidationRules | None, clear: bool = False
) -> C2BValidationRules | None:
    """`current` (no rules if None or on clear) with each given rule replaced; None if nothing changes."""
    options = {f"c2b_{name}": getattr(given, name) for name in C2B_RULE_FIELDS}
    _only_for(driver, Driver.C2B, clear_c2b_validation=clear or None, **options)
    update = {
        C2B_RULE_FIELDS[name]: _rule_value(name, value)
        for name in C2B_RULE_FIELDS
        if (value := getattr(given, name)) is not None
    }
    if not update and not clear:
        return None
    base = C2BValidationRules() if clear or current is None else current
    try:
        # model_copy does not validate: re-validating runs the model's rules (pattern compiles, min <= max).
        return C2BValidationRules.model_validate(base.model_copy(update=update).model_dump())
    except ValidationError as error:
        raise _rules_error(error) from None


def _rule_value(name: str, value: Any) -> Any:
    """A rule option's value as C2BValidationRules takes it; the model checks ranges and the pattern."""
    field_name = f"c2b_{name}"
    if name == "account_pattern" and not value:
        raise InvalidRequest(f"{option_name(field_name)} must not be empty", field=field_name)
    if name == "allowed_accounts":
        return _account_list(value, field_name)
    if name == "validation_url":
        return check_webhook_url(value, field_name)
    if name == "when_unanswered":
        return _lookup(WHEN_UNANSWERED, value, field_name)
    return value


def _account_list(value: str | Sequence[str], field_name: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    # A non-string item becomes "", refused like a blank one.
    accounts = tuple(item.strip() if isinstance(item, str) else "" for item in items)
    if not accounts or not all(accounts):
        raise InvalidRequest(
            f"{option_name(field_name)} must be account numbers separated by commas, none empty",
            field=field_name,
        )
    return accounts


def _rules_error(error: ValidationError) -> InvalidRequest:
    """The model's first complaint in the operator's terms: option names instead of field names."""
    first = error.errors()[0]
    option_of = {model_field: f"c2b_{name}" for name, model_field in C2B_RULE_FIELDS.items()}
    # A validator's own message, without pydantic's "Value error, " prefix.
    reason = str(first.get("ctx", {}).get("error") or first["msg"])
    for model_field, option in option_of.items():
        reason = re.sub(rf"\b{model_field}\b", option_name(option), reason)
    if first["loc"] and str(first["loc"][0]) in option_of:
        field_name = option_of[str(first["loc"][0])]
        return InvalidRequest(f"Invalid {option_name(field_name)}: {reason}", field=field_name)
    # A rule across fields (min_amount above max_amount).
    return InvalidRequest(f"Invalid C2B validation rules: {reason}", field="c2b_validation")


def _only_for(driver: Driver, owner: Driver, **given: object) -> None:
    for name, value in given.items():
        if value is not None and driver is not owner:
            raise InvalidRequest(f"{option_name(name)} applies to {owner.value} apps only", field=name)


def _lookup(choices: Mapping[str, Choice], value: str, field_name: str) -> Choice:
    """The value an operator's keyword (e.g. `till`) stands for."""
    if value not in choices:
        raise InvalidRequest(f"{option_name(field_name)} must be {' or '.join(choices)}", field=field_name)
    return choices[value]


def _choice(kind: type[StrEnum], value: str, field_name: str) -> StrEnum:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidRequest(
            f"{option_name(field_name)} must be one of {allowed}", field=field_name
        ) from None


def _validated_app(values: dict[str, Any]) -> PaymentApp:
    try:
        return PaymentApp.model_validate(values)
    except ValidationError as error:
        # The rules above should have caught it; say which field the model refused.
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "app"
        raise InvalidRequest(f"Invalid {name}: {first['msg']}", field=name) from None


def _merchant_view(merchant: Merchant) -> dict[str, Any]:
    return merchant.model_dump(exclude={"client_secret_hash"})


def _app_view(app: PaymentApp, credentials: dict[str, str] | None = None) -> dict[str, Any]:
    view = app.model_dump(mode="json", exclude={"callback_secret_sha256"})
    if credentials is not None:
        view["credentials"] = credentials
    return view
