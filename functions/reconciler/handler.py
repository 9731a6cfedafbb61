"""Scheduled: settle what no callback settled (Safaricom does not retry callbacks); see reconciler.py."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mpesa_gateway import budget
from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.runtime import reconciler


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    with budget.invocation(context, behind_api=False):
        tally = reconciler().run()
    metrics.add_metric(name="ReconcilerChecked", unit=MetricUnit.Count, value=sum(tally.values()))
    for outcome, count in tally.items():
        metrics.add_metric(name=f"Reconciled_{outcome}", unit=MetricUnit.Count, value=count)
    logger.info("reconciliation finished", extra={"outcomes": dict(tally)})
    return dict(tally)
