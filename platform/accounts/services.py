"""Writes for accounts: API tokens and role grants."""

import hashlib
import secrets

from django.utils import timezone

from .models import ApiToken

TOKEN_PREFIX = "uh_"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, user, name: str, scopes: list[str], expires_at=None) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret, which is never stored and shown only now."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:12],
        key_hash=_hash(secret),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    return token, secret


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw)).first()
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
