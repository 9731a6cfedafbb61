"""Configuration of one simulator instance."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class SimulatorSettings:
    """What a Daraja account looks like to the simulator, plus its timing knobs."""

    credentials: dict[str, str]  # consumer_key -> consumer_secret
    passkeys: dict[str, str]  # shortcode -> Lipa Na M-Pesa passkey
    token_ttl_seconds: int = 3599
    default_callback_delay_ms: int = 1000
    timestamp_tolerance_seconds: int = 300
    callback_timeout_seconds: float = 10
    # initiator name -> password, for the SecurityCredential of B2C, B2B, reversal, status and balance
    initiators: dict[str, str] = field(default_factory=dict)
    # Seeds the generator that rate-based faults and shuffled callbacks draw from; None: unseeded.
    fault_seed: int | None = None
    # Vodacom's M-Pesa OpenAPI (local.simulator.vodacom): app name -> API key, for getSession.
    vodacom_api_keys: dict[str, str] = field(default_factory=dict)
    # How long a new session waits before it may be used (real: up to ~30 s), and how long it lives.
    vodacom_session_activation_seconds: float = 0
    vodacom_session_lifetime_seconds: float = 3600
    # Decimals input_Amount may carry per currency: TZS in whole shillings; USD and CDF in cents.
    vodacom_amount_decimals: dict[str, int] = field(default_factory=lambda: {"TZS": 0, "USD": 2, "CDF": 2})

    def __post_init__(self) -> None:
        # Fail at start-up rather than with a confusing answer mid-test.
        if self.token_ttl_seconds < 1:
            raise ValueError("token_ttl_seconds must be at least 1")
        if self.default_callback_delay_ms < 0:
            raise ValueError("default_callback_delay_ms must not be negative")
        if self.timestamp_tolerance_seconds < 0:
            raise ValueError("timestamp_tolerance_seconds must not be negative")
        if self.callback_timeout_seconds <= 0:
            raise ValueError("callback_timeout_seconds must be positive")
        if self.vodacom_session_activation_seconds < 0:
            raise ValueError("vodacom_session_activation_seconds must not be negative")
        if self.vodacom_session_lifetime_seconds <= self.vodacom_session_activation_seconds:
            raise ValueError("vodacom_session_lifetime_seconds must exceed the activation delay")


# Local demo values, not Vodacom's: the API keys of the local stack's demo apps demo-tz and demo-drc.
DEMO_VODACOM_API_KEYS = {
    "demo-tz": "demo-tz-vodacom-api-key",
    "demo-drc": "demo-drc-vodacom-api-key",
}

# The public sandbox values, so a local stack works without any configuration.
DEMO_SETTINGS = SimulatorSettings(
    credentials={"demo-consumer-key": "demo-consumer-secret"},
    passkeys={"174379": "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"},
    initiators={"testapi": "demo-initiator-password"},
    vodacom_api_keys=dict(DEMO_VODACOM_API_KEYS),
)

# What `make dev` runs: new Vodacom sessions wait before they work, as the portal's do (up to ~30 s),
# but briefly; tests keep DEMO_SETTINGS' 0.
DEV_SETTINGS = replace(DEMO_SETTINGS, vodacom_session_activation_seconds=2)
