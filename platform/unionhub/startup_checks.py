"""Production settings that start-up enforces: with DEBUG off, settings refuse to load (ImproperlyConfigured,
naming the variable) while a secret is missing or still a value published in this repository.

Why: download links, joining and appraisal links and sessions are signed with DJANGO_SECRET_KEY, identity
numbers are looked up by an HMAC under UNIONHUB_PII_HMAC_KEY and stored encrypted under
UNIONHUB_PII_ENCRYPTION_KEYS. A key anyone can read in the repository (a development fallback, a placeholder of
docker-compose.yml or .env.example) would let them forge links to member lists or decrypt identity numbers.
Development (DJANGO_DEBUG=1) keeps its fallbacks. The test run generates random secrets per run (tests/settings.py),
so no secret a test uses is ever published.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# Every secret value this repository has ever published (settings fallbacks, compose and .env.example
# placeholders, the Dockerfile's build-time key, documentation examples). Compared case-insensitively.
KNOWN_PLACEHOLDERS = frozenset(
    value.casefold()
    for value in (
        "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production",
        "compose-dev-secret-change-me",
        "compose-dev-hmac-change-me",
        "compose-dev-encryption-keys-change-me",
        "compose-dev-change-me",
        "collectstatic-only",
        "unionhub-dev",
        "unionhub-dev-secret",
        "change-me",
        "changeme",
        "secret",
        "django-insecure",
    )
)
# Secrets shorter than this are refused too: a short key is guessable offline from one signed link.
MIN_SECRET_LENGTH = 32


def _placeholder(value: str) -> bool:
    folded = value.strip().casefold()
    return folded in KNOWN_PLACEHOLDERS or folded.startswith("django-insecure")


def _secret_problem(name: str, value: str | None) -> str | None:
    if not value or not value.strip():
        return f"{name} is not set"
    if _placeholder(value):
        return f"{name} is a placeholder published in the repository; generate a new secret"
    if len(value.strip()) < MIN_SECRET_LENGTH:
        return f"{name} is shorter than {MIN_SECRET_LENGTH} characters"
    return None


def _fernet_problem(name: str, raw: str | None) -> str | None:
    keys = [key.strip() for key in (raw or "").split(",") if key.strip()]
    if not keys:
        return f"{name} is not set (identity numbers would be encrypted under a key derived from DJANGO_SECRET_KEY)"
    from cryptography.fernet import Fernet

    for position, key in enumerate(keys, start=1):
        if _placeholder(key):
            return f"{name}: key {position} is a placeholder published in the repository"
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            return f"{name}: key {position} is not a Fernet key (32 url-safe base64-encoded bytes)"
    return None


def production_problems(env: Mapping[str, str]) -> list[str]:
    """What is wrong with the secrets in `env` for running with DEBUG off; empty when all is well."""
    problems = [
        _secret_problem("DJANGO_SECRET_KEY", env.get("DJANGO_SECRET_KEY")),
        _secret_problem("UNIONHUB_PII_HMAC_KEY", env.get("UNIONHUB_PII_HMAC_KEY")),
        _fernet_problem("UNIONHUB_PII_ENCRYPTION_KEYS", env.get("UNIONHUB_PII_ENCRYPTION_KEYS")),
    ]
    return [problem for problem in problems if problem]


def enforce_production_settings(env: Mapping[str, str], *, debug: bool) -> None:
    """Raise ImproperlyConfigured listing every problem when DEBUG is off (see production_problems)."""
    if debug:
        return
    problems = production_problems(env)
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start with DJANGO_DEBUG off: "
            + "; ".join(problems)
            + ". See .env.example and docs/security.md (production settings)."
        )
