"""Answers its container's process id; ?die=1 ends the process mid-call, as a segfault or OOM kill would."""

import json
import os


def handler(event, context):
    if (event["queryStringParameters"] or {}).get("die"):
        os._exit(3)
    return {"statusCode": 200, "body": json.dumps({"pid": os.getpid()})}
