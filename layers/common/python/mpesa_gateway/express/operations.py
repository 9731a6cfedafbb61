"""M-Pesa Express operations as the API routes run them, shared by every route that offers them."""

from __future__ import annotations

from typing import Any

from mpesa_gateway import idempotency
from mpesa_gateway.express.models import PaymentRequest
from mpesa_gateway.runtime import express_service


def request_payment(
    *, app_id: str, merchant_id: str, request: PaymentRequest, base_url: str, idempotency_key: str | None
) -> tuple[int, dict[str, Any]]:
    """The push's HTTP status and data, replayed for a repeated Idempotency-Key."""

    def push(scope: str | None) -> tuple[int, dict[str, Any]]:
        requested = express_service().request_payment(app_id, merchant_id, request, base_url, scope)
        return requested.http_status, requested.data()

    return idempotency.replayed(
        key=idempotency_key,
        merchant_id=merchant_id,
        operation="requestPayment",
        app_id=app_id,
        payload=request.model_dump(mode="json"),
        run=push,
    )
