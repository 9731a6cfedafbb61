"""What keeps floods from starving Safaricom's callbacks: throttles per route class, the callback source
allow-list (a resource policy, and a WAF IP set), and the optional WAF web ACL.

Safaricom never retries a callback, so every request the gateway turns away on a callback route may be a
payment it learns of only by reconciliation. Hence callback routes get their own, higher budget; the token
endpoint, where anonymous floods cost an scrypt hash each, a low one; and the allow-list, when configured,
turns away other sources before they draw on the callback budget.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.routes import ROUTES, Auth, Route

Statement = wafv2.CfnWebACL.StatementProperty


@dataclass(frozen=True)
class Throttle:
    """API Gateway's token bucket for one method: steady requests per second and burst size."""

    rate_limit: float
    burst_limit: int

    def __post_init__(self) -> None:
        if self.rate_limit <= 0 or self.burst_limit <= 0:
            raise ValueError(f"a throttle needs a positive rate and burst, not {self}")


# Each route class's budget, per method (API Gateway keeps one bucket per resource path and method).
# A new Auth kind must get a line here deliberately; a route of an unlisted kind fails synthesis.
DEFAULT_ROUTE_THROTTLES: Mapping[Auth, Throttle] = {
    # Merchants: the stage's historical 50 rps per method.
    Auth.MERCHANT: Throttle(rate_limit=50, burst_limit=100),
    # Safaricom never retries: the highest budget, which floods of other routes cannot touch.
    Auth.CALLBACK: Throttle(rate_limit=200, burst_limit=400),
    # Tokens live an hour and each request costs an scrypt hash: a flood here is turned away early.
    Auth.CLIENT_CREDENTIALS: Throttle(rate_limit=10, burst_limit=20),
}


def callback_routes(routes: Iterable[Route] = ROUTES) -> tuple[Route, ...]:
    return tuple(route for route in routes if route.auth is Auth.CALLBACK)


def parse_cidrs(value: Any, base_dir: Path) -> tuple[str, ...]:
    """The callback allow-list from deploy configuration, as normalised CIDRs (a bare address is a /32
    or /128). Accepts a list, a comma-separated string, or the path of a file with one CIDR per line
    ('#' starts a comment), relative to base_dir. Anything that is not a network is refused by name."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        path = Path(value) if Path(value).is_absolute() else base_dir / value
        if path.is_file():
            entries = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
        else:
            entries = [part.strip() for part in value.split(",")]
    elif isinstance(value, list | tuple):
        entries = [str(entry).strip() for entry in value]
    else:
        raise ValueError(
            f"callbackSourceIps must be a list of CIDRs, a comma-separated string or a file: {value!r}"
        )
    cidrs: list[str] = []
    for entry in filter(None, entries):
        try:
            network = ipaddress.ip_network(entry, strict=True)
        except ValueError as error:
            raise ValueError(f"callbackSourceIps: {entry!r} is not an IP address or CIDR ({error})") from None
        cidrs.append(str(network))
    if not cidrs:
        raise ValueError(f"callbackSourceIps names no address: {value!r}")
    return tuple(dict.fromkeys(cidrs))


def callback_path_regex(routes: Iterable[Route] = ROUTES) -> str:
    """A regular expression for the URI path of every callback route, path parameters as one segment.

    The optional first segment is the stage (`/prod/...` on the execute-api host) or a custom domain's
    base path; without a base path the route's own path arrives."""
    alternatives = dict.fromkeys(
        "/".join("[^/]+" if part.startswith("{") else re.escape(part) for part in route.path.split("/"))
        for route in callback_routes(routes)
    )
    return f"^(/[^/]+)?({'|'.join(alternatives)})/?$"


def callback_source_policy(cidrs: Sequence[str], routes: Iterable[Route] = ROUTES) -> iam.PolicyDocument:
    """A REST API resource policy: every route stays open to API Gateway's own authorization, and the
    callback routes refuse sources outside the allow-list (execute-api ARNs relative to the API)."""
    callback_arns = [
        "execute-api:/*/{method}/{path}".format(
            method="*" if route.method == "ANY" else route.method,
            path="/".join("*" if part.startswith("{") else part for part in route.path.strip("/").split("/")),
        )
        for route in callback_routes(routes)
    ]
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                actions=["execute-api:Invoke"],
                principals=[iam.AnyPrincipal()],
                resources=["execute-api:/*"],
            ),
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=["execute-api:Invoke"],
                principals=[iam.AnyPrincipal()],
                resources=list(dict.fromkeys(callback_arns)),
                conditions={"NotIpAddress": {"aws:SourceIp": list(cidrs)}},
            ),
        ]
    )


# WAF's bounds for a rate-based rule's limit (requests per evaluation window).
MIN_RATE_LIMIT = 10
MAX_RATE_LIMIT = 2_000_000_000


@dataclass(frozen=True)
class WafSettings:
    # Requests per source IP per 5 minutes on every route but the callbacks.
    rate_limit: int = 1000
    # Per source IP per 5 minutes on callback routes, when no allow-list says who Safaricom is.
    callback_rate_limit: int = 6000
    callback_source_ips: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in ("rate_limit", "callback_rate_limit"):
            if not MIN_RATE_LIMIT <= getattr(self, name) <= MAX_RATE_LIMIT:
                raise ValueError(
                    f"WAF {name} must be {MIN_RATE_LIMIT} to {MAX_RATE_LIMIT} requests per 5 minutes, "
                    f"not {getattr(self, name)}"
                )


