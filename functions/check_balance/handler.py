"""GET /api/pay/{payment_app}/checkBalance: Daraja's Account Balance, or (Personal) the newest SMS's."""

from aws_lambda_powertools.event_handler import Response

from mpesa_gateway.answers import AsyncRequestAnswer, PersonalBalance
from mpesa_gateway.api import (
    MERCHANT,
    Data,
    GatewayResolver,
    PaymentAppId,
    documented,
    lambda_handler,
    merchant_id,
    public_base_url,
)
from mpesa_gateway.models import VODACOM_DRIVERS, Driver, Operation
from mpesa_gateway.runtime import account_service, app_directory, personal_service
from mpesa_gateway.vodacom.markets import no_balance_query

app = GatewayResolver()


class Balance(Data[AsyncRequestAnswer | PersonalBalance]):
    """Daraja's acceptance of the balance request (the balance arrives as its result), or Personal's."""


@app.get(
    "/api/pay/<payment_app>/checkBalance",
    summary="Ask Daraja for the account's balance (it arrives as a result); Personal apps: the newest SMS's",
    tags=["Account"],
    security=MERCHANT,
    responses=documented(Balance, pending=True, errors=(403, 404, 424, 503)),
)
def check_balance(payment_app: PaymentAppId) -> Response[Balance]:
    event = app.current_event
    found = app_directory().for_merchant(payment_app, merchant_id(event), Operation.CHECK_BALANCE)
    if found.driver in VODACOM_DRIVERS:
        no_balance_query(found)
    if found.driver is Driver.PERSONAL:
        return app.answer(200, {"data": personal_service().latest_balance(found)})
    tracked = account_service().balance(found, public_base_url(event))
    return app.answer(tracked.http_status, {"data": tracked.data()})


handler = lambda_handler(app)
