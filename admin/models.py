"""What operators give the admin service and what it gives back, as pydantic models.

Inputs carry their field rules, so a bad value is refused with the name of the field it came in. Messages
name fields in backticks (`short_code`); the command line turns those into its option names. Results
are the registry's models without their hashes: secret values appear only in the result of the call
that made them (create, rotate), never in show or list output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal, Self, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from mpesa_gateway.c2b.service import forbidden_word
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.inputs import ID_PATTERN, ID_RULE
from mpesa_gateway.models import (
    VODACOM_DRIVERS,
    C2BApiVersion,
    C2BResponseType,
    DarajaCredentials,
    Driver,
    LipaCommand,
    PaymentApp,
)
from mpesa_gateway.store.registry import Merchant
from mpesa_gateway.vodacom.markets import MARKETS
from mpesa_gateway.vodacom.security import load_public_key

Choice = TypeVar("Choice")


class InvalidField(InvalidRequest, ValueError):
    """Bad input, naming its field. A ValueError too, so that validators raise it and pydantic keeps it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


def invalid_request(error: ValidationError) -> InvalidRequest:
    """A model's first complaint as InvalidRequest naming the field; pydantic's copy of the input (maybe a
    secret) is left out."""
    first = error.errors(include_url=False)[0]
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, InvalidRequest):
        return cause
    names = [part for part in first["loc"] if isinstance(part, str)]
    field = names[-1] if names else "input"
    if first["type"] == "value_error":
        # A rule below: its message says what the field must be.
        return InvalidField(field, f"`{field}` {cause}")
    return InvalidField(field, f"Invalid `{field}`: {first['msg']}")


class OperatorInput(BaseModel):
    # Values may be secrets: pydantic's own error text must not repeat them.
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    @classmethod
    def parse(cls, **values: Any) -> Self:
        """The model, or InvalidRequest naming the first field it refuses."""
        try:
            return cls(**values)
        except ValidationError as error:
            raise invalid_request(error) from None


# --- Field rules ------------------------------------------------------------------------------------

# [0-9], not \d: \d also matches other scripts' digits, which Daraja does not read.
_SHORT_CODE = re.compile(r"[0-9]{5,7}")
# Plain HTTP only for a receiver on this machine (local mode); anything else must be HTTPS.
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
MAX_NAME_LENGTH = 100
MAX_URL_LENGTH = 2048


def _id(value: str) -> str:
    # fullmatch: "$" would let a trailing newline through.
    if not ID_PATTERN.fullmatch(value):
        raise ValueError(f"'{value}' is not {ID_RULE}")
    return value


def _usable_in_callback_urls(value: str) -> str:
    word = forbidden_word(value)
    if word is not None:
        raise ValueError(
            f"'{value}' contains '{word}', and Daraja refuses callback URLs containing that word"
        )
    return value


def _short_code(value: str) -> str:
    if not _SHORT_CODE.fullmatch(value):
        raise ValueError("must be 5 to 7 digits")
    return value


def _url(url: str) -> str:
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
        raise ValueError("must be an https:// URL (http:// only for 127.0.0.1 or localhost)")
    return url


def _name(value: str) -> str:
    if not value.strip() or len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"must be 1 to {MAX_NAME_LENGTH} characters")
    return value


def _non_blank(value: object) -> object:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return value


def _accounts(value: object) -> object:
    """Comma-separated ("A1, B2") or already a list; none blank."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, Sequence):
        return value  # the tuple type refuses it
    # A non-string item becomes "", refused like a blank one.
    accounts = tuple(item.strip() if isinstance(item, str) else "" for item in items)
    if not accounts or not all(accounts):
        raise ValueError("must be account numbers separated by commas, none empty")
    return accounts


def _keyword(choices: Mapping[str, Choice]) -> Callable[[object], object]:
    """Reads an operator's keyword (e.g. `till`) as the value it stands for."""

    def read(value: object) -> object:
        if value is None or value in choices.values():
            return value
        if isinstance(value, str) and value in choices:
            return choices[value]
        raise ValueError(f"must be {' or '.join(choices)}")

    return read


