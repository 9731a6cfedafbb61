"""express.models.PaymentRequest through api.validate: every refusal names its field."""

from __future__ import annotations

from typing import Any

import pytest

from mpesa_gateway.api import validate
from mpesa_gateway.errors import InvalidRequest
from mpesa_gateway.express.models import PaymentRequest

VALID: dict[str, Any] = {"phone_number": "0712345678", "amount": 10, "reference": "INV-0001"}


def refusal(payload: dict[str, Any]) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        validate(PaymentRequest, payload)
    return caught.value


def fields_named(error: InvalidRequest) -> list[str]:
    return [problem["field"] for problem in error.details["fields"]]


def test_a_valid_request_is_normalised() -> None:
    request = validate(PaymentRequest, VALID)
    assert request.phone_number == "254712345678"
    assert request.amount == 10
    assert request.reference == "INV-0001"
    assert request.description == "Payment"


@pytest.mark.parametrize("amount", [0, -1, 1.5, True, False, "abc", None, "", [10], {"value": 10}, "1.5"])
def test_bad_amounts_are_refused_naming_amount(amount: Any) -> None:
    error = refusal({**VALID, "amount": amount})
    assert fields_named(error) == ["amount"]
    assert error.status == 400
    assert error.code == "invalid_request"
    assert error.message.startswith("Invalid request: amount: ")


def test_json_true_is_refused_with_the_gateways_own_wording() -> None:
    error = refusal({**VALID, "amount": True})
    assert error.details["fields"] == [{"field": "amount", "problem": "must be a whole number of shillings"}]


@pytest.mark.parametrize(("amount", "expected"), [("10", 10), (10, 10), (1, 1), (10.0, 10), (250000, 250000)])
def test_whole_amounts_are_accepted(amount: Any, expected: int) -> None:
    request = validate(PaymentRequest, {**VALID, "amount": amount})
    assert request.amount == expected
    assert type(request.amount) is int


@pytest.mark.parametrize(
    ("reference", "expected"),
    [("A" * 12, "A" * 12), ("INV-1", "INV-1"), ("  INV-1  ", "INV-1"), ("a.b/c#1 d_e", "a.b/c#1 d_e")],
)
def test_references_up_to_twelve_characters_are_accepted(reference: str, expected: str) -> None:
    assert validate(PaymentRequest, {**VALID, "reference": reference}).reference == expected


@pytest.mark.parametrize("reference", ["A" * 13, "", "   ", "INV;DROP", "a<b>", None, 12])
def test_bad_references_are_refused_naming_reference(reference: Any) -> None:
    assert fields_named(refusal({**VALID, "reference": reference})) == ["reference"]


@pytest.mark.parametrize(("description", "expected"), [("D" * 13, "D" * 13), ("Order 42", "Order 42")])
def test_descriptions_up_to_thirteen_characters_are_accepted(description: str, expected: str) -> None:
    assert validate(PaymentRequest, {**VALID, "description": description}).description == expected


@pytest.mark.parametrize("description", ["D" * 14, "", "  "])
def test_bad_descriptions_are_refused_naming_description(description: str) -> None:
    assert fields_named(refusal({**VALID, "description": description})) == ["description"]


def test_an_unknown_field_is_refused_by_name() -> None:
    error = refusal({**VALID, "callback_url": "https://evil.example"})
    assert error.details["fields"] == [{"field": "callback_url", "problem": "is not a known field"}]
    assert "callback_url" in error.message


@pytest.mark.parametrize("phone", [12345, "12345", "0812345678", "25471234567", "phone", "", True, None])
def test_bad_phone_numbers_are_refused_naming_phone_number(phone: Any) -> None:
    error = refusal({**VALID, "phone_number": phone})
    assert fields_named(error) == ["phone_number"]
    assert "Value error" not in error.details["fields"][0]["problem"]


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        (("phone_number",), ["phone_number"]),
        (("amount",), ["amount"]),
        (("reference",), ["reference"]),
        (("phone_number", "amount", "reference"), ["phone_number", "amount", "reference"]),
    ],
)
def test_missing_fields_are_each_named(missing: tuple[str, ...], named: list[str]) -> None:
    payload = {key: value for key, value in VALID.items() if key not in missing}
    error = refusal(payload)
    assert fields_named(error) == named
    assert all(problem["problem"] == "Field required" for problem in error.details["fields"])


def test_several_problems_are_all_reported() -> None:
    error = refusal({"phone_number": "123", "amount": 0, "reference": "X" * 20, "extra": 1})
    assert sorted(fields_named(error)) == ["amount", "extra", "phone_number", "reference"]
    for field in ("amount", "extra", "phone_number", "reference"):
        assert f"{field}: " in error.message
