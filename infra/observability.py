"""Alarms that say the gateway is failing: any function error, any API 5XX."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

PERIOD = Duration.minutes(5)


class Monitoring(Construct):
    """One alarm per function (keyed by a construct-id-safe name) and one for the API.

    The alarms have no actions: add one (e.g. an SNS topic) to be notified.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        api: apigateway.RestApi,
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = []
        for name, function in functions.items():
            # A payment handler should never raise: one error is worth a look.
            self.alarms.append(
                self._alarm(f"{name}Errors", function.metric_errors(period=PERIOD), f"{name} Lambda errors")
            )
        self.alarms.append(self._alarm("Api5XX", api.metric_server_error(period=PERIOD), "API 5XX answers"))

    def _alarm(self, construct_id: str, metric: cloudwatch.Metric, what: str) -> cloudwatch.Alarm:
        return metric.create_alarm(
            self,
            construct_id,
            alarm_description=f"{what} in the last {PERIOD.to_minutes()} minutes",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
