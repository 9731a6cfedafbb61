"""Lipa Na M-Pesa merchant checks shared by every API that takes Password + Timestamp."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from typing import Any

from local.simulator.errors import overloaded
from local.simulator.validation import as_text


def stk_password(shortcode: str, passkey: str, timestamp: str) -> str:
    return base64.b64encode(f"{shortcode}{passkey}{timestamp}".encode()).decode()


def check_merchant_password(body: Mapping[str, Any], passkeys: Mapping[str, str]) -> str:
    """Checks BusinessShortCode/Password/Timestamp (already format-validated); returns the shortcode."""
    shortcode = as_text(body["BusinessShortCode"]) or ""
    passkey = passkeys.get(shortcode)
    if passkey is None:
        raise overloaded("Merchant does not exist")
    expected = stk_password(shortcode, passkey, body["Timestamp"])
    password = body["Password"]
    if not isinstance(password, str) or not hmac.compare_digest(password.encode(), expected.encode()):
        raise overloaded("Wrong credentials")
    return shortcode
