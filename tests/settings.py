"""Test settings: the production settings (platform/unionhub/settings.py) plus the switches only the test suite
may have. pytest uses this module (pyproject.toml: DJANGO_SETTINGS_MODULE); scripts, workers, gunicorn and the
benchmarks keep `unionhub.settings`, which carries none of them (tests/platform/test_test_switches.py)."""

import sys
from pathlib import Path

_platform = str(Path(__file__).resolve().parents[1] / "platform")
if _platform not in sys.path:  # a subprocess given only the repository root on its path
    sys.path.insert(0, _platform)

# Secrets: production settings refuse to start without them (unionhub.startup_checks). Random for each test run,
# so no value a test uses is published; exported, so servers a test starts share them (the same HMAC key).
import os  # noqa: E402
import secrets  # noqa: E402

from cryptography.fernet import Fernet  # noqa: E402

os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("UNIONHUB_PII_HMAC_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("UNIONHUB_PII_ENCRYPTION_KEYS", Fernet.generate_key().decode())

from unionhub.settings import *  # noqa: E402, F403
from unionhub.settings import (  # noqa: E402
    ALLOWED_HOSTS,
    DATABASES,
    PASSWORD_HASHERS,
    UNIONHUB_GRAPHQL,
    UNIONHUB_PUBLIC_HOSTS,
    env_bool,
)

# Django's test client sends Host: testserver; here it is one more public host (the federations' site).
UNIONHUB_PUBLIC_HOSTS = [*UNIONHUB_PUBLIC_HOSTS, "testserver"]
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]

# Test flushes (TransactionTestCase) TRUNCATE every table; only sessions with this flag get past the TRUNCATE
# guards of the audit log and the model-worker history (their migrations 0002). Tests of the guards turn it off
# for their statement (tests/audit/test_audit_log.py, tests/modelworkers/test_history_guard.py).
_db_options = DATABASES["default"]["OPTIONS"]
_db_options["options"] = f"{_db_options.get('options', '')} -c unionhub.audit_allow_truncate=on".strip()

if not env_bool("UNIONHUB_REAL_HASHERS"):
    # Tests create many users; the production hasher is proven in tests that set UNIONHUB_REAL_HASHERS.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# The isolation walk sends hundreds of anonymous requests from one address; tests/security/test_graphql_limits.py
# proves the anonymous rate limit with its own setting.
UNIONHUB_GRAPHQL = {**UNIONHUB_GRAPHQL, "ANONYMOUS_RATE_PER_ADDRESS": 0}
