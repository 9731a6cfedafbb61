"""Scheduled: settle STK pushes whose callback never came (Safaricom does not retry callbacks)."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.runtime import express_service


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    tally = express_service().reconcile()
    metrics.add_metric(name="ReconcilerChecked", unit=MetricUnit.Count, value=sum(tally.values()))
    for outcome, count in tally.items():
        metrics.add_metric(name=f"Reconciled_{outcome}", unit=MetricUnit.Count, value=count)
    logger.info("reconciliation finished", extra={"outcomes": dict(tally)})
    return dict(tally)
