"""The gateway in one interpreter, for tests and benchmarks: the local API's WSGI app calls the deployed
handlers in this process, and the Daraja simulator, serving on a free loopback port, delivers its
callbacks straight into that app (no HTTP hop back).

    with InProcessGateway() as gateway:
        os.environ.update(gateway.environment())
        ... provision and seed the AWS the handlers will reach ...
        client = gateway.serve()          # a werkzeug test Client of the local API
        client.post("/api/pay/demo-express/requestPayment", ...)

Which AWS the handlers reach is the caller's choice: in-process moto (the integration tests) or
DynamoDB Local and moto server (the benchmarks).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.utilities import parameters
from werkzeug.serving import make_server
from werkzeug.test import Client

from local.api_server import LocalApi, LocalApiSettings
from local.api_server import create_app as create_local_api
from local.aws import gateway_environment
from local.simulator import DEMO_SETTINGS, SimulatorState, get_state
from local.simulator import create_app as create_simulator
from mpesa_gateway import config, runtime
from mpesa_gateway.store import dynamo

HOST = "127.0.0.1"
# Where the gateway says its callbacks go; the simulator's deliveries reach the local API in process.
PUBLIC_BASE_URL = "https://gateway.example"


def reset_gateway_caches() -> None:
    """Forget what a Lambda container keeps between invocations (settings, clients, tokens, secrets), so
    that the next invocation builds them again from the environment, as a new container would."""
    config.get_settings.cache_clear()
    dynamo.table.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]  # Powertools leaves it unannotated
    for value in vars(runtime).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


class InProcessGateway:
    """The simulator on a loopback port (started at once) and, after serve(), the local API in process."""

    def __init__(self) -> None:
        self.api: LocalApi | None = None
        self.client: Client | None = None
        self.simulator = create_simulator(
            DEMO_SETTINGS, deliver=lambda url, body, timeout: self._exchange(url, body)[0]
        )
        # C2B validation needs the answer's body too (accept or reject), not just its status.
        self.state.c2b_exchange = lambda url, body, timeout: self._exchange(url, body)
        self._server = make_server(HOST, 0, self.simulator, threaded=True)
        # A short poll, so that close() (shutdown) returns at once rather than after the default 0.5 s.
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.simulator_url = f"http://{HOST}:{self._server.port}"

    @property
    def state(self) -> SimulatorState:
        return get_state(self.simulator)

    def environment(self) -> dict[str, str]:
        """The functions' variables: the local tables, Daraja on the simulator, whose certificate
        encrypts initiator passwords (as Safaricom's does)."""
        return {
            **gateway_environment(),
            "DARAJA_SANDBOX_URL": self.simulator_url,
            "DARAJA_LIVE_URL": self.simulator_url,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "DARAJA_READ_TIMEOUT_SECONDS": "1",
            "DARAJA_SANDBOX_CERTIFICATE": self.state.certificate_pem,
            "VODACOM_URL": self.simulator_url,
            "VODACOM_SESSION_ACTIVATION_SECONDS": str(DEMO_SETTINGS.vodacom_session_activation_seconds),
            # The simulated customer answers within seconds.
            "VODACOM_PAYMENT_READ_TIMEOUT_SECONDS": "5",
        }

    def serve(self, authorizer_cache_seconds: int = 0, clock: Callable[[], float] = time.monotonic) -> Client:
        """The local API, its handlers in this process; call once the environment and AWS are ready. Its
        authorizer's answers are kept per token for authorizer_cache_seconds (the stack's
        merchantAuthorizerCacheSeconds), timed by clock. Called again, it replaces the API it served."""
        if self.api is not None:
            self.api.close()
        settings = LocalApiSettings(authorizer_cache_seconds=authorizer_cache_seconds, clock=clock)
        self.api = create_local_api(settings)
        self.client = Client(self.api)
        return self.client

    def _exchange(self, url: str, body: dict[str, Any]) -> tuple[int, Any]:
        # Safaricom's POST to a callback URL, delivered into the local API in process.
        if self.client is None:
            return 503, None
        parts = urlsplit(url)
        answer = self.client.post(parts.path, query_string=parts.query, json=body)
        return answer.status_code, answer.get_json(silent=True)

    def stop_callbacks(self) -> None:
        """Cancel the simulator's pending callbacks (before the AWS they would reach goes away)."""
        self.state.shutdown()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> InProcessGateway:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop_callbacks()
        self.close()
