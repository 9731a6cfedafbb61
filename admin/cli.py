"""The operators' command line: argparse in front of AdminService, JSON results on stdout.

    python -m admin [--stack NAME] [--region REGION] GROUP COMMAND ...

Without --stack it acts on what the environment names, as the Lambdas do (REGISTRY_TABLE,
APP_SECRET_PREFIX, APP_SECRETS_KMS_KEY_ID, TRANSACTIONS_TABLE, WEBHOOK_QUEUE_URL,
ALLOW_LOCAL_MERCHANT_URLS). Exit codes: 0 done; 2 bad input; 1 not found, already
exists or an AWS error. Errors go to stderr as {"error": {"code", "message", "field"}}, their messages
naming the options typed: the service names fields in backticks (`short_code`), spelled here as the
command's option (--short-code). Flag names live in this module only.

A command group is one `register_<group>(groups)` function listed in COMMAND_GROUPS; each command sets
`handler(context, args)`, whose result (pydantic models) is printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO, TypeAlias

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from admin.callbacks import CallbackAdmin
from admin.models import (
    C2B_COMMANDS,
    C2B_RULE_FIELDS,
    CREDENTIAL_FIELDS,
    STK_TYPES,
    WHEN_UNANSWERED,
    AppChanges,
    NewApp,
)
from admin.service import AdminService
from admin.signing_keys import SigningKeyAdmin
from admin.target import Target
from admin.webhooks import WebhookAdmin
from mpesa_gateway.errors import GatewayError, InvalidRequest, StorageError
from mpesa_gateway.events.models import EventType
from mpesa_gateway.models import C2BApiVersion, C2BResponseType, Driver

PROG = "python -m admin"
# Fields that may come from an environment variable, so that the value stays out of shell history.
SECRET_FIELDS = ("consumer_secret", "passkey", "initiator_password", "security_credential", "api_key")


def option_name(field_name: str) -> str:
    return "--" + field_name.replace("_", "-")


class Context:
    """What a command acts on; the AdminService is built only when a command asks for it."""

    def __init__(self, target: Target) -> None:
        self.target = target

    @cached_property
    def admin(self) -> AdminService:
        return AdminService.for_target(self.target)

    @cached_property
    def callbacks(self) -> CallbackAdmin:
        if not self.target.transactions_table:
            raise InvalidRequest(
                "No transactions table: pass --stack NAME, or set TRANSACTIONS_TABLE", field="stack"
            )
        return CallbackAdmin(self.target.transactions_table)

    @cached_property
    def webhooks(self) -> WebhookAdmin:
        return WebhookAdmin.for_target(self.target, self.admin.app)

    @cached_property
    def signing_keys(self) -> SigningKeyAdmin:
        if not self.target.signing_key_secret:
            raise InvalidRequest(
                "No signing key secret: pass --stack NAME, or set SIGNING_KEY_SECRET", field="stack"
            )
        return SigningKeyAdmin(self.target.signing_key_secret)


Result = BaseModel | Sequence[BaseModel]
Handler = Callable[[Context, argparse.Namespace], Result]
# argparse's own type for a parser's sub-commands; private, and generic only to type checkers.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _command(commands: Subparsers, name: str, handler: Handler, summary: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description=summary)
    # The command's own parser knows its options' spellings, for error messages.
    parser.set_defaults(handler=handler, command_parser=parser)
    return parser


def _group(groups: Subparsers, name: str, alias: str, summary: str) -> Subparsers:
    parser = groups.add_parser(name, aliases=[alias], help=summary, description=summary)
    return parser.add_subparsers(dest="command", required=True, metavar="COMMAND")


def register_merchants(groups: Subparsers) -> None:
    commands = _group(groups, "merchants", "merchant", "Merchants: the API's clients")

    create = _command(
        commands,
        "create",
        lambda ctx, a: ctx.admin.create_merchant(a.merchant_id, a.name),
        "Create a merchant; prints its new client secret once",
    )
    create.add_argument("merchant_id", help="1-40 of a-z, 0-9, '-'; the OAuth client_id")
    create.add_argument("--name", help="display name (default: the id)")

    _command(commands, "list", lambda ctx, a: ctx.admin.list_merchants(), "List merchants")

    show = _command(
        commands,
        "show",
        lambda ctx, a: ctx.admin.show_merchant(a.merchant_id),
        "Show a merchant and its apps",
    )
    show.add_argument("merchant_id")

    update = _command(
        commands,
        "update",
        lambda ctx, a: ctx.admin.update_merchant(a.merchant_id, name=a.name),
        "Change a merchant's name",
    )
    update.add_argument("merchant_id")
    update.add_argument("--name")

    rotate = _command(
        commands,
        "rotate-secret",
        lambda ctx, a: ctx.admin.rotate_client_secret(a.merchant_id),
        "Replace the client secret (the old one stops working); prints the new one once",
    )
    rotate.add_argument("merchant_id")

    for name, enabled in (("disable", False), ("enable", True)):
        toggle = _command(
            commands,
            name,
            _set_merchant_enabled(enabled),
            "Disable a merchant: it gets no new tokens" if name == "disable" else "Enable a merchant again",
        )
        toggle.add_argument("merchant_id")


def _set_merchant_enabled(enabled: bool) -> Handler:
    return lambda ctx, a: ctx.admin.set_merchant_enabled(a.merchant_id, enabled)


def register_apps(groups: Subparsers) -> None:
    commands = _group(groups, "apps", "app", "Payment apps: one Daraja app and short code each")

    create = _command(
        commands,
        "create",
        _create_app,
        "Create a payment app; prints its new callback secret once",
    )
    create.add_argument("app_id", help="1-40 of a-z, 0-9, '-'; no word Daraja refuses in URLs")
    create.add_argument("--merchant", dest="merchant_id", required=True, help="the owning merchant's id")
    create.add_argument("--driver", required=True, choices=[driver.value for driver in Driver])
    create.add_argument(
        "--short-code",
        help="paybill/store number, or MpesaTz/MpesaCongo's service provider code; 5-7 digits "
        "(not for MpesaKePersonal)",
    )
    _live_options(create, "sandbox Daraja (the default)")
    _express_options(create)
    _vodacom_options(create)
    _c2b_options(create)
    _credential_options(create)

    listing = _command(
        commands, "list", lambda ctx, a: ctx.admin.list_apps(a.merchant), "List payment apps (no credentials)"
    )
    listing.add_argument("--merchant", help="only this merchant's apps")

    show = _command(
        commands,
        "show",
        lambda ctx, a: ctx.admin.show_app(a.app_id),
        "Show an app and which credential fields are set (never their values)",
    )
    show.add_argument("app_id")

    update = _command(
        commands,
        "update",
        _update_app,
        "Change an app: live flag, STK and C2B settings; credentials merge into the stored ones",
    )
    update.add_argument("app_id")
    _live_options(update, "sandbox Daraja")
    _express_options(update)
    _vodacom_options(update)
    _c2b_options(update)
    update.add_argument("--clear-till-number", action="store_true", help="pay to the short code again")
    update.add_argument(
        "--clear-c2b-validation",
        action="store_true",
        help="MpesaKeC2B: drop every validation rule (rule options given with it set the only rules)",
    )
    _credential_options(update)

    rotate = _command(
        commands,
        "rotate-callback-secret",
        lambda ctx, a: ctx.admin.rotate_callback_secret(a.app_id),
        "Replace the secret in the app's callback URLs; prints the new one once",
    )
    rotate.add_argument("app_id")

    for name, enabled in (("disable", False), ("enable", True)):
        toggle = _command(
            commands,
            name,
            _set_app_enabled(enabled),
            "Disable a payment app: merchant calls to it are refused"
            if name == "disable"
            else "Enable a payment app again",
        )
        toggle.add_argument("app_id")


def _set_app_enabled(enabled: bool) -> Handler:
    return lambda ctx, a: ctx.admin.set_app_enabled(a.app_id, enabled)


# Another group (e.g. `signing-keys rotate`) is one more register function here.
def register_signing_keys(groups: Subparsers) -> None:
    commands = _group(groups, "signing-keys", "keys", "merchant-token signing keys (ids only)")
    _command(commands, "show", lambda ctx, args: ctx.signing_keys.show(), "the key ids and the active one")
    rotate = _command(
        commands, "rotate", lambda ctx, args: ctx.signing_keys.rotate(args.kid), "add a new active key"
    )
    rotate.add_argument("--kid", help="the new key's id (default: k<UTC timestamp>)")
    retire = _command(
        commands, "retire", lambda ctx, args: ctx.signing_keys.retire(args.kid), "drop a no longer active key"
    )
    retire.add_argument("kid")


def register_callbacks(groups: Subparsers) -> None:
    commands = _group(
        groups, "callbacks", "cb", "Safaricom callbacks as received (unmatched ones need tracing)"
    )
    recent = _command(
        commands,
        "list",
        lambda ctx, args: ctx.callbacks.recent(args.app_id, args.outcome, args.limit),
        "an app's stored callbacks, newest first",
    )
    recent.add_argument("app_id")
    recent.add_argument("--outcome", help="only these, e.g. unmatched, duplicate, applied, recorded")
    recent.add_argument("--limit", type=int, default=50, help="at most this many (1-200, default 50)")


def register_webhooks(groups: Subparsers) -> None:
    commands = _group(groups, "webhooks", "webhook", "Payment apps' signed webhooks and their events")
    event_types = [event_type.value for event_type in EventType]

    set_ = _command(
        commands,
        "set",
        lambda ctx, args: ctx.webhooks.set_endpoint(args.app_id, args.url, args.events),
        "Send the app's events to a URL; prints the signing secret once, when the endpoint is created",
    )
    set_.add_argument("app_id")
    set_.add_argument("--url", required=True, help="https:// URL on the internet that receives the events")
    set_.add_argument(
        "--events",
        nargs="+",
        choices=event_types,
        metavar="TYPE",
        help=f"only these event types (default: every type): {', '.join(event_types)}",
    )

    on_endpoint: list[tuple[str, Handler, str]] = [
        ("show", lambda ctx, args: ctx.webhooks.endpoint(args.app_id), "The endpoint (never its secret)"),
        (
            "delete",
            lambda ctx, args: ctx.webhooks.delete_endpoint(args.app_id),
            "Stop sending the app's events; prints the endpoint removed",
        ),
        (
            "rotate-secret",
            lambda ctx, args: ctx.webhooks.rotate_secret(args.app_id),
            "A new signing secret, printed once; the old one also signs for 24 hours",
        ),
    ]
    for name, handler, summary in on_endpoint:
        _command(commands, name, handler, summary).add_argument("app_id")

    events = _command(
        commands,
        "events",
        lambda ctx, args: ctx.webhooks.events(args.app_id, args.type, args.limit, args.cursor),
        "The app's events, newest first, with their delivery state",
    )
    events.add_argument("app_id")
    events.add_argument("--type", choices=event_types, metavar="TYPE", help="only events of this type")
    events.add_argument("--limit", type=int, default=20, help="at most this many (1-100, default 20)")
    events.add_argument("--cursor", help="the next_cursor of the previous page")

    event = _command(
        commands,
        "event",
        lambda ctx, args: ctx.webhooks.event(args.app_id, args.event_id),
        "One event with its delivery attempts",
    )
    redeliver = _command(
        commands,
        "redeliver",
        lambda ctx, args: ctx.webhooks.redeliver(args.app_id, args.event_id),
        "Queue one event again (same id and body)",
    )
    for command in (event, redeliver):
        command.add_argument("app_id")
        command.add_argument("event_id")

    replay = _command(
        commands,
        "replay-failed",
        lambda ctx, args: ctx.webhooks.replay_failed(args.app_id),
        "Queue again every event of the app whose delivery failed; prints their ids",
    )
    replay.add_argument("app_id")


COMMAND_GROUPS: list[Callable[[Subparsers], None]] = [
    register_merchants,
    register_apps,
    register_signing_keys,
    register_callbacks,
    register_webhooks,
]


def _live_options(parser: argparse.ArgumentParser, sandbox_help: str) -> None:
    live = parser.add_mutually_exclusive_group()
    live.add_argument("--live", dest="is_live", action="store_const", const=True, help="production Daraja")
    live.add_argument("--sandbox", dest="is_live", action="store_const", const=False, help=sandbox_help)


def _express_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stk-type", choices=sorted(STK_TYPES), help="MpesaKeExpress: STK transaction type")
    parser.add_argument("--till-number", help="MpesaKeExpress buygoods: the till (PartyB), 5-7 digits")


def _vodacom_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--currency",
        help="MpesaTz (TZS) and MpesaCongo (USD, the default, or CDF): payments' default currency",
    )


def _c2b_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--c2b-response-type",
        choices=[member.value for member in C2BResponseType],
        help="MpesaKeC2B: what M-Pesa does when validation does not answer (default Completed)",
    )
    parser.add_argument(
        "--c2b-api-version",
        choices=[member.value for member in C2BApiVersion],
        help="MpesaKeC2B (default v2)",
    )
    parser.add_argument(
        "--c2b-command",
        choices=sorted(C2B_COMMANDS),
        help="MpesaKeC2B: a paybill (the default) or a till (Buy Goods)",
    )
    rules = parser.add_argument_group(
        "MpesaKeC2B validation rules", "How the gateway answers Daraja's validation request"
    )
    rules.add_argument("--c2b-account-pattern", metavar="REGEX", help="the whole account number must match")
    rules.add_argument("--c2b-allowed-accounts", metavar="A,B,C", help="only these account numbers")
    rules.add_argument("--c2b-min-amount", type=int, metavar="KES", help="smallest amount accepted")
    rules.add_argument("--c2b-max-amount", type=int, metavar="KES", help="largest amount accepted")
    rules.add_argument(
        "--c2b-validation-url",
        metavar="URL",
        help="https:// URL of the merchant's own validation, asked last",
    )
    rules.add_argument(
        "--c2b-validation-timeout-ms",
        type=int,
        metavar="MS",
        help="how long that URL may take, 100-6000 (default 3000)",
    )
    rules.add_argument(
        "--c2b-when-unanswered",
        choices=sorted(WHEN_UNANSWERED),
        help="the answer when that URL does not answer in time (default accept)",
    )


def _credential_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "Daraja (or Vodacom) credentials",
        "Values given as options stay in shell history: prefer --credentials-file or the -env options. "
        "Later sources win: file, then environment variables, then options.",
    )
    group.add_argument(
        "--credentials-file",
        metavar="PATH",
        help=f"JSON object with any of {', '.join(CREDENTIAL_FIELDS)}; '-' reads stdin",
    )
    for name in CREDENTIAL_FIELDS:
        group.add_argument(option_name(name), dest=name, metavar="VALUE")
        if name in SECRET_FIELDS:
            group.add_argument(
                f"{option_name(name)}-env", dest=f"{name}_env", metavar="VAR", help=f"{name} from $VAR"
            )


def gather_credentials(
    args: argparse.Namespace, environ: Mapping[str, str] = os.environ, stdin: TextIO | None = None
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if args.credentials_file:
        values.update(_read_credentials_file(args.credentials_file, stdin or sys.stdin))
    for name in SECRET_FIELDS:
        variable = getattr(args, f"{name}_env")
        if variable:
            if variable not in environ:
                raise InvalidRequest(f"{option_name(name)}-env: ${variable} is not set", field=name)
            values[name] = environ[variable]
    values.update(
        {name: getattr(args, name) for name in CREDENTIAL_FIELDS if getattr(args, name) is not None}
    )
    return values


def _read_credentials_file(path: str, stdin: TextIO) -> dict[str, Any]:
    try:
        text = stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        values = json.loads(text)
    except OSError as error:
        raise InvalidRequest(
            f"--credentials-file: {error.strerror}: {path}", field="credentials_file"
        ) from None
    except json.JSONDecodeError as error:
        # The message has no content from the file: it may hold secrets.
        raise InvalidRequest(
            f"--credentials-file is not valid JSON (line {error.lineno})", field="credentials_file"
        ) from None
    if not isinstance(values, dict):
        raise InvalidRequest("--credentials-file must hold a JSON object", field="credentials_file")
    return values


def _create_app(ctx: Context, args: argparse.Namespace) -> Result:
    request = NewApp.parse(
        app_id=args.app_id,
        merchant_id=args.merchant_id,
        driver=args.driver,
        short_code=args.short_code,
        is_live=bool(args.is_live),
        credentials=gather_credentials(args),
        stk_type=args.stk_type,
        till_number=args.till_number,
        c2b_response_type=args.c2b_response_type,
        c2b_api_version=args.c2b_api_version,
        c2b_command=args.c2b_command,
        currency=args.currency,
        **_c2b_rules(args),
    )
    return ctx.admin.create_app(request)


def _update_app(ctx: Context, args: argparse.Namespace) -> Result:
    changes = AppChanges.parse(
        is_live=args.is_live,
        stk_type=args.stk_type,
        till_number=args.till_number,
        clear_till_number=args.clear_till_number,
        c2b_response_type=args.c2b_response_type,
        c2b_api_version=args.c2b_api_version,
        c2b_command=args.c2b_command,
        clear_c2b_validation=args.clear_c2b_validation,
        currency=args.currency,
        credentials=gather_credentials(args),
        **_c2b_rules(args),
    )
    return ctx.admin.update_app(args.app_id, changes)


def _c2b_rules(args: argparse.Namespace) -> dict[str, Any]:
    # Each rule option's dest is its C2BRuleOptions field.
    return {name: getattr(args, name) for name in C2B_RULE_FIELDS}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Manage the gateway's merchants and payment apps. Prints JSON; shows new secrets once.",
    )
    parser.add_argument("--stack", help="read the targets from this CloudFormation stack's outputs")
    parser.add_argument("--region", help="AWS region (default: the AWS configuration's)")
    groups = parser.add_subparsers(dest="group", required=True, metavar="GROUP")
    for register in COMMAND_GROUPS:
        register(groups)
    return parser


def resolve_target(args: argparse.Namespace) -> Target:
    if args.region:
        # The registry's boto3 resources come from the default session: its region is the one used.
        boto3.setup_default_session(region_name=args.region)
    if args.stack:
        return Target.from_stack(args.stack, boto3.client("cloudformation"))
    return Target.from_env()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse exits for --help (0) and usage errors (2); return the code so callers decide.
        return int(exit_.code or 0)
    try:
        result = args.handler(Context(resolve_target(args)), args)
    except GatewayError as error:
        body = error.to_body()
        body["error"]["message"] = spelled(error.message, [args.command_parser, parser])
        return _fail(body, 2 if isinstance(error, InvalidRequest) else 1)
    except (ClientError, BotoCoreError, StorageError) as error:  # stores wrap botocore; lookups do not
        return _fail({"error": {"code": "aws_error", "message": str(error)}}, 1)
    print(json.dumps(to_jsonable_python(result), indent=2))
    return 0


def spelled(message: str, parsers: Sequence[argparse.ArgumentParser]) -> str:
    """`field` as the operator typed it: the option (--short-code), or a positional's name (app_id)."""
    spellings: dict[str, str] = {}
    for parser in parsers:
        # argparse has no public accessor for a parser's arguments.
        for action in parser._actions:
            spellings.setdefault(
                action.dest, action.option_strings[0] if action.option_strings else action.dest
            )
    return re.sub(r"`(\w+)`", lambda match: spellings.get(match[1], match[1]), message)


def _fail(body: dict[str, Any], code: int) -> int:
    print(json.dumps(body), file=sys.stderr)
    return code
