"""Merchant-token signing keys: show key ids, rotate to a new active key, retire an old one."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
from pydantic import BaseModel, Field

from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.tokens import TOKEN_LIFETIME_SECONDS, retired, rotated

ROTATE_NOTE = (
    "New tokens are signed with the new key once the functions' cached copy expires (at most 5 minutes); "
    f"retire the old key after that plus {TOKEN_LIFETIME_SECONDS // 60} minutes, when no token it signed "
    "is still valid."
)
RETIRE_NOTE = "Tokens signed with the retired key stop working as soon as the functions see the change."


class KeyIds(BaseModel):
    """Key ids only: the key material never leaves Secrets Manager through this tool."""

    active: str
    keys: list[str]
    note: str | None = Field(default=None, exclude_if=lambda value: value is None)

    @classmethod
    def of(cls, keys: dict[str, str], note: str | None = None) -> KeyIds:
        return cls(active=keys["active"], keys=sorted(kid for kid in keys if kid != "active"), note=note)


class SigningKeyAdmin:
    def __init__(self, secret_id: str, client: Any = None) -> None:
        self._secret_id = secret_id
        self._client = client or boto3.client("secretsmanager")

    def show(self) -> KeyIds:
        return KeyIds.of(self._read())

    def rotate(self, kid: str | None = None) -> KeyIds:
        kid = kid or f"k{datetime.now(UTC):%Y%m%d%H%M%S}"
        return KeyIds.of(self._write(rotated, kid), ROTATE_NOTE)

    def retire(self, kid: str) -> KeyIds:
        return KeyIds.of(self._write(retired, kid), RETIRE_NOTE)

    def _read(self) -> dict[str, str]:
        keys: dict[str, str] = json.loads(
            self._client.get_secret_value(SecretId=self._secret_id)["SecretString"]
        )
        return keys

    def _write(self, change: Callable[[dict[str, str], str], dict[str, str]], kid: str) -> dict[str, str]:
        try:
            keys = change(self._read(), kid)
        except ValueError as error:
            raise InvalidRequest(str(error), field="kid") from None
        self._client.put_secret_value(SecretId=self._secret_id, SecretString=json.dumps(keys))
        return keys
