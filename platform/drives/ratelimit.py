"""Fixed-window rate limits for the public joining form (settings.UNIONHUB_JOIN_RATE_LIMITS).

Counters: `unionhub.ratelimit` (Django's cache; shared by all web processes when UNIONHUB_CACHE_URL is set).
A window is `window_seconds` long and aligned to the clock; each submission attempt counts, whether it succeeds or
not, so the form cannot be used to probe identity numbers.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError
from unionhub.ratelimit import rate_hit

DEFAULTS = {"window_seconds": 60, "per_link_address": 10, "per_link": 600, "per_address": 30}


def _limits() -> dict:
    return {**DEFAULTS, **getattr(settings, "UNIONHUB_JOIN_RATE_LIMITS", {})}


def _hit(name: str, limit: int, window: int, now: float) -> bool:
    return rate_hit("join-rate", name, limit, window, now)


def join_rate_check(*, link_key: str | None, client_address: str | None, scope: str = "join") -> None:
    """Raise DomainValidationError (code "rate_limited") when this link or address submitted too often.

    `scope` names the public form ("join"; "appraisal" for 会员评家): each form counts an address on its own, so
    one form's traffic from an address does not lock the other."""
    limits = _limits()
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
    results = [_hit(name, int(limit), window, now) for name, limit in checks]
    if not all(results):
        raise DomainValidationError.single("__all__", "rate_limited", _("提交过于频繁，请稍后再试。"))
