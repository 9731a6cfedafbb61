"""Webhook signatures: what the gateway sends verifies, and every kind of wrong header or body is refused
with a message that says which problem it is."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mpesa_gateway.webhooks import SignatureMismatch, new_secret, signature_header, verify

NOW = 1_796_000_000
BODY = b'{"id": "evt_1", "type": "payment.completed", "data": {"amount": 100}}'
SECRET = "whsec_current"
OLD_SECRET = "whsec_previous"


def test_new_secrets_are_prefixed_url_safe_and_different():
    first, second = new_secret(), new_secret()
    assert first != second
    # 32 random bytes are 43 url-safe base64 characters without padding.
    assert re.fullmatch(r"whsec_[A-Za-z0-9_-]{43}", first)


def test_a_signed_body_verifies_and_gives_its_timestamp():
    header = signature_header([SECRET], BODY, NOW)
    assert re.fullmatch(rf"t={NOW},v1=[0-9a-f]{{64}}", header)
    assert verify(SECRET, header, BODY, now=NOW) == NOW


def test_a_str_body_is_checked_as_its_utf8_bytes():
    text = '{"name": "Wanjikũ"}'
    header = signature_header([SECRET], text.encode(), NOW)
    assert verify(SECRET, header, text, now=NOW) == NOW


def test_a_tampered_body_is_refused():
    header = signature_header([SECRET], BODY, NOW)
    with pytest.raises(SignatureMismatch, match="no v1 signature in the header matches"):
        verify(SECRET, header, BODY.replace(b"100", b"900"), now=NOW)


def test_the_wrong_secret_is_refused():
    header = signature_header([SECRET], BODY, NOW)
    with pytest.raises(SignatureMismatch, match="matches"):
        verify(OLD_SECRET, header, BODY, now=NOW)


def test_a_changed_timestamp_breaks_the_signature():
    header = signature_header([SECRET], BODY, NOW).replace(f"t={NOW}", f"t={NOW + 1}")
    with pytest.raises(SignatureMismatch, match="matches"):
        verify(SECRET, header, BODY, now=NOW)


def test_during_rotation_both_secrets_sign_in_order_and_either_verifies():
    header = signature_header([SECRET, OLD_SECRET], BODY, NOW)
    signatures = re.findall(r"v1=([0-9a-f]{64})", header)
    assert len(signatures) == 2
    assert signatures[0] == signature_header([SECRET], BODY, NOW).split("v1=")[1]
    assert signatures[1] == signature_header([OLD_SECRET], BODY, NOW).split("v1=")[1]
    assert verify(SECRET, header, BODY, now=NOW) == NOW
    assert verify(OLD_SECRET, header, BODY, now=NOW) == NOW
    with pytest.raises(SignatureMismatch, match="matches"):
        verify("whsec_someone_else", header, BODY, now=NOW)


def test_signing_needs_a_secret():
    with pytest.raises(ValueError, match="at least one secret"):
        signature_header([], BODY, NOW)


@pytest.mark.parametrize(
    ("age", "problem"),
    [
        (301, "301 s old, beyond the 300 s tolerance"),
        (-301, "301 s in the future, beyond the 300 s tolerance"),
    ],
)
def test_timestamps_beyond_the_tolerance_are_refused_either_way(age, problem):
    header = signature_header([SECRET], BODY, NOW - age)
    with pytest.raises(SignatureMismatch, match=problem):
        verify(SECRET, header, BODY, now=NOW)


@pytest.mark.parametrize("age", [299, -299, 0])
def test_timestamps_within_the_tolerance_are_accepted(age):
    header = signature_header([SECRET], BODY, NOW - age)
    assert verify(SECRET, header, BODY, now=NOW) == NOW - age


def test_the_tolerance_is_the_callers():
    header = signature_header([SECRET], BODY, NOW - 30)
    assert verify(SECRET, header, BODY, tolerance=60, now=NOW) == NOW - 30
    with pytest.raises(SignatureMismatch, match="30 s old, beyond the 10 s tolerance"):
        verify(SECRET, header, BODY, tolerance=10, now=NOW)


def test_without_now_the_clock_is_used():
    header = signature_header([SECRET], BODY, NOW)
    with pytest.raises(SignatureMismatch, match="tolerance"):
        verify(SECRET, signature_header([SECRET], BODY, 1_000_000_000), BODY)
    assert verify(SECRET, header, BODY, tolerance=10**10) == NOW


def test_unknown_schemes_are_ignored():
    signed = signature_header([SECRET], BODY, NOW)
    header = signed.replace(",v1=", ",v0=deadbeef, v2=abc,v1=")
    assert verify(SECRET, header, BODY, now=NOW) == NOW


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("", "malformed"),
        ("garbage", "malformed"),
        ("t=1796000000,v1", "malformed"),
        ("t=,v1=ab", "malformed"),
        ("=5,v1=ab", "malformed"),
        ("v1=abcdef", r"no timestamp \(t=\)"),
        ("t=1796000000,t=1796000001,v1=ab", "several t="),
        ("t=17960000.5,v1=ab", "not whole unix seconds"),
        ("t=-1796000000,v1=ab", "not whole unix seconds"),
        ("t=١٧٩٦,v1=ab", "not whole unix seconds"),
        ("t=1796000000", "no v1 signature"),
        ("t=1796000000,v0=abcdef", "no v1 signature"),
        ("t=1796000000,v1=ünïcödé", "no v1 signature in the header matches"),
    ],
)
def test_malformed_headers_are_refused_saying_why(header, problem):
    with pytest.raises(SignatureMismatch, match=problem):
        verify(SECRET, header, BODY, now=NOW)


def test_signature_mismatch_is_a_value_error():
    assert issubclass(SignatureMismatch, ValueError)


@given(body=st.binary(max_size=2048), data=st.data())
def test_any_body_round_trips_and_any_single_byte_change_is_refused(body, data):
    header = signature_header([SECRET], body, NOW)
    assert verify(SECRET, header, body, now=NOW) == NOW
    if not body:
        return
    index = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    replacement = data.draw(st.integers(min_value=0, max_value=255).filter(lambda byte: byte != body[index]))
    changed = body[:index] + bytes([replacement]) + body[index + 1 :]
    with pytest.raises(SignatureMismatch, match="matches"):
        verify(SECRET, header, changed, now=NOW)
