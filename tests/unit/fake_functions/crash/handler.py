def handler(event, context):
    raise RuntimeError("the handler exploded")
