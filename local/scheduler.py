"""EventBridge's part locally: each scheduled function invoked on its timer from a background thread (in its
containers under `make dev`, as the API's functions are)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from infra.routes import Schedule
from local.apigw.invoker import FunctionInvoker

logger = logging.getLogger("local.scheduler")


def scheduled_event(schedule: Schedule) -> dict[str, object]:
    return {"source": "aws.events", "detail-type": "Scheduled Event", "resources": [schedule.function.name]}


class LocalScheduler:
    def __init__(
        self, schedules: Iterable[Schedule], invoker: FunctionInvoker, stopping: threading.Event
    ) -> None:
        self._schedules = tuple(schedules)
        self._invoker = invoker
        self._stopping = stopping

    def start(self, interval_override_seconds: float | None = None) -> None:
        for schedule in self._schedules:
            interval = interval_override_seconds or schedule.every_minutes * 60
            threading.Thread(
                target=self._run,
                args=(schedule, interval),
                name=f"schedule-{schedule.function.name}",
                daemon=True,
            ).start()

    def _run(self, schedule: Schedule, interval: float) -> None:
        while not self._stopping.wait(interval):
            try:
                outcome = self._invoker.invoke(schedule.function, scheduled_event(schedule))
                logger.info("%s: %s", schedule.function.name, outcome)
            except Exception:
                # Like a failed scheduled Lambda: logged, and the next run comes on time.
                logger.exception("%s failed", schedule.function.name)
