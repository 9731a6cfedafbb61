"""Daraja's Result shapes, account balance strings, and the SecurityCredential encryption."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from mpesa_gateway.daraja.results import ResultEnvelope, parse_account_balance
from mpesa_gateway.daraja.security import load_certificate, security_credential
from mpesa_gateway.errors import InvalidRequest

ONE = {"Key": "TransactionAmount", "Value": 500}
TWO = {"Key": "TransactionReceipt", "Value": "QJI3R7GXWV"}


def result(**fields) -> dict:
    base = {"ResultType": 0, "ResultCode": 0, "ResultDesc": "ok", "OriginatorConversationID": "txn_1",
            "ConversationID": "AG_1", "TransactionID": "QJI3R7GXWV"}  # fmt: skip
    return {"Result": {**base, **fields}}


@pytest.mark.parametrize(
    "parameters",
    [{"ResultParameter": [ONE, TWO]}, {"ResultParameter": ONE}],
    ids=["list", "single-object"],
)
def test_result_parameters_come_as_a_list_or_one_object(parameters: dict):
    parsed = ResultEnvelope.model_validate(result(ResultParameters=parameters)).Result

    assert parsed.parameters()["TransactionAmount"] == 500
    assert parsed.succeeded


def test_a_failure_has_no_parameters_and_codes_keep_their_kind():
    failed = ResultEnvelope.model_validate(result(ResultCode=2001, TransactionID="NLJ0000000")).Result
    lettered = ResultEnvelope.model_validate(result(ResultCode="R000001")).Result

    assert (failed.succeeded, failed.result_code, failed.parameters()) == (False, 2001, {})
    assert lettered.result_code == "R000001"


def test_reference_item_without_a_value_is_accepted():
    parsed = ResultEnvelope.model_validate(
        result(ReferenceData={"ReferenceItem": {"Key": "Occasion"}})
    ).Result

    assert parsed.ReferenceData[0].Key == "Occasion"
    assert parsed.ReferenceData[0].Value is None


def test_account_balance_string_becomes_accounts():
    accounts = parse_account_balance(
        "Working Account|KES|700000.00|700000.00|0.00|0.00&Utility Account|KES|228037.00|228037.00|0.00|0.00"
    )

    assert accounts == [
        {"account": "Working Account", "currency": "KES", "current_balance": "700000.00",
         "available_balance": "700000.00", "reserved": "0.00", "uncleared": "0.00"},
        {"account": "Utility Account", "currency": "KES", "current_balance": "228037.00",
         "available_balance": "228037.00", "reserved": "0.00", "uncleared": "0.00"},
    ]  # fmt: skip
    assert parse_account_balance("") == []


@pytest.fixture(scope="module")
def key_and_certificate() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, certificate.public_bytes(serialization.Encoding.PEM).decode()


def test_security_credential_is_pkcs1_v15_that_the_key_holder_decrypts(key_and_certificate, tmp_path):
    key, pem = key_and_certificate
    path = tmp_path / "cert.pem"
    path.write_text(pem)

    for source in (pem, str(path)):
        credential = security_credential("Safaricom999!*!", source)
        assert key.decrypt(base64.b64decode(credential), padding.PKCS1v15()) == b"Safaricom999!*!"


def test_an_unreadable_certificate_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidRequest, match="certificate is not readable"):
        load_certificate(str(tmp_path / "missing.cer"))
    with pytest.raises(InvalidRequest, match="certificate is not readable"):
        load_certificate("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----")
