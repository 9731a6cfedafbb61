"""SnapStart's runtime hooks, called as Lambda calls them: a fake `snapshot_restore_py` records what the
wiring registers, and the test runs the hooks (Lambda's module exists only in its managed runtimes)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import types
import weakref
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests

from infra.routes import FUNCTIONS_DIR, HANDLER, HANDLER_FILE, LAYER_DIR, PROJECT_ROOT
from mpesa_gateway import snapstart
from mpesa_gateway.daraja.client import pooled_session
from mpesa_gateway.webhooks.schedule import retry_delay

Hook = tuple[Callable[..., None], tuple[Any, ...]]


class FakeSnapshotRestore(types.ModuleType):
    """What Lambda's runtime does with registered hooks: keeps them, runs them at snapshot and restore."""

    def __init__(self) -> None:
        super().__init__("snapshot_restore_py")
        self.before: list[Hook] = []
        self.after: list[Hook] = []

    def register_before_snapshot(self, func: Callable[..., None], *args: Any) -> None:
        self.before.append((func, args))

    def register_after_restore(self, func: Callable[..., None], *args: Any) -> None:
        self.after.append((func, args))

    def snapshot(self) -> None:
        for func, args in reversed(self.before):  # Lambda runs them in reverse order of registration
            func(*args)

    def restore(self) -> None:
        for func, args in self.after:
            func(*args)


@pytest.fixture
def lambda_runtime(monkeypatch: pytest.MonkeyPatch) -> FakeSnapshotRestore:
    fake = FakeSnapshotRestore()
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", fake)
    # Each test's snapshot holds only its own pools.
    monkeypatch.setattr(snapstart, "_snapshot_pools", weakref.WeakSet())
    return fake


WIRING_SOURCE = """
from functools import cache

built = []

@cache
def orders():
    built.append("orders")
    return object()

@cache
def refunds():
    built.append("refunds")
    return object()

@cache
def client_for(app_id):
    built.append(app_id)
    return object()

def load(app_id):
    built.append("load " + app_id)
"""


