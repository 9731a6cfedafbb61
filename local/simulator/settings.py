"""Configuration of one simulator instance."""

from __future__ import annotations

from dataclasses import dataclass, field


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


# The public sandbox values, so a local stack works without any configuration.
DEMO_SETTINGS = SimulatorSettings(
    credentials={"demo-consumer-key": "demo-consumer-secret"},
    passkeys={"174379": "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"},
    initiators={"testapi": "demo-initiator-password"},
)
