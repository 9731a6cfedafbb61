"""Scheduled: each C2B app's last hours of Pull Transactions, recording what no confirmation recorded."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mpesa_gateway import budget
from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.runtime import c2b_apps, pull_service


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    with budget.invocation(context, behind_api=False):
        tally = pull_service().pull_recent(c2b_apps())
    for outcome, count in tally.items():
        metrics.add_metric(name=f"Pulled_{outcome}", unit=MetricUnit.Count, value=count)
    logger.info("scheduled pull finished", extra={"outcomes": dict(tally)})
    return dict(tally)
