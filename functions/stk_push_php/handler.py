"""POST /api/stk_push.php: the first seed's STK push, over the same logic as requestPayment."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from mpesa_gateway.answers import PaymentRequestAnswer
from mpesa_gateway.api import (
    MERCHANT,
    BodyKind,
    GatewayResolver,
    IdempotencyKey,
    Seed,
    documented,
    lambda_handler,
    merchant_id,
    public_base_url,
    seed_envelope,
)
from mpesa_gateway.express.models import LegacyStkPushRequest
from mpesa_gateway.models import Driver, Operation
from mpesa_gateway.runtime import app_directory, express_service

app = GatewayResolver(error_envelope=seed_envelope, body=BodyKind.JSON_OR_FORM)


@app.post(
    "/api/stk_push.php",
    summary="The first seed's STK push (a form or JSON body); errors carry the HTTP status too",
    tags=["Seed routes"],
    security=MERCHANT,
    responses=documented(Seed[PaymentRequestAnswer], pending=True, errors=(403, 409, 415, 424, 503)),
)
def stk_push(
    legacy: Annotated[LegacyStkPushRequest, Body()], idempotency_key: IdempotencyKey = None
) -> Response[Seed[PaymentRequestAnswer]]:
    event = app.current_event
    express_app = app_directory().named_or_first(
        legacy.app, merchant_id(event), Operation.REQUEST_PAYMENT, drivers=frozenset({Driver.EXPRESS})
    )
    status, data = express_service().request_payment_once(
        express_app, legacy.payment(), public_base_url(event), idempotency_key
    )
    return app.answer(status, seed_envelope(status, {"response": data}))


handler = lambda_handler(app)
