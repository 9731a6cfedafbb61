"""SQS: one queue per infra/queues.py QueueSpec, each with its dead-letter queue.

The specs live in infra/queues.py because the local stack creates the same queues.
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.queues import QUEUES, QueueSpec

# A message that outlives its work queue's retention is deleted without reaching the dead-letter queue:
# a week outlasts a 72-hour retry schedule plus days of a stalled consumer (the backlog alarm fires
# within the hour).
WORK_RETENTION = Duration.days(7)
# The longest SQS keeps a message. SQS counts retention from a message's first enqueue, also in a
# dead-letter queue, so a message that used up the work queue's week still waits a week for a person.
FAILURE_RETENTION = Duration.days(14)


def failure_queue(scope: Construct, construct_id: str) -> sqs.Queue:
    """A queue that holds work given up on until an operator looks (a dead-letter or on-failure queue)."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=FAILURE_RETENTION,
    )


class Queues(Construct):
    """Every queue, built alike; `queues[spec]` is the work queue, `dead_letter_queues[spec]` its DLQ."""

    def __init__(self, scope: Construct, construct_id: str, *, specs: Iterable[QueueSpec] = QUEUES) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queues: dict[QueueSpec, sqs.Queue] = {}
        self.queues: dict[QueueSpec, sqs.Queue] = {spec: self._queue(spec) for spec in specs}

    def __getitem__(self, spec: QueueSpec) -> sqs.Queue:
        return self.queues[spec]

    def _queue(self, spec: QueueSpec) -> sqs.Queue:
        dead_letters = failure_queue(self, f"{spec.construct_id}DeadLetters")
        self.dead_letter_queues[spec] = dead_letters
        return sqs.Queue(
            self,
            spec.construct_id,
            # Messages carry merchant payment events: encrypted at rest (SQS-owned keys, no key policy to
            # keep in step with every producer and consumer) and reachable over TLS only.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            retention_period=WORK_RETENTION,
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=spec.max_receive_count, queue=dead_letters
            ),
        )
