"""phone.normalise_msisdn: what users type, to the 12-digit MSISDN Daraja wants."""

from __future__ import annotations

import pytest

from mpesa_gateway.phone import normalise_msisdn


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0712345678", "254712345678"),
        ("0112345678", "254112345678"),
        ("+254712345678", "254712345678"),
        ("+254112345678", "254112345678"),
        ("254712345678", "254712345678"),
        ("254112345678", "254112345678"),
        ("712345678", "254712345678"),
        ("112345678", "254112345678"),
        ("0712 345 678", "254712345678"),
        ("0712-345-678", "254712345678"),
        ("+254 712-345-678", "254712345678"),
        ("254 7 1234 5678", "254712345678"),
        (" 0712345678 ", "254712345678"),
        ("(0712) 345.678", "254712345678"),
        ("0708\t374149", "254708374149"),
        (254712345678, "254712345678"),
        (254112345678, "254112345678"),
        (712345678, "254712345678"),
        (112345678, "254112345678"),
    ],
)
def test_accepted_forms_become_254_and_nine_digits(typed: str | int, expected: str) -> None:
    assert normalise_msisdn(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        12345,
        "0812345678",  # 8 is not a mobile range here
        "254812345678",
        "812345678",
        "25471234567",  # 11 digits
        "2547123456789",  # 13 digits
        "07123456789",
        "071234567",
        "+2540712345678",
        "07123456ab",
        "abcdefghij",
        "phone",
        "",
        "   ",
        "+",
    ],
)
def test_rejects_what_is_not_a_kenyan_mobile_number(typed: str | int) -> None:
    with pytest.raises(ValueError, match="Kenyan mobile number"):
        normalise_msisdn(typed)


@pytest.mark.parametrize(
    "typed", [True, False, None, 712345678.0, 254712345678.0, 7.1e8, b"0712345678", ["0712345678"]]
)
def test_rejects_values_that_are_not_strings_or_ints(typed: object) -> None:
    with pytest.raises(ValueError, match="must be a phone number string"):
        normalise_msisdn(typed)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "typed",
    [
        "07\u0660\u0662345678",  # Arabic-Indic zero and two inside the number
        "07\uff11\uff12345678",  # full-width one and two
        "\u0967712345678",  # Devanagari digit in front
    ],
)
def test_rejects_non_ascii_digits(typed: str) -> None:
    # What comes back goes to Daraja as PartyA/PhoneNumber: "2547" + full-width digits is no MSISDN.
    with pytest.raises(ValueError, match="Kenyan mobile number"):
        normalise_msisdn(typed)


def test_rejects_a_negative_int() -> None:
    # -712345678 is not a phone number; the "-" must not be taken for a separator when the input is an int.
    with pytest.raises(ValueError, match="Kenyan mobile number"):
        normalise_msisdn(-712345678)


@pytest.mark.parametrize("typed", ["0712345678", "+254 712 345 678", 712345678])
def test_result_is_always_twelve_ascii_digits(typed: str | int) -> None:
    result = normalise_msisdn(typed)
    assert len(result) == 12
    assert result.isascii()
    assert result.isdigit()
    assert result[:4] in {"2547", "2541"}
