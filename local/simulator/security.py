"""The simulator's RSA keys: its stand-in for Safaricom's M-Pesa certificate (SecurityCredential checks)
and for Vodacom's portal key (local.simulator.vodacom).

A SecurityCredential is base64(RSA PKCS#1 v1.5 encryption of the initiator's password) made with the
certificate's public key; Vodacom's bearers are made the same way. Keys live only in memory, one per
purpose per process.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

KEY_SIZE = 2048
COMMON_NAME = "Daraja Simulator"
CERTIFICATE_VALIDITY = timedelta(days=3650)
MAX_CREDENTIAL_LENGTH = 4096  # a 2048-bit ciphertext is 344 base64 characters


_keys_lock = threading.Lock()
_keys: dict[str, rsa.RSAPrivateKey] = {}


def process_key(purpose: str) -> rsa.RSAPrivateKey:
    """The process's RSA key for `purpose` (Daraja's certificate, Vodacom's portal key), made on first use.

    Generating a 2048-bit key takes 50-200 ms; doing it lazily keeps simulators that never need one
    as fast to create as before, and every simulator in one process (the in-process tests make one
    per test) shares the process's key. A key never changes once made.
    """
    with _keys_lock:
        key = _keys.get(purpose)
        if key is None:
            key = _keys[purpose] = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
        return key


def decrypt_base64(key: rsa.RSAPrivateKey, ciphertext: Any) -> bytes | None:
    """The plaintext inside base64(RSA PKCS#1 v1.5 ciphertext), or None when it is not that.

    OpenSSL's PKCS#1 v1.5 implicit rejection may turn a forged ciphertext into random bytes
    instead of an error; those never equal a secret, so the caller's comparison still fails.
    """
    if not isinstance(ciphertext, str) or len(ciphertext) > MAX_CREDENTIAL_LENGTH:
        return None
    try:
        return key.decrypt(base64.b64decode(ciphertext, validate=True), padding.PKCS1v15())
    except (binascii.Error, ValueError):
        return None


class InitiatorKeys:
    """The process's Daraja certificate key and its self-signed certificate, made on first use."""

    _lock: ClassVar[threading.Lock] = threading.Lock()
    _certificate_pem: ClassVar[str | None] = None

    @staticmethod
    def _key() -> rsa.RSAPrivateKey:
        return process_key(COMMON_NAME)

    @property
    def certificate_pem(self) -> str:
        with self._lock:
            if InitiatorKeys._certificate_pem is None:
                certificate = _self_signed_certificate(self._key())
                InitiatorKeys._certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
            return InitiatorKeys._certificate_pem

    def decrypt_credential(self, credential: Any) -> bytes | None:
        """The plaintext inside a SecurityCredential, or None when it is not base64 RSA ciphertext."""
        return decrypt_base64(self._key(), credential)

    def is_valid_credential(self, initiator: Any, credential: Any, initiators: Mapping[str, str]) -> bool:
        """True when the credential decrypts to the configured password of that initiator."""
        password = initiators.get(initiator) if isinstance(initiator, str) else None
        plaintext = self.decrypt_credential(credential)
        if password is None or plaintext is None:
            return False
        return hmac.compare_digest(plaintext, password.encode())


def _self_signed_certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, COMMON_NAME)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + CERTIFICATE_VALIDITY)
        .sign(key, hashes.SHA256())
    )


def security_credential(certificate_pem: str, password: str) -> str:
    """What a Daraja client sends as SecurityCredential, made with the given certificate."""
    public_key = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise TypeError("the certificate does not hold an RSA key")
    return base64.b64encode(public_key.encrypt(password.encode(), padding.PKCS1v15())).decode()
