"""POST /api/pay/{app}/extractTransaction: one message, or a batch of up to 100."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

# An M-Pesa SMS is a few hundred characters; long concatenated ones stay well under this.
SmsText = Annotated[str, StringConstraints(min_length=1, max_length=1600)]
MAX_BATCH = 100


class ExtractRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "message": "QJI3R7GXWV Confirmed.You have received Ksh100.00 from JOHN DOE 0712345678 "
                    "on 15/3/26 at 2:30 PM New M-PESA balance is Ksh1,500.00."
                }
            ]
        },
    )

    message: SmsText | None = None
    messages: list[SmsText] | None = Field(default=None, min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _one_of(self) -> ExtractRequest:
        if (self.message is None) == (self.messages is None):
            raise ValueError("give either message (one SMS) or messages (a list of up to 100)")
        return self
