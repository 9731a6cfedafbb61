"""EventBridge schedules for the route table's SCHEDULES (e.g. the STK reconciler)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.functions import construct_name
from infra.routes import Function, Schedule


class Schedules(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        schedules: Iterable[Schedule],
        handlers: Mapping[Function, lambda_.IFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        for schedule in schedules:
            events.Rule(
                self,
                construct_name(schedule.function),
                description=schedule.function.description,
                schedule=events.Schedule.rate(Duration.minutes(schedule.every_minutes)),
                # A run that fails is simply superseded by the next one, minutes later.
                targets=[targets.LambdaFunction(handlers[schedule.function], retry_attempts=0)],
            )
