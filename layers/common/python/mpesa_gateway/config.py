"""Run-time settings, read once per container from the environment the stack (or local runner) sets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from mpesa_gateway.webhooks.schedule import retry_base_seconds


@dataclass(frozen=True)
class Settings:
    transactions_table: str
    registry_table: str
    idempotency_table: str
    app_secret_prefix: str
    # Name or ARN of the secret holding the merchant-token signing keys.
    signing_key_secret: str
    daraja_sandbox_url: str
    daraja_live_url: str
    # Safaricom's certificate per environment (PEM text or a file path), for SecurityCredentials.
    daraja_sandbox_certificate: str | None
    daraja_live_certificate: str | None
    # Overrides the callback base URL derived from the request (custom domains, local mode).
    public_base_url: str | None
    daraja_connect_timeout_seconds: float
    daraja_read_timeout_seconds: float
    max_transaction_amount: int
    max_body_bytes: int
    token_refresh_margin_seconds: int
    token_lease_seconds: int
    # How long a push without a CheckoutRequestID (network timeout) may wait for an orphan callback.
    orphan_match_window_seconds: int
    # At most one STK Query per transaction per interval, however often merchants poll the status.
    status_query_interval_seconds: int
    # The reconciler asks Daraja about pushes still pending this long after they were sent.
    reconcile_after_seconds: int
    # Then again this often (STK Query; Transaction Status for payouts and reversals).
    stk_recheck_seconds: int
    payout_recheck_seconds: int
    # A push with no outcome by this age is EXPIRED; a payout or reversal is escalated to operators.
    stk_max_age_seconds: int
    payout_max_age_seconds: int
    # Callbacks stored this long ago and still unapplied are applied by the reconciler.
    callback_grace_seconds: int
    # Per run: at most this many transactions, this many at a time.
    reconcile_batch: int
    reconcile_concurrency: int
    # With merchant API keys (stack context merchantApiKeys), the authorizer names the merchant's key,
    # this prefix plus the merchant id, to API Gateway's usage plan.
    merchant_api_key_prefix: str | None
    # How long a container keeps a payment app it read from the registry (0: read it every time).
    app_cache_seconds: float
    # Webhooks: the delivery queue, each attempt's time limit, the retry schedule's unit.
    webhook_queue_url: str
    webhook_timeout_seconds: float
    webhook_retry_base_seconds: float
    # Merchants' own URLs (C2B validation forwarding, webhooks) may be http:// and on loopback: local mode
    # and tests.
    allow_local_merchant_urls: bool = False
    # Pull Transactions: the scheduled pull looks back this many hours (Daraja keeps 48).
    pull_lookback_hours: int = 3
    # Vodacom's OpenAPI (MpesaTz, MpesaCongo): its host, where accepted payments wait for the worker,
    # how long the worker waits for the customer, and its sessions' life, activation delay, renewal
    # margin (renewed this long before expiry; the old one serves until the new one is active) and how
    # long a merchant's request may wait for one to become active.
    vodacom_url: str = "https://openapi.m-pesa.com"
    vodacom_payment_queue_url: str = ""
    vodacom_payment_read_timeout_seconds: float = 120
    vodacom_session_lifetime_seconds: float = 3600
    vodacom_session_activation_seconds: float = 30
    vodacom_session_renew_margin_seconds: float = 300
    vodacom_session_wait_seconds: float = 5

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            transactions_table=env["TRANSACTIONS_TABLE"],
            registry_table=env["REGISTRY_TABLE"],
            idempotency_table=env.get("IDEMPOTENCY_TABLE", ""),
            app_secret_prefix=env.get("APP_SECRET_PREFIX", "mpesa-gateway/apps/"),
            signing_key_secret=env.get("SIGNING_KEY_SECRET", ""),
            daraja_sandbox_url=env.get("DARAJA_SANDBOX_URL", "https://sandbox.safaricom.co.ke"),
            daraja_live_url=env.get("DARAJA_LIVE_URL", "https://api.safaricom.co.ke"),
            daraja_sandbox_certificate=env.get("DARAJA_SANDBOX_CERTIFICATE") or None,
            daraja_live_certificate=env.get("DARAJA_LIVE_CERTIFICATE") or None,
            public_base_url=env.get("PUBLIC_BASE_URL") or None,
            daraja_connect_timeout_seconds=float(env.get("DARAJA_CONNECT_TIMEOUT_SECONDS", "3.05")),
            daraja_read_timeout_seconds=float(env.get("DARAJA_READ_TIMEOUT_SECONDS", "20")),
            # Safaricom's per-transaction ceiling; older statements say 150,000, hence configurable.
            max_transaction_amount=int(env.get("MAX_TRANSACTION_AMOUNT", "250000")),
            # Field limits bound each value; this bounds the whole (a 100-SMS batch is ~20 KB).
            max_body_bytes=int(env.get("MAX_BODY_BYTES", str(256 * 1024))),
            token_refresh_margin_seconds=int(env.get("DARAJA_TOKEN_REFRESH_MARGIN_SECONDS", "60")),
            token_lease_seconds=int(env.get("DARAJA_TOKEN_LEASE_SECONDS", "10")),
            orphan_match_window_seconds=int(env.get("ORPHAN_MATCH_WINDOW_SECONDS", "900")),
            status_query_interval_seconds=int(env.get("STATUS_QUERY_INTERVAL_SECONDS", "3")),
            # The prompt lives about 60 s; past 90 s the customer has acted or it has expired.
            reconcile_after_seconds=int(env.get("RECONCILE_AFTER_SECONDS", "90")),
            stk_recheck_seconds=int(env.get("STK_RECHECK_SECONDS", "60")),
            payout_recheck_seconds=int(env.get("PAYOUT_RECHECK_SECONDS", "300")),
            # Callbacks come within minutes of the prompt's 60 s life, and a late one still overrules an
            # expiry; after ten minutes the gateway stops asking.
            stk_max_age_seconds=int(env.get("STK_MAX_AGE_SECONDS", "600")),
            payout_max_age_seconds=int(env.get("PAYOUT_MAX_AGE_SECONDS", "86400")),
            callback_grace_seconds=int(env.get("CALLBACK_GRACE_SECONDS", "30")),
            reconcile_batch=int(env.get("RECONCILE_BATCH", "200")),
            reconcile_concurrency=int(env.get("RECONCILE_CONCURRENCY", "8")),
            merchant_api_key_prefix=env.get("MERCHANT_API_KEY_PREFIX") or None,
            # Disabling an app, rotating its callback secret or changing its rules takes this long to
            # reach warm containers; enabling it, or a callback with the new secret, is seen at once.
            app_cache_seconds=float(env.get("APP_CACHE_SECONDS", "60")),
            webhook_queue_url=env.get("WEBHOOK_QUEUE_URL", ""),
            webhook_timeout_seconds=float(env.get("WEBHOOK_TIMEOUT_SECONDS", "5")),
            webhook_retry_base_seconds=retry_base_seconds(env),
            allow_local_merchant_urls=env.get("ALLOW_LOCAL_MERCHANT_URLS", "").lower() == "true",
            pull_lookback_hours=int(env.get("PULL_LOOKBACK_HOURS", "3")),
            vodacom_url=env.get("VODACOM_URL", "https://openapi.m-pesa.com"),
            vodacom_payment_queue_url=env.get("VODACOM_PAYMENT_QUEUE_URL", ""),
            vodacom_payment_read_timeout_seconds=float(
                env.get("VODACOM_PAYMENT_READ_TIMEOUT_SECONDS", "120")
            ),
            vodacom_session_lifetime_seconds=float(env.get("VODACOM_SESSION_LIFETIME_SECONDS", "3600")),
            vodacom_session_activation_seconds=float(env.get("VODACOM_SESSION_ACTIVATION_SECONDS", "30")),
            vodacom_session_renew_margin_seconds=float(
                env.get("VODACOM_SESSION_RENEW_MARGIN_SECONDS", "300")
            ),
            vodacom_session_wait_seconds=float(env.get("VODACOM_SESSION_WAIT_SECONDS", "5")),
        )


@cache
def get_settings() -> Settings:
    return Settings.from_env()
