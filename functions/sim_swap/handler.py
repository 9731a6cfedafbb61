"""GET /api/pay/{payment_app}/simSwap/{phone_number}: when the number's SIM card was last swapped."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from mpesa_gateway.api import (
    MERCHANT,
    Data,
    GatewayResolver,
    PaymentAppId,
    PhoneNumber,
    documented,
    lambda_handler,
    merchant_id,
    refuse_undeclared_query,
)
from mpesa_gateway.models import Operation
from mpesa_gateway.runtime import app_directory, sim_swap_service
from mpesa_gateway.simswap.models import SimSwapAnswer, SimSwapQuery

app = GatewayResolver()


@app.get(
    "/api/pay/<payment_app>/simSwap/<phone_number>",
    summary="When a phone number's SIM card was last swapped (within Daraja's 3 months), and whether "
    "within a window: check before trusting a number (every driver but MpesaKePersonal)",
    tags=["Customer checks"],
    security=MERCHANT,
    responses=documented(Data[SimSwapAnswer], errors=(403, 424, 503)),
)
def sim_swap(
    payment_app: PaymentAppId, phone_number: PhoneNumber, query: Annotated[SimSwapQuery, Query()]
) -> Response[Data[SimSwapAnswer]]:
    refuse_undeclared_query(app.current_event, SimSwapQuery)
    found = app_directory().for_merchant(payment_app, merchant_id(app.current_event), Operation.SIM_SWAP)
    return app.answer(200, {"data": sim_swap_service().last_swap(found, phone_number, query)})


handler = lambda_handler(app)
