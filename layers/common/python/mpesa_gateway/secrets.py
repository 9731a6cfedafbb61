"""Secret hashing: slow scrypt for merchant client secrets, sha256 for long random callback secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt cost: ~50 ms per check on Lambda, which makes offline guessing of a leaked hash expensive.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def hash_client_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    encoded = [base64.b64encode(part).decode() for part in (salt, digest)]
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${encoded[0]}${encoded[1]}"


def verify_client_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            secret.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError, OverflowError):
        # A corrupt stored hash (bad cost parameters, bad base64) verifies nothing; it must not crash.
        return False
    return hmac.compare_digest(actual, expected)


def sha256_hex(value: str) -> str:
    """Enough for a 256-bit random callback secret, which cannot be guessed from its hash."""
    return hashlib.sha256(value.encode()).hexdigest()


def matches_sha256(candidate: str, expected_hex: str) -> bool:
    return hmac.compare_digest(sha256_hex(candidate), expected_hex)