WINDOW_SECONDS = 300
# The statuses the web ACL's own rules answer with.
BLOCK_STATUSES = (403, 429)
# AWS managed rule groups the web ACL runs outside the callback routes, with the rules (of each group)
# that would refuse legitimate merchant traffic turned into counts.
MANAGED_RULE_GROUPS: Mapping[str, tuple[str, ...]] = {
    # Merchant bodies may be up to 256 KiB (a batch of SMS), beyond the group's 8 KB body limit.
    "AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",),
    "AWSManagedRulesKnownBadInputsRuleSet": (),
}


class GatewayWebAcl(Construct):
    """A regional WAF web ACL for the gateway's stage.

    Callback routes: sources outside the allow-list are blocked (when one is configured), otherwise a
    generous per-IP rate. Every other route: a per-IP rate and AWS's managed rule groups. The managed
    groups stay off the callback routes: Safaricom's requests are not ours to shape (its client's headers
    are undocumented) and a false positive there loses a payment notification for good."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: WafSettings,
        metric_prefix: str,
        response_bodies: Mapping[int, str],
    ) -> None:
        """response_bodies: the JSON body WAF answers with, for 403 (a source outside the allow-list)
        and 429 (a source over its rate)."""
        super().__init__(scope, construct_id)
        self._metric_prefix = metric_prefix
        callback_path = Statement(
            regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                regex_string=callback_path_regex(),
                # As API Gateway routes it: percent-decoded, with `//` and `/./` collapsed.
                text_transformations=[
                    wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="URL_DECODE"),
                    wafv2.CfnWebACL.TextTransformationProperty(priority=1, type="NORMALIZE_PATH"),
                ],
            )
        )
        not_callback_path = Statement(
            not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=callback_path)
        )
        rules: list[wafv2.CfnWebACL.RuleProperty] = []
        if settings.callback_source_ips:
            rules.append(
                self._block(
                    "CallbackSourceAllowList",
                    Statement(
                        and_statement=wafv2.CfnWebACL.AndStatementProperty(
                            statements=[
                                callback_path,
                                Statement(
                                    not_statement=wafv2.CfnWebACL.NotStatementProperty(
                                        statement=self._allow_list(settings.callback_source_ips)
                                    )
                                ),
                            ]
                        )
                    ),
                    priority=len(rules),
                    status=403,
                )
            )
        else:
            rules.append(
                self._block(
                    "CallbackRatePerSource",
                    self._rate(settings.callback_rate_limit, callback_path),
                    priority=len(rules),
                    status=429,
                )
            )
        rules.append(
            self._block(
                "RatePerSource",
                self._rate(settings.rate_limit, not_callback_path),
                priority=len(rules),
                status=429,
            )
        )
        for group, counted in MANAGED_RULE_GROUPS.items():
            rules.append(self._managed(group, counted, not_callback_path, priority=len(rules)))
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=self._visibility("WebAcl"),
            custom_response_bodies={
                _body_key(status): wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON", content=response_bodies[status]
                )
                for status in BLOCK_STATUSES
            },
            rules=rules,
        )

    def _allow_list(self, cidrs: Sequence[str]) -> Statement:
        """Membership of the allow-list: one IP set per address family (WAF keeps them apart)."""
        sets = []
        for version in (4, 6):
            addresses = [cidr for cidr in cidrs if ipaddress.ip_network(cidr).version == version]
            if addresses:
                ip_set = wafv2.CfnIPSet(
                    self,
                    f"CallbackSourcesIpv{version}",
                    scope="REGIONAL",
                    ip_address_version=f"IPV{version}",
                    addresses=addresses,
                    description="Safaricom callback source addresses, from deploy configuration",
                )
                sets.append(
                    Statement(
                        ip_set_reference_statement=wafv2.CfnWebACL.IPSetReferenceStatementProperty(
                            arn=ip_set.attr_arn
                        )
                    )
                )
        if len(sets) == 1:
            return sets[0]
        return Statement(or_statement=wafv2.CfnWebACL.OrStatementProperty(statements=sets))

    @staticmethod
    def _rate(limit: int, scope_down: Statement) -> Statement:
        return Statement(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit,
                aggregate_key_type="IP",
                evaluation_window_sec=WINDOW_SECONDS,
                scope_down_statement=scope_down,
            )
        )

    def _block(
        self, name: str, statement: Statement, *, priority: int, status: int
    ) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=name,
            priority=priority,
            statement=statement,
            action=wafv2.CfnWebACL.RuleActionProperty(
                block=wafv2.CfnWebACL.BlockActionProperty(
                    custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                        response_code=status, custom_response_body_key=_body_key(status)
                    )
                )
            ),
            visibility_config=self._visibility(name),
        )

    def _managed(
        self, group: str, counted: Sequence[str], scope_down: Statement, *, priority: int
    ) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=group,
            priority=priority,
            statement=Statement(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS",
                    name=group,
                    scope_down_statement=scope_down,
                    rule_action_overrides=[
                        wafv2.CfnWebACL.RuleActionOverrideProperty(
                            name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                        )
                        for rule in counted
                    ]
                    or None,
                )
            ),
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            visibility_config=self._visibility(group),
        )

    def _visibility(self, name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True,
            metric_name=f"{self._metric_prefix}{name}",
            sampled_requests_enabled=True,
        )


def _body_key(status: int) -> str:
    return f"Blocked{status}"
