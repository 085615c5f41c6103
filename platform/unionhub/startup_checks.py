"""Production settings that start-up enforces: with DEBUG off, settings refuse to load (ImproperlyConfigured,
naming the variable) while a secret is missing or still a value published in this repository.

Why: download links, joining and appraisal links and sessions are signed with DJANGO_SECRET_KEY, identity
numbers are looked up by an HMAC under UNIONHUB_PII_HMAC_KEY and stored encrypted under
UNIONHUB_PII_ENCRYPTION_KEYS. A key anyone can read in the repository (a development fallback, a placeholder of
docker-compose.yml or .env.example) would let them forge links to member lists or decrypt identity numbers.
Development (DJANGO_DEBUG=1) keeps its fallbacks. Tests read theirs from tests/settings.env (settings.py); those
values are refused too, except inside pytest's process tree (pytest itself, and the servers a test starts, which
inherit PYTEST_CURRENT_TEST).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

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
TEST_ENV_FILE = Path(__file__).resolve().parents[2] / "tests" / "settings.env"


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments and blank lines skipped); {} when the file is absent."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.lstrip().startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


@cache
def _test_values() -> frozenset[str]:
    values = set()
    for value in read_env_file(TEST_ENV_FILE).values():
        values.update(part.strip().casefold() for part in value.split(",") if part.strip())
    return frozenset(values)


def _placeholder(value: str, testing: bool) -> bool:
    folded = value.strip().casefold()
    if folded in KNOWN_PLACEHOLDERS or folded.startswith("django-insecure"):
        return True
    return not testing and folded in _test_values()


def _secret_problem(name: str, value: str | None, testing: bool) -> str | None:
    if not value or not value.strip():
        return f"{name} is not set"
    if _placeholder(value, testing):
        return f"{name} is a placeholder published in the repository; generate a new secret"
    if len(value.strip()) < MIN_SECRET_LENGTH:
        return f"{name} is shorter than {MIN_SECRET_LENGTH} characters"
    return None


def _fernet_problem(name: str, raw: str | None, testing: bool) -> str | None:
    keys = [key.strip() for key in (raw or "").split(",") if key.strip()]
    if not keys:
        return f"{name} is not set (identity numbers would be encrypted under a key derived from DJANGO_SECRET_KEY)"
    from cryptography.fernet import Fernet

    for position, key in enumerate(keys, start=1):
        if _placeholder(key, testing):
            return f"{name}: key {position} is a placeholder published in the repository"
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            return f"{name}: key {position} is not a Fernet key (32 url-safe base64-encoded bytes)"
    return None


def production_problems(env: Mapping[str, str], *, testing: bool = False) -> list[str]:
    """What is wrong with the secrets in `env` for running with DEBUG off; empty when all is well."""
    problems = [
        _secret_problem("DJANGO_SECRET_KEY", env.get("DJANGO_SECRET_KEY"), testing),
        _secret_problem("UNIONHUB_PII_HMAC_KEY", env.get("UNIONHUB_PII_HMAC_KEY"), testing),
        _fernet_problem("UNIONHUB_PII_ENCRYPTION_KEYS", env.get("UNIONHUB_PII_ENCRYPTION_KEYS"), testing),
    ]
    return [problem for problem in problems if problem]


def enforce_production_settings(env: Mapping[str, str], *, debug: bool, testing: bool = False) -> None:
    """Raise ImproperlyConfigured listing every problem when DEBUG is off (see production_problems)."""
    if debug:
        return
    problems = production_problems(env, testing=testing)
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start with DJANGO_DEBUG off: "
            + "; ".join(problems)
            + ". See .env.example and docs/security.md (production settings)."
        )