STK_TYPES = {"paybill": LipaCommand.PAYBILL, "buygoods": LipaCommand.BUY_GOODS}
C2B_COMMANDS = {"paybill": LipaCommand.PAYBILL, "till": LipaCommand.BUY_GOODS}
# c2b_when_unanswered: the gateway's answer when the merchant's validation URL is silent.
WHEN_UNANSWERED = {"accept": True, "reject": False}

Id = Annotated[str, AfterValidator(_id)]
# The words first, so that "my-MPesa" is refused for its word rather than its capitals.
AppId = Annotated[str, AfterValidator(_usable_in_callback_urls), AfterValidator(_id)]
ShortCode = Annotated[str, AfterValidator(_short_code)]
Url = Annotated[str, AfterValidator(_url)]
Name = Annotated[str, AfterValidator(_name)]
NonBlank = Annotated[str, BeforeValidator(_non_blank)]
Secret = Annotated[SecretStr, BeforeValidator(_non_blank)]


# --- Inputs -----------------------------------------------------------------------------------------


class NewMerchant(OperatorInput):
    merchant_id: Id
    name: Name
    # Only for deterministic seeding (local demo); operators get a random one.
    client_secret: Secret | None = None


class MerchantChanges(OperatorInput):
    name: Name | None = None


class CredentialValues(OperatorInput):
    """Daraja (or Vodacom) credentials an operator supplies; callback_secret is the gateway's own, never
    taken."""

    consumer_key: NonBlank | None = None
    consumer_secret: Secret | None = None
    passkey: Secret | None = None
    initiator_name: NonBlank | None = None
    initiator_password: Secret | None = None
    security_credential: Secret | None = None
    # MpesaTz, MpesaCongo: the app's API key and the portal's public key (base64 DER, or PEM).
    api_key: Secret | None = None
    public_key: NonBlank | None = None

    @model_validator(mode="before")
    @classmethod
    def _known(cls, values: object) -> object:
        # Named here with the full list: a typo'd key from a credentials file is the usual cause.
        if isinstance(values, Mapping):
            unknown = sorted(set(values) - set(cls.model_fields))
            if unknown:
                raise InvalidField(
                    unknown[0],
                    f"Unknown credential field(s) {', '.join(unknown)}: use {', '.join(cls.model_fields)}",
                )
        return values

    def plain(self) -> dict[str, str]:
        """The fields given, with their values: only for writing the app's secret."""
        return plain_values(self)


CREDENTIAL_FIELDS = tuple(CredentialValues.model_fields)
_DARAJA_KEYS = ("consumer_key", "consumer_secret")
_INITIATOR = (*_DARAJA_KEYS, "initiator_name", ("security_credential", "initiator_password"))
# Per driver, the fields an app needs to call its Daraja APIs; a nested tuple means "one of these".
_VODACOM_KEYS = ("api_key", "public_key")
REQUIRED_CREDENTIALS: dict[Driver, tuple[str | tuple[str, ...], ...]] = {
    Driver.EXPRESS: (*_DARAJA_KEYS, "passkey"),
    Driver.C2B: _DARAJA_KEYS,
    Driver.B2C: _INITIATOR,
    Driver.B2B: _INITIATOR,
    Driver.PERSONAL: (),
    Driver.TANZANIA: _VODACOM_KEYS,
    Driver.CONGO: _VODACOM_KEYS,
}


def plain_values(credentials: BaseModel) -> dict[str, str]:
    return {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value
        for name, value in credentials
        if value is not None
    }


def check_credentials(driver: Driver, values: Mapping[str, str]) -> None:
    """The driver's required credentials are all present, and a Personal app has none."""
    if driver is Driver.PERSONAL and values:
        raise InvalidField(
            sorted(values)[0], f"{driver.value} apps call no Daraja API and take no credentials"
        )
    for required in REQUIRED_CREDENTIALS[driver]:
        alternatives = required if isinstance(required, tuple) else (required,)
        if not any(values.get(name) for name in alternatives):
            named = " or ".join(f"`{name}`" for name in alternatives)
            raise InvalidField(alternatives[0], f"{driver.value} apps need {named}")
    check_provider_fields(driver, values)


