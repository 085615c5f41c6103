"""Fixed-window counters in Django's cache, shared by every rate limit (joining links, sign-in).

Counters live in Django's cache: Redis when UNIONHUB_CACHE_URL is set (one count across all web processes),
process memory otherwise (development and tests). A window is `window` seconds long and aligned to the clock.
Keys are hashed, so user names and addresses never appear in the cache in clear.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


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
