"""The simulator's stand-in for Safaricom's M-Pesa certificate, and SecurityCredential checks.

A SecurityCredential is base64(RSA PKCS#1 v1.5 encryption of the initiator's password) made with the
certificate's public key. The key pair lives only in memory, one per app.
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


class InitiatorKeys:
    """An RSA key pair and its self-signed certificate, made on first use.

    Generating a 2048-bit key takes 50-200 ms; doing it lazily keeps simulators that never see an
    initiator API as fast to create as before, and every simulator in one process (the in-process
    tests make one per test) shares the process's pair. The pair never changes once made.
    """

    _lock: ClassVar[threading.Lock] = threading.Lock()
    _pair: ClassVar[tuple[rsa.RSAPrivateKey, str] | None] = None  # the key, its certificate's PEM

    def _ensure(self) -> rsa.RSAPrivateKey:
        return self._key_pair()[0]

    @classmethod
    def _key_pair(cls) -> tuple[rsa.RSAPrivateKey, str]:
        with cls._lock:
            if cls._pair is None:
                key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
                certificate = _self_signed_certificate(key).public_bytes(serialization.Encoding.PEM)
                cls._pair = (key, certificate.decode())
            return cls._pair

    @property
    def certificate_pem(self) -> str:
        return self._key_pair()[1]

    def decrypt_credential(self, credential: Any) -> bytes | None:
        """The plaintext inside a SecurityCredential, or None when it is not base64 RSA ciphertext.

        OpenSSL's PKCS#1 v1.5 implicit rejection may turn a forged ciphertext into random bytes
        instead of an error; those never equal a password, so the caller's comparison still fails.
        """
        if not isinstance(credential, str) or len(credential) > MAX_CREDENTIAL_LENGTH:
            return None
        try:
            ciphertext = base64.b64decode(credential, validate=True)
            return self._ensure().decrypt(ciphertext, padding.PKCS1v15())
        except (binascii.Error, ValueError):
            return None

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