def module_from(name: str, source: str, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(source, module.__dict__)  # functions defined here have __module__ == name
    monkeypatch.setitem(sys.modules, name, module)
    return module


def test_without_snapshot_restore_py_no_hook_is_registered(monkeypatch):
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # importing it raises ImportError
    assert snapstart.register("fake_wiring", per_copy=()) is False


def test_before_the_snapshot_the_services_the_handler_names_are_built(lambda_runtime, monkeypatch):
    wiring = module_from("fake_wiring", WIRING_SOURCE, monkeypatch)
    other = module_from("other_wiring", WIRING_SOURCE, monkeypatch)
    module_from(
        "fake_handler",
        "from fake_wiring import orders, client_for, load\nfrom other_wiring import refunds",
        monkeypatch,
    )
    monkeypatch.setenv("_HANDLER", "fake_handler.handler")
    assert snapstart.register("fake_wiring", per_copy=()) is True

    lambda_runtime.snapshot()

    # Only the wiring's cached factories of no arguments that the handler imported: not those taking an
    # app (built per request), not plain functions (they do I/O), not another module's.
    assert wiring.built == ["orders"]
    assert other.built == []


def test_with_no_handler_module_nothing_is_built(lambda_runtime, monkeypatch):
    wiring = module_from("fake_wiring", WIRING_SOURCE, monkeypatch)
    monkeypatch.delenv("_HANDLER", raising=False)
    snapstart.register("fake_wiring", per_copy=())
    lambda_runtime.snapshot()
    assert wiring.built == []


def draws_after_restore(fake: FakeSnapshotRestore, state: object) -> list[float]:
    random.setstate(state)  # type: ignore[arg-type]  # what every copy restored from the snapshot starts with
    fake.restore()
    return [random.random() for _ in range(3)]


def test_each_restore_reseeds_random(lambda_runtime):
    snapstart.register("fake_wiring", per_copy=())
    snapshot_state = random.getstate()
    random.setstate(snapshot_state)
    without_hook = [random.random() for _ in range(3)]
    random.setstate(snapshot_state)
    assert [random.random() for _ in range(3)] == without_hook  # a shared snapshot repeats the draws
    assert draws_after_restore(lambda_runtime, snapshot_state) != draws_after_restore(
        lambda_runtime, snapshot_state
    )


def test_webhook_retry_jitter_differs_in_each_restored_copy(lambda_runtime):
    snapstart.register("fake_wiring", per_copy=())
    snapshot_state = random.getstate()
    delays = set()
    for _ in range(2):
        random.setstate(snapshot_state)
        lambda_runtime.restore()
        delays.add(retry_delay(3, 60.0))
    assert len(delays) == 2


def pool_count(manager: Any) -> int:
    return len(manager.pools)


def test_each_restore_empties_the_pools_of_the_sessions_and_clients_in_the_snapshot(lambda_runtime):
    session = pooled_session()
    daraja_pools = session.get_adapter("https://sandbox.safaricom.co.ke").poolmanager
    daraja_pools.connection_from_url("https://sandbox.safaricom.co.ke")
    client = boto3.client("sqs", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
    client_pools = client._endpoint.http_session._manager
    client_pools.connection_from_url("https://sqs.eu-west-1.amazonaws.com")
    snapstart.register("fake_wiring", per_copy=())
    lambda_runtime.snapshot()
    # A session made after the snapshot belongs to this copy alone: its pool stays.
    later = requests.Session()
    later_pools = later.get_adapter("https://example.com").poolmanager
    later_pools.connection_from_url("https://example.com")
    assert (pool_count(daraja_pools), pool_count(client_pools), pool_count(later_pools)) == (1, 1, 1)

    lambda_runtime.restore()

    assert (pool_count(daraja_pools), pool_count(client_pools), pool_count(later_pools)) == (0, 0, 1)
    # The session still works: its next request opens a connection of this copy's own.
    daraja_pools.connection_from_url("https://sandbox.safaricom.co.ke")
    assert pool_count(daraja_pools) == 1


def test_each_restore_rebuilds_the_per_copy_objects(lambda_runtime, monkeypatch):
    wiring = module_from("fake_wiring", WIRING_SOURCE, monkeypatch)
    snapstart.register("fake_wiring", per_copy=(wiring.orders,))
    before = wiring.orders(), wiring.refunds()
    lambda_runtime.restore()
    after = wiring.orders(), wiring.refunds()
    assert after[0] is not before[0]
    assert after[1] is before[1]  # not per copy: kept


# A real handler in a fresh interpreter, as Lambda's init imports it, with a fake snapshot_restore_py
# and no network: the hooks the wiring registers build its services, then a restore renews the token
# caches' lease owner.
_LAMBDA_INIT = """
import importlib.util, json, socket, sys, types

def refuse(*args, **kwargs):
    raise OSError("no network while building services")

socket.socket.connect = refuse
hooks = types.ModuleType("snapshot_restore_py")
hooks.before, hooks.after = [], []
hooks.register_before_snapshot = lambda func, *args: hooks.before.append((func, args))
hooks.register_after_restore = lambda func, *args: hooks.after.append((func, args))
sys.modules["snapshot_restore_py"] = hooks
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["handler"] = module
spec.loader.exec_module(module)
from mpesa_gateway import runtime
def built():
    return sorted(name for name, value in vars(runtime).items()
                  if hasattr(value, "cache_info") and value.cache_info().currsize)
before = built()
for func, args in reversed(hooks.before):
    func(*args)
snapshot = built()
owner = runtime.token_cache()._owner
for func, args in hooks.after:
    func(*args)
renewed = runtime.token_cache()._owner != owner
print(json.dumps({"before": before, "snapshot": snapshot, "owner_renewed": renewed}))
"""


def lambda_init(function: str) -> dict[str, Any]:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join((str(LAYER_DIR / "python"), str(PROJECT_ROOT))),
        "_HANDLER": HANDLER,
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "test",
        "TRANSACTIONS_TABLE": "transactions",
        "REGISTRY_TABLE": "registry",
        "IDEMPOTENCY_TABLE": "idempotency",
    }
    handler = str(FUNCTIONS_DIR / function / HANDLER_FILE)
    completed = subprocess.run(
        [sys.executable, "-c", _LAMBDA_INIT, handler],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.splitlines()[-1])


def test_a_payment_functions_snapshot_holds_the_services_its_handler_imports():
    answer = lambda_init("request_payment")
    assert answer["before"] == []  # the wiring stays lazy during the import itself
    assert {"app_directory", "express_service", "vodacom_service", "transactions", "registry"} <= set(
        answer["snapshot"]
    )
    assert "merchant_authenticator" not in answer["snapshot"]  # not this handler's
    assert answer["owner_renewed"] is True


def test_the_authorizers_snapshot_holds_the_authenticator_only():
    answer = lambda_init("authorizer")
    # The settings are parsed into the snapshot too.
    assert set(answer["snapshot"]) == {
        "get_settings",
        "merchant_authenticator",
        "merchant_tokens",
        "registry",
    }
