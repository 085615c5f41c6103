"""Deployment settings read from the environment, checked in a fresh interpreter (outside pytest's overrides)."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import json; from django.conf import settings; "
    "print(json.dumps([settings.PASSWORD_HASHERS[0], settings.SESSION_COOKIE_DOMAIN]))"
)


def settings_with(**env_overrides):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "unionhub.settings",
        "PYTHONPATH": str(REPO_ROOT / "platform"),
    }
    for name in ("UNIONHUB_REAL_HASHERS", "UNIONHUB_SESSION_COOKIE_DOMAIN"):
        env.pop(name, None)
    env.update(env_overrides)
    out = subprocess.run(
        [sys.executable, "-c", PRINT], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_production_hashes_with_argon2_and_keeps_sessions_per_host_by_default():
    # Tests swap in a fast hasher; outside pytest new passwords must be hashed with Argon2.
    assert settings_with() == ["django.contrib.auth.hashers.Argon2PasswordHasher", None]


def test_session_cookie_domain_comes_from_the_environment():
    hasher, domain = settings_with(UNIONHUB_SESSION_COOKIE_DOMAIN=" .gonghui.example.cn ")
    assert domain == ".gonghui.example.cn"
