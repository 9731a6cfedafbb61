"""A Powertools REST resolver handler, as the real functions are written."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

logger = Logger(service="fake")
app = APIGatewayRestResolver()


@app.get("/api/pay/<payment_app>/pt/<transaction>")
def status(payment_app: str, transaction: str):
    event = app.current_event
    return {
        "data": {
            "payment_app": payment_app,
            "transaction": transaction,
            "path_parameters": event.path_parameters,
            "principal": event.request_context.authorizer.get("principalId"),
            "n": event.request_context.authorizer.get("n"),
            "flag": event.query_string_parameters.get("flag"),
            "header": event.headers.get("x-custom"),
        }
    }


@app.post("/api/pay/<payment_app>/pt")
def create(payment_app: str):
    return {"data": {"payment_app": payment_app, "body": app.current_event.json_body}}, 201


@logger.inject_lambda_context
def handler(event, context):
    return app.resolve(event, context)
