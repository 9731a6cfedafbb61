"""Payment apps' Daraja credentials in Secrets Manager, as the admin CLI writes them.

One secret per app, named `<prefix><app_id>`, holding DarajaCredentials as JSON. The Lambdas read these
secrets through runtime.load_credentials (cached by Powertools); this store is for provisioning.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.exceptions import ClientError
from pydantic import SecretStr

from mpesa_gateway.models import DarajaCredentials
from mpesa_gateway.store.dynamo import storage_errors


class AppSecretExists(Exception):
    """A secret with the app's name exists already (an earlier, half-finished provisioning)."""


class AppSecretNotFound(LookupError):
    pass


@storage_errors
class AppSecretStore:
    def __init__(self, prefix: str, kms_key_id: str | None = None, client: Any = None) -> None:
        self._prefix = prefix
        # The stack's customer-managed key; without it Secrets Manager uses the account's aws/secretsmanager.
        self._kms_key_id = kms_key_id
        self._client = client or boto3.client("secretsmanager")

    def name(self, app_id: str) -> str:
        return f"{self._prefix}{app_id}"

    def create(self, app_id: str, credentials: DarajaCredentials) -> None:
        key = {"KmsKeyId": self._kms_key_id} if self._kms_key_id else {}
        try:
            self._client.create_secret(Name=self.name(app_id), SecretString=_to_json(credentials), **key)
        except ClientError as error:
            if _code(error) == "ResourceExistsException":
                raise AppSecretExists(self.name(app_id)) from error
            raise

    def put(self, app_id: str, credentials: DarajaCredentials) -> None:
        """A new current version; the secret keeps the key it was created with."""
        try:
            self._client.put_secret_value(SecretId=self.name(app_id), SecretString=_to_json(credentials))
        except ClientError as error:
            if _code(error) == "ResourceNotFoundException":
                raise AppSecretNotFound(self.name(app_id)) from error
            raise

    def get(self, app_id: str) -> DarajaCredentials:
        try:
            answer = self._client.get_secret_value(SecretId=self.name(app_id))
        except ClientError as error:
            if _code(error) == "ResourceNotFoundException":
                raise AppSecretNotFound(self.name(app_id)) from error
            raise
        return DarajaCredentials.model_validate(json.loads(answer["SecretString"]))


def _to_json(credentials: DarajaCredentials) -> str:
    """The same JSON the Lambdas parse: secret values in clear (inside the secret), unset fields left out."""
    values = {
        field: value.get_secret_value() if isinstance(value, SecretStr) else value
        for field, value in credentials
        if value is not None
    }
    return json.dumps(values)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
