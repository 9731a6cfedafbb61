"""Answers with the event and context it received; ?sleep=<s> holds the call to expose overlaps."""

import json
import threading
import time
import uuid

INIT_ID = str(uuid.uuid4())  # one value per import: shows whether the module was loaded once
_lock = threading.Lock()
_calls = {"in_flight": 0, "max_in_flight": 0}


def handler(event, context):
    with _lock:
        _calls["in_flight"] += 1
        _calls["max_in_flight"] = max(_calls["max_in_flight"], _calls["in_flight"])
    start = time.monotonic()
    time.sleep(float((event["queryStringParameters"] or {}).get("sleep", 0)))
    end = time.monotonic()
    with _lock:
        _calls["in_flight"] -= 1
    body = {
        "event": event,
        "init_id": INIT_ID,
        "start": start,
        "end": end,
        "max_in_flight": _calls["max_in_flight"],
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_ms": context.get_remaining_time_in_millis(),
        },
    }
    return {"statusCode": 200, "body": json.dumps(body)}
