"""SecurityCredential: the initiator password encrypted with Safaricom's certificate (RSA, PKCS#1 v1.5).

Sandbox and production use different certificates; each is configuration (PEM text, or a path to a PEM
or DER file). The encrypted value can be reused, so it is computed once per password and certificate.
cryptography is imported on first use: only payouts, reversals and queries need a credential, and the
other functions' cold starts skip its loading.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from mpesa_gateway.errors import InvalidRequest

if TYPE_CHECKING:
    from cryptography import x509


@cache
def load_certificate(source: str) -> x509.Certificate:
    """A certificate from PEM text or a file path; a clear error when it is neither."""
    from cryptography import x509  # noqa: PLC0415 - see the module's docstring

    try:
        if source.lstrip().startswith("-----BEGIN"):
            return x509.load_pem_x509_certificate(source.encode())
        data = Path(source).read_bytes()
        return (
            x509.load_pem_x509_certificate(data)
            if b"-----BEGIN" in data
            else x509.load_der_x509_certificate(data)
        )
    except (OSError, ValueError) as error:
        raise InvalidRequest(
            f"The Daraja certificate is not readable: {error}", field="certificate"
        ) from None


@cache
def security_credential(initiator_password: str, certificate_source: str) -> str:
    from cryptography.hazmat.primitives.asymmetric import padding  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey  # noqa: PLC0415

    public_key = load_certificate(certificate_source).public_key()
    if not isinstance(public_key, RSAPublicKey):
        raise InvalidRequest("The Daraja certificate does not hold an RSA key", field="certificate")
    # PKCS#1 v1.5, not OAEP: Daraja decrypts with v1.5 and answers 2001 to anything else.
    encrypted = public_key.encrypt(initiator_password.encode(), padding.PKCS1v15())
    return base64.b64encode(encrypted).decode("ascii")
