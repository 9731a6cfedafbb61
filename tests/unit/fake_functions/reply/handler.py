"""A binary answer using both header maps, as Powertools and hand-written handlers do."""

import base64


def handler(event, context):
    return {
        "statusCode": 201,
        "headers": {"X-One": "a", "X-Two": "2", "Content-Type": "application/octet-stream"},
        "multiValueHeaders": {"X-One": ["b"], "Set-Cookie": ["a=1", "b=2"]},
        "body": base64.b64encode(b"\x00\xffbinary").decode(),
        "isBase64Encoded": True,
    }
