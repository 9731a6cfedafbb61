"""POST /api/c2b_register.php: the first seed's C2B URL registration, over the registerUrls logic."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from mpesa_gateway.answers import DarajaAcknowledgement
from mpesa_gateway.api import (
    MERCHANT,
    BodyKind,
    GatewayResolver,
    Seed,
    documented,
    lambda_handler,
    merchant_id,
    public_base_url,
    seed_envelope,
)
from mpesa_gateway.c2b.models import LegacyRegisterRequest
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, c2b_service

app = GatewayResolver(error_envelope=seed_envelope, body=BodyKind.JSON_OR_FORM)


@app.post(
    "/api/c2b_register.php",
    summary="The first seed's C2B URL registration (an optional app; else the merchant's first C2B app)",
    tags=["Seed routes"],
    security=MERCHANT,
    responses=documented(Seed[DarajaAcknowledgement], errors=(403, 409, 415, 424, 503)),
)
def register(
    request: Annotated[LegacyRegisterRequest | None, Body()] = None,
) -> Response[Seed[DarajaAcknowledgement]]:
    event = app.current_event
    named = request.app if request else None
    payment_app = app_directory().named_or_first(named, merchant_id(event), Operation.REGISTER_URLS)
    answer = c2b_service().register_urls(payment_app, public_base_url(event))
    return app.answer(200, seed_envelope(200, {"response": answer}))


handler = lambda_handler(app)
