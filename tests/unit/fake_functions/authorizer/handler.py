"""A TOKEN authorizer whose answer is chosen by the token ("Bearer <case>")."""

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
)


def handler(event, context):
    case = event["authorizationToken"].removeprefix("Bearer ")
    arn = event["methodArn"]
    api = "/".join(arn.split("/")[:2])  # arn:aws:execute-api:<region>:<account>:<api_id>/<stage>
    seen = {"seen_type": event["type"], "seen_arn": arn, "seen_token": event["authorizationToken"]}

    def policy(*statements, context=None):
        return {
            "principalId": "merchant-1",
            "policyDocument": {"Version": "2012-10-17", "Statement": list(statements)},
            "context": {**seen, **(context or {})},
        }

    def statement(effect, resource, action="execute-api:Invoke"):
        return {"Action": action, "Effect": effect, "Resource": resource}

    if case == "allow":
        context = {"merchant": "m1", "tier": 3, "live": True, "ratio": 1.5}
        return policy(statement("Allow", [f"{api}/*/merchant/*"]), context=context)
    if case == "single":  # a lone statement, a ? wildcard and a wildcard action
        answer = policy(statement("Allow", f"{api}/GE?/merchant/*", action="execute-api:*"))
        answer["policyDocument"]["Statement"] = answer["policyDocument"]["Statement"][0]
        return answer
    if case == "deny":
        return policy(statement("Allow", "*"), statement("Deny", arn))
    if case == "other":
        return policy(statement("Allow", f"{api}/GET/somewhere-else"))
    if case == "wrong-action":
        return policy(statement("Allow", "*", action="execute-api:ManageConnections"))
    if case == "unauthorized":
        raise Exception("Unauthorized")  # the exact message API Gateway turns into a 401
    if case == "crash":
        raise RuntimeError("the authorizer exploded")
    if case == "malformed":
        return {"principalId": "merchant-1"}
    if case == "nested-context":
        return policy(statement("Allow", "*"), context={"apps": ["a", "b"]})
    if case == "powertools":
        response = APIGatewayAuthorizerResponse.from_route_arn(arn, "pt-merchant", context={"n": 7})
        response.allow_route(http_method="GET", resource="/api/pay/*")
        return response.asdict()
    raise Exception("Unauthorized")
