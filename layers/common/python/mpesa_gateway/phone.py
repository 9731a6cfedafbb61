"""Kenyan mobile numbers as Daraja wants them: 2547XXXXXXXX or 2541XXXXXXXX."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().]")
# The subscriber part: 9 digits starting 7 (Safaricom, Airtel...) or 1 (the newer 01x ranges).
# [0-9], not \d: \d also matches Arabic-Indic and full-width digits, which Daraja would refuse.
_LOCAL_FORMS = (
    re.compile(r"^\+?254([17][0-9]{8})$"),
    re.compile(r"^0([17][0-9]{8})$"),
    re.compile(r"^([17][0-9]{8})$"),
)


def normalise_msisdn(value: str | int) -> str:
    """07…, 01…, +254…, 254…, 7… and 1… to 2547…/2541…; ValueError for anything else."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be a phone number string")
    # Separators are a typing habit of strings; an int's "-" is a sign, so -712345678 stays invalid.
    text = str(value) if isinstance(value, int) else _SEPARATORS.sub("", value)
    for form in _LOCAL_FORMS:
        match = form.match(text)
        if match:
            return "254" + match.group(1)
    raise ValueError("must be a Kenyan mobile number such as 0712345678 or 254712345678")
