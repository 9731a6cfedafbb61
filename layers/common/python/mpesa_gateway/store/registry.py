"""Merchants, payment apps and the shared Daraja token, in the registry table.

Items: MERCHANT#<id>/PROFILE (listed under MERCHANTS on by_merchant), APP#<id>/PROFILE (indexed by owner
on by_merchant), DARAJA_TOKEN#<key>/TOKEN.
"""

from __future__ import annotations

import math
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from pydantic import BaseModel

from mpesa_gateway.daraja.token_cache import AccessToken
from mpesa_gateway.models import PaymentApp
from mpesa_gateway.store.dynamo import conditionally, from_item, query_all, storage_errors, table, to_item


class Merchant(BaseModel):
    merchant_id: str
    name: str
    # scrypt hash of the client secret ("scrypt$n$r$p$salt$hash"), never the secret itself.
    client_secret_hash: str
    enabled: bool = True


def _app_item(app: PaymentApp) -> dict[str, Any]:
    return to_item(
        {
            "pk": f"APP#{app.app_id}",
            "sk": "PROFILE",
            "gsi1pk": f"MERCHANT#{app.merchant_id}",
            "gsi1sk": f"APP#{app.app_id}",
            **app.model_dump(mode="json"),
        }
    )


def _merchant_item(merchant: Merchant) -> dict[str, Any]:
    return to_item(
        {
            "pk": f"MERCHANT#{merchant.merchant_id}",
            "sk": "PROFILE",
            "gsi1pk": "MERCHANTS",
            "gsi1sk": f"MERCHANT#{merchant.merchant_id}",
            **merchant.model_dump(),
        }
    )


@storage_errors
class DynamoRegistry:
    def __init__(self, table_name: str) -> None:
        self._table = table(table_name)

    def get_app(self, app_id: str) -> PaymentApp | None:
        item = self._get(f"APP#{app_id}", "PROFILE")
        return PaymentApp.model_validate(item) if item else None

    def put_app(self, app: PaymentApp) -> None:
        self._table.put_item(Item=_app_item(app))

    def add_app(self, app: PaymentApp) -> bool:
        """Store a new app; False if one with its id exists."""
        return self._put_new(_app_item(app))

    def apps_of(self, merchant_id: str) -> list[PaymentApp]:
        """The merchant's apps, by app id."""
        items = self._query_index(
            Key("gsi1pk").eq(f"MERCHANT#{merchant_id}") & Key("gsi1sk").begins_with("APP#")
        )
        return [PaymentApp.model_validate(item) for item in items]

    def list_merchants(self) -> list[Merchant]:
        return [Merchant.model_validate(item) for item in self._query_index(Key("gsi1pk").eq("MERCHANTS"))]

    def get_merchant(self, merchant_id: str) -> Merchant | None:
        item = self._get(f"MERCHANT#{merchant_id}", "PROFILE")
        return Merchant.model_validate(item) if item else None

    def put_merchant(self, merchant: Merchant) -> None:
        self._table.put_item(Item=_merchant_item(merchant))

    def add_merchant(self, merchant: Merchant) -> bool:
        """Store a new merchant; False if one with its id exists."""
        return self._put_new(_merchant_item(merchant))

    def _put_new(self, item: dict[str, Any]) -> bool:
        return conditionally(
            lambda: self._table.put_item(Item=item, ConditionExpression=Attr("pk").not_exists())
        )

    def _query_index(self, condition: Any) -> list[dict[str, Any]]:
        return query_all(self._table, IndexName="by_merchant", KeyConditionExpression=condition)

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
        return from_item(item) if item else None


@storage_errors
class DynamoTokenStore:
    """The shared token cache's record, with a lease taken by conditional write."""

    def __init__(self, table_name: str) -> None:
        self._table = table(table_name)

    @staticmethod
    def _key(key: str) -> dict[str, str]:
        return {"pk": f"DARAJA_TOKEN#{key}", "sk": "TOKEN"}

    def read(self, key: str) -> AccessToken | None:
        item = self._table.get_item(Key=self._key(key), ConsistentRead=True).get("Item")
        if not item or "access_token" not in item:
            return None
        previous = (
            AccessToken(str(item["previous_token"]), float(item["previous_expires_at"]))
            if "previous_token" in item
            else None
        )
        return AccessToken(
            str(item["access_token"]),
            float(item["token_expires_at"]),
            active_at=float(item.get("token_active_at", 0)),
            previous=previous,
        )

    def try_lease(self, key: str, owner: str, now: float, until: float, replacing: str | None) -> bool:
        free = Attr("lease_until").not_exists() | Attr("lease_until").lt(int(now))
        unchanged = (
            Attr("access_token").eq(replacing) if replacing is not None else Attr("access_token").not_exists()
        )
        return self._write_if(
            key,
            "SET lease_owner = :owner, lease_until = :until",
            {":owner": owner, ":until": int(until) + 1},
            free & unchanged,
        )

    def save(self, key: str, owner: str, token: AccessToken) -> bool:
        # expires_at is the table's TTL attribute: DynamoDB drops dead tokens on its own. A Vodacom
        # session not yet active keeps the one it replaces, which serves until it is.
        values: dict[str, Any] = {
            ":token": token.value,
            ":exp": int(token.expires_at),
            ":ttl": int(token.expires_at) + 3600,
            ":active": math.ceil(token.active_at),
        }
        assignments = (
            "access_token = :token, token_expires_at = :exp, expires_at = :ttl, token_active_at = :active"
        )
        removals = "lease_owner, lease_until"
        if token.previous is not None:
            assignments += ", previous_token = :prev, previous_expires_at = :prev_exp"
            values |= {":prev": token.previous.value, ":prev_exp": int(token.previous.expires_at)}
        else:
            removals += ", previous_token, previous_expires_at"
        return self._write_if(
            key, f"SET {assignments} REMOVE {removals}", values, Attr("lease_owner").eq(owner)
        )

    def release(self, key: str, owner: str) -> None:
        self._write_if(key, "REMOVE lease_owner, lease_until", None, Attr("lease_owner").eq(owner))

    def _write_if(self, key: str, expression: str, values: dict[str, Any] | None, condition: Any) -> bool:
        extra = {"ExpressionAttributeValues": values} if values else {}
        return conditionally(
            lambda: self._table.update_item(
                Key=self._key(key), UpdateExpression=expression, ConditionExpression=condition, **extra
            )
        )
