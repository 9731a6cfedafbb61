"""Alarms that say the gateway is failing (any function error, any API 5XX), that money needs a person
(the gateway's own metrics: conflicting evidence, unconfirmed payouts, outcomes not stored, answers
outside the API contract), or that queued work was given up on or is backing up."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

PERIOD = Duration.minutes(5)
# The layer's metrics (Powertools, dimension `service`) that each mean a person must look: at money,
# or at the API contract.
PERSON_METRICS = {
    "SettlementConflict": "evidence contradicted a settled transaction (kept on the transaction)",
    "PayoutEscalated": "a payout or reversal still unconfirmed at its maximum age",
    "AcceptedPushNotRecorded": "Daraja accepted a push whose identifiers could not be stored in full",
    "AcceptedRequestNotRecorded": "Daraja accepted a request whose ConversationID could not be stored",
    "CallbackNotApplied": "a stored callback could not be applied (the reconciler retries it)",
    "StkCallbackDoubted": "a paid callback did not match its push (amount, phone or no metadata)",
    "C2BConfirmationNotRecorded": "a C2B confirmation for another short code or with a bad amount",
    # Not money itself, but merchants code against docs/openapi.json: an answer outside it needs a fix.
    "ResponseContractBroken": "an answer went out that does not match its model in docs/openapi.json",
}
# A work queue's oldest message older than this means its consumer is not keeping up (throttled, failing
# to start, too little concurrency), hours before the 72-hour retry schedule or the queue's retention
# run out. Messages waiting out a merchant's long back-off do not trip it: SQS leaves a message out of
# ApproximateAgeOfOldestMessage once it has been received three times, so long as a webhook's first
# three attempts (mpesa_gateway.webhooks.schedule) fall within the hour.
BACKLOG_AGE = Duration.hours(1)


class Monitoring(Construct):
    """One alarm per function (keyed by a construct-id-safe name) and one for the API; for queues (keyed
    alike), one per queue of given-up work (dead-letter and failure queues) and one per work queue's age.

    The alarms have no actions: add one (e.g. an SNS topic) to be notified.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        api: apigateway.RestApi,
        metrics_namespace: str,
        service_name: str,
        failure_queues: Mapping[str, sqs.IQueue],
        work_queues: Mapping[str, sqs.IQueue],
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = []
        for name, function in functions.items():
            # A payment handler should never raise: one error is worth a look.
            self.alarms.append(
                self._alarm(f"{name}Errors", function.metric_errors(period=PERIOD), f"{name} Lambda errors")
            )
        self.alarms.append(self._alarm("Api5XX", api.metric_server_error(period=PERIOD), "API 5XX answers"))
        for name, what in PERSON_METRICS.items():
            metric = cloudwatch.Metric(
                namespace=metrics_namespace,
                metric_name=name,
                dimensions_map={"service": service_name},
                statistic="Sum",
                period=PERIOD,
            )
            self.alarms.append(self._alarm(name, metric, what))
        for name, queue in failure_queues.items():
            waiting = queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum")
            description = f"{name} holds work no retry will do: a person must look, then replay or redrive it"
            self.alarms.append(self._threshold_alarm(name, waiting, description, threshold=1))
        for name, queue in work_queues.items():
            age = queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum")
            self.alarms.append(
                self._threshold_alarm(
                    f"{name}Backlog",
                    age,
                    f"the oldest message in {name} is over {BACKLOG_AGE.to_minutes()} minutes old: "
                    "its consumer is falling behind",
                    threshold=BACKLOG_AGE.to_seconds(),
                    comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                )
            )

    def _alarm(self, construct_id: str, metric: cloudwatch.Metric, what: str) -> cloudwatch.Alarm:
        """Any occurrence in a period."""
        description = f"{what} in the last {PERIOD.to_minutes()} minutes"
        return self._threshold_alarm(construct_id, metric, description, threshold=1)

    def _threshold_alarm(
        self,
        construct_id: str,
        metric: cloudwatch.Metric,
        description: str,
        *,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
    ) -> cloudwatch.Alarm:
        return metric.create_alarm(
            self,
            construct_id,
            alarm_description=description,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
