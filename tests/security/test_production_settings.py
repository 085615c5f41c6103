"""With DEBUG off, start-up refuses missing or published secrets (issue 14, finding 2): unionhub.startup_checks.

The subprocess cases load the production settings the way gunicorn and manage.py do, without the test secrets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from unionhub.startup_checks import KNOWN_PLACEHOLDERS, production_problems

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("DJANGO_SECRET_KEY", "UNIONHUB_PII_HMAC_KEY", "UNIONHUB_PII_ENCRYPTION_KEYS")
GOOD = {
    "DJANGO_SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "UNIONHUB_PII_HMAC_KEY": "h" * 20 + "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "UNIONHUB_PII_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}


def start(env_changes: dict[str, str | None]) -> subprocess.CompletedProcess:
    """Load the production settings in a fresh process, as gunicorn or manage.py would."""
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    env.update(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "unionhub.settings",
            "PYTHONPATH": str(ROOT / "platform"),
        }
    )
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    code = "import django; django.setup(); from django.conf import settings; print('started', bool(settings.SECRET_KEY))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_start_up_refuses_the_old_development_fallback():
    # Before: DJANGO_DEBUG=0 without DJANGO_SECRET_KEY silently signed everything with the key in the repository.
    result = start({**GOOD, "DJANGO_SECRET_KEY": None})
    assert result.returncode != 0 and "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY is not set" in result.stderr


def test_start_up_names_every_missing_secret_and_placeholder():
    result = start({"DJANGO_SECRET_KEY": "compose-dev-secret-change-me", "UNIONHUB_PII_HMAC_KEY": None})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is a placeholder" in result.stderr
    assert "UNIONHUB_PII_HMAC_KEY is not set" in result.stderr
    assert "UNIONHUB_PII_ENCRYPTION_KEYS is not set" in result.stderr


def test_the_test_run_uses_random_secrets(settings):
    # tests/settings.py draws them per run: nothing a test signs with is published anywhere.
    assert production_problems(dict(os.environ)) == []
    assert settings.SECRET_KEY == os.environ["DJANGO_SECRET_KEY"]
    assert settings.SECRET_KEY not in (ROOT / "tests" / "settings.py").read_text()


def test_real_secrets_start_and_development_needs_none():
    result = start(GOOD)
    assert result.returncode == 0, result.stderr
    assert "started True" in result.stdout
    result = start({"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is not set"),
        (
            {"DJANGO_SECRET_KEY": "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"},
            "DJANGO_SECRET_KEY is a placeholder",
        ),
        (
            {"DJANGO_SECRET_KEY": "django-insecure-abcdefghijklmnopqrstuvwxyz0123456789"},
            "DJANGO_SECRET_KEY is a placeholder",
        ),
        ({"DJANGO_SECRET_KEY": "short-but-random-9f8e"}, "DJANGO_SECRET_KEY is shorter than 32"),
        ({"UNIONHUB_PII_HMAC_KEY": "compose-dev-hmac-change-me"}, "UNIONHUB_PII_HMAC_KEY is a placeholder"),
        ({"UNIONHUB_PII_ENCRYPTION_KEYS": " , "}, "UNIONHUB_PII_ENCRYPTION_KEYS is not set"),
        ({"UNIONHUB_PII_ENCRYPTION_KEYS": "not-a-fernet-key"}, "key 1 is not a Fernet key"),
        (
            {
                "UNIONHUB_PII_ENCRYPTION_KEYS": f"{Fernet.generate_key().decode()},compose-dev-encryption-keys-change-me"
            },
            "key 2 is a placeholder",
        ),
    ],
)
def test_each_problem_is_named(changes, problem):
    problems = production_problems({**GOOD, **changes})
    assert len(problems) == 1 and problem in problems[0]
    assert production_problems(GOOD) == []


def test_compose_and_env_example_carry_no_usable_secret():
    """Every default the compose file or .env.example gives a secret is refused at start-up."""
    compose = (ROOT / "docker-compose.yml").read_text()
    defaults = dict(re.findall(r"\$\{(\w+):-([^}]*)\}", compose))
    assert set(SECRETS) <= defaults.keys()
    example = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=(.*)$", (ROOT / ".env.example").read_text(), re.M)
    for name, value in [*defaults.items(), *example]:
        if name in SECRETS:
            assert production_problems({**GOOD, name: value.strip()}), (name, value)
    # The values this repository used to ship are on the list.
    assert {
        "compose-dev-secret-change-me",
        "compose-dev-hmac-change-me",
        "collectstatic-only",
    } <= KNOWN_PLACEHOLDERS
