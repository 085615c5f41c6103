"""Fixed-window rate limits for the public joining form (settings.UNIONHUB_JOIN_RATE_LIMITS).

Counters live in Django's cache: Redis when UNIONHUB_CACHE_URL is set (one count across all web processes),
process memory otherwise (development and tests). A window is `window_seconds` long and aligned to the clock;
each submission attempt counts, whether it succeeds or not, so the form cannot be used to probe identity numbers.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError

DEFAULTS = {"window_seconds": 60, "per_link_address": 10, "per_link": 600, "per_address": 30}


def _limits() -> dict:
    return {**DEFAULTS, **getattr(settings, "UNIONHUB_JOIN_RATE_LIMITS", {})}


def _hit(name: str, limit: int, window: int, now: float) -> bool:
    """Count one attempt in the current window; True while the count stays within `limit`."""
    if limit <= 0:
        return True
    bucket = int(now // window)
    key = "join-rate:" + hashlib.sha256(f"{name}:{bucket}".encode()).hexdigest()[:32]
    # add() is a no-op when the key exists, so concurrent first hits do not reset each other.
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        count = 1
    return count <= limit


def join_rate_check(*, link_key: str | None, client_address: str | None) -> None:
    """Raise DomainValidationError (code "rate_limited") when this link or address submitted too often."""
    limits = _limits()
    window = max(int(limits["window_seconds"]), 1)
    now = time.time()
    address = client_address or "unknown"
    checks = [(f"address:{address}", limits["per_address"])]
    if link_key is not None:
        checks += [
            (f"link:{link_key}:{address}", limits["per_link_address"]),
            (f"link:{link_key}", limits["per_link"]),
        ]
    # Every counter is incremented (no short-circuit) so each window sees the real number of attempts.
    results = [_hit(name, int(limit), window, now) for name, limit in checks]
    if not all(results):
        raise DomainValidationError.single("__all__", "rate_limited", _("提交过于频繁，请稍后再试。"))
