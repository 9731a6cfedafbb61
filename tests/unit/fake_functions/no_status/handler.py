def handler(event, context):
    return {"body": "no statusCode here"}
