"""Daraja's asynchronous Result: `ResultParameter` and `ReferenceItem` come as a list or a single object,
and a failure carries no ResultParameters at all."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from mpesa_gateway.models import DarajaId


class KeyValue(BaseModel):
    model_config = ConfigDict(extra="ignore")

    Key: str
    Value: Any = None


def _listed(value: Any) -> Any:
    """{"ResultParameter": {...}} and {"ResultParameter": [{...}]} alike become a list."""
    if isinstance(value, dict):
        inner: Any = next(iter(value.values()), [])
        return inner if isinstance(inner, list) else [inner]
    return value if isinstance(value, list) else []


class DarajaResult(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    ResultType: str = "0"
    ResultCode: str
    ResultDesc: str = ""
    OriginatorConversationID: DarajaId = ""
    ConversationID: DarajaId = ""
    TransactionID: DarajaId = ""
    ResultParameters: list[KeyValue] = []
    ReferenceData: list[KeyValue] = []

    _normalise = field_validator("ResultParameters", "ReferenceData", mode="before")(_listed)

    @property
    def succeeded(self) -> bool:
        return self.ResultCode == "0"

    @property
    def result_code(self) -> int | str:
        """0, 1, 2001 as numbers; Daraja's lettered codes (R000001, SFC_IC0003) as they are."""
        return int(self.ResultCode) if self.ResultCode.lstrip("-").isdigit() else self.ResultCode

    def parameters(self) -> dict[str, Any]:
        return {item.Key: item.Value for item in self.ResultParameters}


class ResultEnvelope(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        # The seed's B2C result; a queue timeout has the same shape without ResultParameters.
        json_schema_extra={
            "examples": [
                {
                    "Result": {
                        "ResultType": 0,
                        "ResultCode": 0,
                        "ResultDesc": "The service request is processed successfully.",
                        "OriginatorConversationID": "16740-34861180-1",
                        "ConversationID": "AG_20191219_00004492b1b6f0af4f53",
                        "TransactionID": "QJI3R7GXWV",
                        "ResultParameters": {
                            "ResultParameter": [
                                {"Key": "TransactionAmount", "Value": 500},
                                {"Key": "TransactionReceipt", "Value": "QJI3R7GXWV"},
                                {"Key": "ReceiverPartyPublicName", "Value": "254712345678 - JOHN DOE"},
                                {"Key": "TransactionCompletedDateTime", "Value": "15.03.2026 14:30:00"},
                            ]
                        },
                    }
                }
            ]
        },
    )

    Result: DarajaResult


def parse_account_balance(value: str) -> list[dict[str, str]]:
    """`Working Account|KES|700000.00|700000.00|0.00|0.00&Utility Account|...` into one dict per account."""
    accounts = []
    for entry in filter(None, str(value).split("&")):
        name, currency, *amounts = entry.split("|")
        fields = ("current_balance", "available_balance", "reserved", "uncleared")
        accounts.append({"account": name, "currency": currency, **dict(zip(fields, amounts, strict=False))})
    return accounts
