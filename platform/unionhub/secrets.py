"""Values kept encrypted at rest: one key ring (MultiFernet over settings.UNIONHUB_PII_ENCRYPTION_KEYS) for
identity numbers (`people.identity.seal`) and every other secret (`secret_encrypt`, e.g. webhook signing keys).

The first key encrypts, every listed key decrypts, so keys are rotated by putting the new key first, running
`manage.py secrets_reencrypt` (people.services finds every encrypted column) and only then dropping the old key.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)  # asked per row (bulk imports)
def derived_dev_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY: for development and tests when no encryption key is configured."""
    digest = hashlib.sha256(b"unionhub-pii-encryption:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


@lru_cache(maxsize=4)
def _ring(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def key_ring() -> MultiFernet:
    keys = tuple(settings.UNIONHUB_PII_ENCRYPTION_KEYS)
    return _ring(keys or (derived_dev_key(settings.SECRET_KEY),))


def secret_encrypt(value: str) -> str:
    return key_ring().encrypt(value.encode()).decode()


def secret_decrypt(token: str) -> str:
    """Decrypt with any configured key (old keys stay listed after the first one until rotation is done).
    Raises cryptography.fernet.InvalidToken when none does."""
    return key_ring().decrypt(token.encode()).decode()


def secret_reencrypt(token: str) -> str:
    """The same value encrypted under the current first key (key rotation)."""
    return key_ring().rotate(token.encode()).decode()
