"""Lambda SnapStart's runtime hooks (`snapshot_restore_py`, part of Lambda's managed Python runtimes).

With SnapStart, a published version's init runs once and every later execution environment is restored
from a snapshot of its memory. Before the snapshot, the services the handler names are built, so that
restored copies start with them (the wiring builds them lazily). After each restore, what the copies must
not share is made afresh: the `random` seed (retry jitter), the connection pools the snapshot holds, and
the objects that carry the container's identity (the token caches' lease owner). Elsewhere nothing is
registered, and importing this module loads nothing new.
"""

from __future__ import annotations

import gc
import os
import random
import sys
import weakref
from collections.abc import Callable, Iterable
from typing import Any, Protocol

# The connection pools that existed when the snapshot was taken: each restored copy empties them.
_snapshot_pools: weakref.WeakSet[Any] = weakref.WeakSet()


class CachedFactory(Protocol):
    """A functools.cache'd function of no arguments."""

    def __call__(self) -> object: ...

    def cache_clear(self) -> None: ...


def register(wiring: str, per_copy: Iterable[CachedFactory]) -> bool:
    """Registers the hooks where the runtime offers them; False (and nothing registered) elsewhere.

    `wiring` names the module whose cached factories a handler imports; `per_copy` are the factories
    whose objects must differ in each restored copy."""
    # Imported here, not at the top: only Lambda's managed runtimes have it (not tests, not the local stack).
    try:
        from snapshot_restore_py import (  # type: ignore[import-not-found]  # noqa: PLC0415
            register_after_restore,
            register_before_snapshot,
        )
    except ImportError:
        return False
    register_before_snapshot(before_snapshot, wiring)
    register_after_restore(after_restore, tuple(per_copy))
    return True


def before_snapshot(wiring: str) -> None:
    """Builds what the handler module names from the wiring, then notes the connection pools that exist."""
    for factory in named_factories(handler_module(), wiring):
        factory()
    _snapshot_pools.update(connection_pools())


def after_restore(per_copy: Iterable[CachedFactory]) -> None:
    # Seeded from the OS, so each restored copy draws its own jitter (`secrets` and uuid4 read the OS
    # at every call and need nothing).
    random.seed()
    # A connection in the snapshot would be used by every copy restored from it.
    for pool in list(_snapshot_pools):
        pool.clear()
    for factory in per_copy:
        factory.cache_clear()


def handler_module() -> object | None:
    """The module Lambda imported the handler from (`_HANDLER` is "module.function")."""
    module_name, _, _ = os.environ.get("_HANDLER", "").rpartition(".")
    return sys.modules.get(module_name) if module_name else None


def named_factories(module: object | None, wiring: str) -> list[Callable[[], object]]:
    """The wiring's cached factories of no arguments that the module has imported by name."""
    found = []
    for value in vars(module).values() if module is not None else ():
        wrapped = getattr(value, "__wrapped__", None)
        if (
            getattr(value, "__module__", None) == wiring
            and hasattr(value, "cache_clear")
            and getattr(getattr(wrapped, "__code__", None), "co_argcount", None) == 0
        ):
            found.append(value)
    return found


def connection_pools() -> list[Any]:
    """Every urllib3 pool manager alive: requests' adapters and botocore's HTTP sessions each hold one
    (and one per proxy)."""
    poolmanager = sys.modules.get("urllib3.poolmanager")
    if poolmanager is None:  # nothing has made an HTTP client
        return []
    return [found for found in gc.get_objects() if isinstance(found, poolmanager.PoolManager)]
