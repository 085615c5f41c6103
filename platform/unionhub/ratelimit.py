"""Fixed-window counters in Django's cache, shared by every rate limit (the public forms, sign-in).

Counters live in Django's cache: Redis when UNIONHUB_CACHE_URL is set (one count across all web processes),
process memory otherwise (development and tests). A window is `window` seconds long and aligned to the clock.
Keys are hashed, so user names and addresses never appear in the cache in clear.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from .errors import DomainValidationError

# The public forms' limits (the joining form and the member-appraisal form), settings.UNIONHUB_JOIN_RATE_LIMITS.
PUBLIC_FORM_DEFAULTS = {"window_seconds": 60, "per_link_address": 10, "per_link": 600, "per_address": 30}


def _key(prefix: str, name: str, window: int, now: float) -> str:
    bucket = int(now // window)
    return f"{prefix}:" + hashlib.sha256(f"{name}:{bucket}".encode()).hexdigest()[:32]


def rate_hit(prefix: str, name: str, limit: int, window: int, now: float | None = None) -> bool:
    """Count one attempt in the current window; True while the count stays within `limit` (0 = no limit)."""
    if limit <= 0:
        return True
    window = max(int(window), 1)
    key = _key(prefix, name, window, time.time() if now is None else now)
    # add() is a no-op when the key exists, so concurrent first hits do not reset each other.
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        count = 1
    return count <= limit


def rate_exceeded(prefix: str, name: str, limit: int, window: int, now: float | None = None) -> bool:
    """True when the current window already holds `limit` attempts (looks only, counts nothing)."""
    if limit <= 0:
        return False
    window = max(int(window), 1)
    return int(cache.get(_key(prefix, name, window, time.time() if now is None else now)) or 0) >= limit


def public_form_rate_check(*, link_key: str | None, client_address: str | None, scope: str = "join") -> None:
    """Raise DomainValidationError (code "rate_limited") when this link or address submitted a public form too
    often (settings.UNIONHUB_JOIN_RATE_LIMITS). Each submission attempt counts, whether it succeeds or not, so the
    forms cannot be used to probe identity numbers.

    `scope` names the public form ("join"; "appraisal" for 会员评家): each form counts an address on its own, so
    one form's traffic from an address does not lock the other."""
    limits = {**PUBLIC_FORM_DEFAULTS, **getattr(settings, "UNIONHUB_JOIN_RATE_LIMITS", {})}
    window = max(int(limits["window_seconds"]), 1)
    now = time.time()
    address = client_address or "unknown"
    address_key = f"address:{address}" if scope == "join" else f"{scope}:address:{address}"
    checks = [(address_key, limits["per_address"])]
    if link_key is not None:
        checks += [
            (f"link:{link_key}:{address}", limits["per_link_address"]),
            (f"link:{link_key}", limits["per_link"]),
        ]
    # Every counter is incremented (no short-circuit) so each window sees the real number of attempts.
    results = [rate_hit("join-rate", name, int(limit), window, now) for name, limit in checks]
    if not all(results):
        raise DomainValidationError.single("__all__", "rate_limited", _("提交过于频繁，请稍后再试。"))
