"""C2B payloads."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LegacyRegisterRequest(BaseModel):
    """POST /api/c2b_register.php (the first seed): an optional app; the merchant's first C2B app else."""

    model_config = ConfigDict(extra="ignore")

    app: str | None = Field(default=None, max_length=64)
