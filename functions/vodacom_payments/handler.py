"""The Vodacom payment queue: each message is one accepted requestPayment (MpesaTz, MpesaCongo) whose
C2B single-stage call this worker makes, waiting for the customer, then settles (see vodacom.service).

A redelivered message finds its payment claimed and sends nothing. A payment that cannot be sent yet
(no active session) is claimed by no one and shows again after a short back-off."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mpesa_gateway import budget
from mpesa_gateway.observability import logger, metrics
from mpesa_gateway.runtime import vodacom_payment_jobs, vodacom_service
from mpesa_gateway.store.queues import transaction_id_of
from mpesa_gateway.vodacom.errors import VodacomNotSent

# Seconds before a payment that could not be sent yet is tried again.
RETRY_SECONDS = 10

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def run(record: SQSRecord) -> None:
    transaction_id = transaction_id_of(record.body)
    try:
        outcome = vodacom_service().run_payment(transaction_id)
    except VodacomNotSent:
        vodacom_payment_jobs().retry_later(record.receipt_handle, RETRY_SECONDS)
        raise
    logger.info("payment job done", extra={"transaction_id": transaction_id, "outcome": outcome})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    with budget.invocation(context, behind_api=False):
        return process_partial_response(event=event, record_handler=run, processor=processor, context=context)