def check_provider_fields(driver: Driver, values: Mapping[str, str]) -> None:
    """Vodacom apps take Vodacom's fields only, Daraja apps Daraja's; a public key must be readable."""
    vodacom = driver in VODACOM_DRIVERS
    for name in values:
        if (name in _VODACOM_KEYS) is not vodacom:
            provider = "Vodacom's api_key and public_key" if vodacom else "Daraja's credentials"
            raise InvalidField(name, f"{driver.value} apps take {provider}, not `{name}`")
    if public_key := values.get("public_key"):
        try:
            load_public_key(public_key)
        except InvalidRequest as error:
            raise InvalidField("public_key", error.message) from None


class C2BRuleOptions(OperatorInput):
    """MpesaKeC2B validation rules as operators give them; None leaves a rule as it is.

    Ranges, the pattern and min <= max are C2BValidationRules' own rules, checked on the merged rules.
    """

    c2b_account_pattern: NonBlank | None = None
    c2b_allowed_accounts: Annotated[tuple[str, ...] | None, BeforeValidator(_accounts)] = None
    c2b_min_amount: int | None = None
    c2b_max_amount: int | None = None
    c2b_validation_url: Url | None = None
    c2b_validation_timeout_ms: int | None = None
    c2b_when_unanswered: Annotated[bool | None, BeforeValidator(_keyword(WHEN_UNANSWERED))] = None

    def rule_changes(self) -> dict[str, Any]:
        """The C2BValidationRules fields given."""
        return {
            rule: value
            for option, rule in C2B_RULE_FIELDS.items()
            if (value := getattr(self, option)) is not None
        }


# Each C2BRuleOptions field and the C2BValidationRules field it sets.
C2B_RULE_FIELDS = {
    "c2b_account_pattern": "account_pattern",
    "c2b_allowed_accounts": "allowed_accounts",
    "c2b_min_amount": "min_amount",
    "c2b_max_amount": "max_amount",
    "c2b_validation_url": "forward_url",
    "c2b_validation_timeout_ms": "forward_timeout_ms",
    "c2b_when_unanswered": "accept_when_unanswered",
}
# Each profile option and the PaymentApp field it sets.
PROFILE_FIELDS = {
    "currency": "currency",
    "stk_type": "stk_transaction_type",
    "till_number": "till_number",
    "c2b_response_type": "c2b_response_type",
    "c2b_api_version": "c2b_api_version",
    "c2b_command": "c2b_command",
}


# The options that only some drivers' apps have.
DRIVER_OPTIONS: dict[str, frozenset[Driver]] = {
    "stk_type": frozenset({Driver.EXPRESS}),
    "till_number": frozenset({Driver.EXPRESS}),
    "c2b_response_type": frozenset({Driver.C2B}),
    "c2b_api_version": frozenset({Driver.C2B}),
    "c2b_command": frozenset({Driver.C2B}),
    **dict.fromkeys(C2B_RULE_FIELDS, frozenset({Driver.C2B})),
    "currency": VODACOM_DRIVERS,
}


def _only_for(name: str, owners: frozenset[Driver]) -> InvalidField:
    named = " and ".join(sorted(owner.value for owner in owners))
    return InvalidField(name, f"`{name}` applies to {named} apps only")


class AppSettings(C2BRuleOptions):
    """What a new app and changes to one share: its profile and credentials."""

    stk_type: Annotated[LipaCommand | None, BeforeValidator(_keyword(STK_TYPES))] = None
    # PartyB for Buy Goods, when the till differs from the short code.
    till_number: ShortCode | None = None
    c2b_response_type: C2BResponseType | None = None
    c2b_api_version: C2BApiVersion | None = None
    c2b_command: Annotated[LipaCommand | None, BeforeValidator(_keyword(C2B_COMMANDS))] = None
    # MpesaTz, MpesaCongo: the currency payments are in by default (one of its market's).
    currency: Annotated[str | None, StringConstraints(pattern=r"^[A-Za-z]{3}$", to_upper=True)] = None
    credentials: CredentialValues = Field(default_factory=CredentialValues)

    def check_driver(self, driver: Driver) -> None:
        """Every field given applies to this driver's apps, and a currency is its market's."""
        for name, owners in DRIVER_OPTIONS.items():
            if getattr(self, name) is not None and driver not in owners:
                raise _only_for(name, owners)
        if self.currency is not None and self.currency not in MARKETS[driver].currencies:
            currencies = ", ".join(MARKETS[driver].currencies)
            raise InvalidField("currency", f"{driver.value} apps are paid in {currencies}")

    def profile(self) -> dict[str, Any]:
        """The PaymentApp fields given (C2B rules aside: they merge into the app's)."""
        return {
            field: value
            for option, field in PROFILE_FIELDS.items()
            if (value := getattr(self, option)) is not None
        }


