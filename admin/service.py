"""Merchants and payment apps for operators: provisioning, independent of the command line.

Inputs are validated by their models (admin/models.py); this module applies them to the registry and
the app secrets. The registry keeps only hashes of the secrets it is given or makes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import SecretStr, ValidationError

from admin.models import (
    C2B_RULE_FIELDS,
    CREDENTIAL_FIELDS,
    AppChanges,
    AppResult,
    AppSecret,
    AppUpdate,
    AppView,
    C2BRuleOptions,
    InvalidField,
    MerchantChanges,
    MerchantResult,
    MerchantSecret,
    MerchantView,
    MerchantWithApps,
    NewApp,
    NewMerchant,
    check_credentials,
    credential_status,
    plain_values,
)
from admin.target import Target
from mpesa_gateway.errors import GatewayError, InvalidRequest, NotFound
from mpesa_gateway.models import C2BValidationRules, DarajaCredentials, PaymentApp
from mpesa_gateway.secrets import hash_client_secret, sha256_hex
from mpesa_gateway.store.app_secrets import AppSecretExists, AppSecretNotFound, AppSecretStore
from mpesa_gateway.store.registry import DynamoRegistry, Merchant


class AlreadyExists(GatewayError):
    status = 409
    code = "already_exists"


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


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _new_callback_secret() -> str:
    # Hex for the secret that travels in callback URLs: 0-9a-f cannot spell a word Daraja refuses there.
    return secrets.token_hex(32)


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
    ) -> MerchantSecret:
        request = NewMerchant.parse(
            merchant_id=merchant_id,
            name=name if name is not None else merchant_id,
            client_secret=client_secret,
        )
        secret = request.client_secret.get_secret_value() if request.client_secret else self._new_secret()
        merchant = Merchant(
            merchant_id=request.merchant_id, name=request.name, client_secret_hash=hash_client_secret(secret)
        )
        if not self._registry.add_merchant(merchant):
            raise AlreadyExists(f"Merchant '{merchant_id}' already exists", field="merchant_id")
        return MerchantSecret.of(merchant, client_secret=secret, note=HASH_ONLY_NOTE)

    def list_merchants(self) -> list[MerchantView]:
        return [MerchantView.of(merchant) for merchant in self._registry.list_merchants()]

    def show_merchant(self, merchant_id: str) -> MerchantWithApps:
        merchant = self._merchant(merchant_id)
        return MerchantWithApps.of(merchant, apps=[app.app_id for app in self._registry.apps_of(merchant_id)])

    def update_merchant(self, merchant_id: str, *, name: str | None = None) -> MerchantResult:
        merchant = self._merchant(merchant_id)
        changes = MerchantChanges.parse(name=name)
        if changes.name is None:
            raise InvalidRequest("Nothing to update: pass `name`", field="name")
        updated = merchant.model_copy(update={"name": changes.name})
        self._registry.put_merchant(updated)
        return MerchantResult.of(updated)

    def rotate_client_secret(self, merchant_id: str) -> MerchantSecret:
        merchant = self._merchant(merchant_id)
        secret = self._new_secret()
        updated = merchant.model_copy(update={"client_secret_hash": hash_client_secret(secret)})
        self._registry.put_merchant(updated)
        return MerchantSecret.of(updated, client_secret=secret, note=HASH_ONLY_NOTE)

    def set_merchant_enabled(self, merchant_id: str, enabled: bool) -> MerchantResult:
        updated = self._merchant(merchant_id).model_copy(update={"enabled": enabled})
        self._registry.put_merchant(updated)
        return MerchantResult.of(updated)

    # Payment apps

    def create_app(self, request: NewApp) -> AppSecret:
        rules = merge_c2b_rules(request, None)
        self._merchant(request.merchant_id)
        # Checked before the secret is written, so an existing app's credentials are never replaced.
        if self._registry.get_app(request.app_id) is not None:
            raise AlreadyExists(f"Payment app '{request.app_id}' already exists", field="app_id")

        if request.callback_secret is not None:
            callback_secret = request.callback_secret.get_secret_value()
        else:
            callback_secret = _new_callback_secret()
        app = _validated_app(
            {
                "app_id": request.app_id,
                "merchant_id": request.merchant_id,
                "driver": request.driver,
                "is_live": request.is_live,
                "callback_secret_sha256": sha256_hex(callback_secret),
                # Personal apps have no short code; the model needs a string.
                "short_code": request.short_code or "",
                **request.profile(),
                **({"c2b_validation": rules} if rules is not None else {}),
            }
        )
        stored = DarajaCredentials.model_validate(
            {**request.credentials.plain(), "callback_secret": callback_secret}
        )
        # The secret first: an app must never be visible in the registry without its credentials.
        try:
            self._secrets.create(app.app_id, stored)
        except AppSecretExists:
            # Left by a create that failed before the registry write (no app owns it, checked above).
            self._secrets.put(app.app_id, stored)
        if not self._registry.add_app(app):  # created by someone else in the meantime
            raise AlreadyExists(f"Payment app '{request.app_id}' already exists", field="app_id")
        return AppSecret(
            app=AppView.of(app, credential_status(stored)),
            callback_secret=callback_secret,
            note=CALLBACK_URL_NOTE,
        )

    def list_apps(self, merchant_id: str | None = None) -> list[AppView]:
        if merchant_id is not None:
            self._merchant(merchant_id)
            owners = [merchant_id]
        else:
            # No table-wide app listing in the registry: every app has an owner, so go through them.
            owners = [merchant.merchant_id for merchant in self._registry.list_merchants()]
        return [AppView.of(app) for owner in owners for app in self._registry.apps_of(owner)]

    def show_app(self, app_id: str) -> AppResult:
        app = self.app(app_id)
        return AppResult(app=AppView.of(app, credential_status(self._stored_credentials(app_id))))

    def update_app(self, app_id: str, changes: AppChanges) -> AppUpdate:
        app = self.app(app_id)
        changes.check_driver(app.driver)
        update = changes.profile()
        rules = merge_c2b_rules(changes, app.c2b_validation, clear=changes.clear_c2b_validation)
        if rules is not None:
            update["c2b_validation"] = rules
        if changes.is_live is not None:
            update["is_live"] = changes.is_live
        if changes.clear_till_number:
            update["till_number"] = None
        new_credentials = changes.credentials.plain()
        if not update and not new_credentials:
            raise InvalidRequest("Nothing to update", field="app_id")

        stored = self._stored_credentials(app_id)
        if new_credentials:
            if stored is None:
                raise NotFound(f"The secret of payment app '{app_id}' is missing", field="app_id")
            merged = {**plain_values(stored), **new_credentials}
            check_credentials(app.driver, {k: v for k, v in merged.items() if k in CREDENTIAL_FIELDS})
            stored = DarajaCredentials.model_validate(merged)
            self._secrets.put(app_id, stored)
        updated = _validated_app({**app.model_dump(), **update})
        if update:
            self._registry.put_app(updated)
        went_live_on_old_credentials = (
            changes.is_live is not None and changes.is_live != app.is_live and not new_credentials
        )
        return AppUpdate(
            app=AppView.of(updated, credential_status(stored)),
            changed=sorted([*update, *new_credentials]),
            note=LIVE_NOTE if went_live_on_old_credentials else None,
        )

    def rotate_callback_secret(self, app_id: str) -> AppSecret:
        app = self.app(app_id)
        stored = self._stored_credentials(app_id)
        if stored is None:
            raise NotFound(f"The secret of payment app '{app_id}' is missing", field="app_id")
        secret = _new_callback_secret()  # it travels in callback URLs, as the first one did
        # The secret first: it is what new callback URLs are built from; then the hash callbacks are
        # checked against. If the second write fails, running the rotation again repairs it.
        self._secrets.put(app_id, stored.model_copy(update={"callback_secret": SecretStr(secret)}))
        updated = app.model_copy(update={"callback_secret_sha256": sha256_hex(secret)})
        self._registry.put_app(updated)
        return AppSecret(app=AppView.of(updated), callback_secret=secret, note=ROTATION_NOTE)

    def set_app_enabled(self, app_id: str, enabled: bool) -> AppResult:
        updated = self.app(app_id).model_copy(update={"enabled": enabled})
        self._registry.put_app(updated)
        return AppResult(app=AppView.of(updated))

    def _merchant(self, merchant_id: str) -> Merchant:
        merchant = self._registry.get_merchant(merchant_id)
        if merchant is None:
            raise NotFound(f"No merchant '{merchant_id}'", field="merchant_id")
        return merchant

    def app(self, app_id: str) -> PaymentApp:
        """The stored app, whatever its state; NotFound naming `app_id`."""
        app = self._registry.get_app(app_id)
        if app is None:
            raise NotFound(f"No payment app '{app_id}'", field="app_id")
        return app

    def _stored_credentials(self, app_id: str) -> DarajaCredentials | None:
        try:
            return self._secrets.get(app_id)
        except AppSecretNotFound:
            return None


def merge_c2b_rules(
    given: C2BRuleOptions, current: C2BValidationRules | None, clear: bool = False
) -> C2BValidationRules | None:
    """`current` (no rules if None or on clear) with each given rule replaced; None if nothing changes."""
    update = given.rule_changes()
    if not update and not clear:
        return None
    base = C2BValidationRules() if clear or current is None else current
    try:
        # model_copy does not validate: re-validating runs the model's rules (pattern compiles, min <= max).
        return C2BValidationRules.model_validate(base.model_copy(update=update).model_dump())
    except ValidationError as error:
        raise _rules_error(error) from None


def _rules_error(error: ValidationError) -> InvalidRequest:
    """C2BValidationRules' first complaint in the operator's terms: option names for its field names."""
    first = error.errors()[0]
    option_of = {rule: option for option, rule in C2B_RULE_FIELDS.items()}
    # A validator's own message, without pydantic's "Value error, " prefix.
    reason = str(first.get("ctx", {}).get("error") or first["msg"])
    for rule, option in option_of.items():
        reason = re.sub(rf"\b{rule}\b", f"`{option}`", reason)
    if first["loc"] and str(first["loc"][0]) in option_of:
        option = option_of[str(first["loc"][0])]
        return InvalidField(option, f"Invalid `{option}`: {reason}")
    # A rule across fields (min_amount above max_amount).
    return InvalidField("c2b_validation", f"Invalid C2B validation rules: {reason}")


def _validated_app(values: dict[str, Any]) -> PaymentApp:
    try:
        return PaymentApp.model_validate(values)
    except ValidationError as error:
        # The rules above should have caught it; say which field the model refused.
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "app"
        raise InvalidRequest(f"Invalid {name}: {first['msg']}", field=name) from None