class NewApp(AppSettings):
    app_id: AppId
    merchant_id: Id
    driver: Driver
    # Not for MpesaKePersonal apps, which have no short code.
    short_code: ShortCode | None = None
    is_live: bool = False
    # Only for deterministic seeding (local demo); operators get a random one.
    callback_secret: Secret | None = None

    @model_validator(mode="after")
    def _complete_for_its_driver(self) -> Self:
        check_credentials(self.driver, self.credentials.plain())
        self.check_driver(self.driver)
        if self.short_code is None and self.driver is not Driver.PERSONAL:
            raise InvalidField("short_code", f"{self.driver.value} apps need `short_code`")
        return self


class AppChanges(AppSettings):
    """Changes to an app; None leaves a field as it is. Credentials given replace only those fields."""

    is_live: bool | None = None
    # Pay to the short code again.
    clear_till_number: bool = False
    # Drops the app's rules; rules given with it are the only ones then.
    clear_c2b_validation: bool = False

    def check_driver(self, driver: Driver) -> None:
        super().check_driver(driver)
        if self.clear_c2b_validation and driver is not Driver.C2B:
            raise _only_for("clear_c2b_validation", frozenset({Driver.C2B}))

    @model_validator(mode="after")
    def _set_or_clear(self) -> Self:
        if self.till_number is not None and self.clear_till_number:
            raise InvalidField("till_number", "Pass `till_number` or `clear_till_number`, not both")
        return self


# --- Results ----------------------------------------------------------------------------------------

CredentialState = Literal["set", "not set", "missing secret"]


class MerchantView(Merchant):
    client_secret_hash: str = Field(exclude=True)

    @classmethod
    def of(cls, merchant: Merchant) -> MerchantView:
        return cls.model_validate(merchant.model_dump())


class AppView(PaymentApp):
    callback_secret_sha256: str = Field(exclude=True)
    # Which credential fields are set, never their values; only where the secret was read.
    credentials: dict[str, CredentialState] | None = Field(
        default=None, exclude_if=lambda value: value is None
    )

    @classmethod
    def of(cls, app: PaymentApp, credentials: dict[str, CredentialState] | None = None) -> AppView:
        return cls.model_validate({**app.model_dump(), "credentials": credentials})


class MerchantResult(BaseModel):
    merchant: MerchantView

    @classmethod
    def of(cls, merchant: Merchant, **fields: Any) -> Self:
        return cls(merchant=MerchantView.of(merchant), **fields)


class MerchantWithApps(MerchantResult):
    apps: list[str]


class MerchantSecret(MerchantResult):
    """A new client secret, shown this once."""

    client_secret: str
    note: str


class AppResult(BaseModel):
    app: AppView


class AppSecret(AppResult):
    """A new callback secret, shown this once."""

    callback_secret: str
    note: str


class AppUpdate(AppResult):
    changed: list[str]
    note: str | None = Field(default=None, exclude_if=lambda value: value is None)


def credential_status(credentials: DarajaCredentials | None) -> dict[str, CredentialState]:
    """Which fields of the app's secret are set, never their values."""
    names = (*CREDENTIAL_FIELDS, "callback_secret")
    if credentials is None:
        return dict.fromkeys(names, "missing secret")
    return {name: "set" if getattr(credentials, name) is not None else "not set" for name in names}
