"""Production code carries no test switches: the production settings, loaded in a fresh interpreter that has
pytest imported (the old switches keyed on it), know no `testserver` host, no TRUNCATE flag and no fast hasher;
the host middleware has no host of its own beyond the settings' public hosts."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.test import Client, override_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import pytest, json; from django.conf import settings; print(json.dumps({"
    "'allowed': settings.ALLOWED_HOSTS, 'public': settings.UNIONHUB_PUBLIC_HOSTS, "
    "'options': settings.DATABASES['default']['OPTIONS'], 'hasher': settings.PASSWORD_HASHERS[0]}))"
)


def _production_settings() -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "unionhub.settings",
        "PYTHONPATH": str(REPO_ROOT / "platform"),
    }
    for name in ("UNIONHUB_EXTRA_PUBLIC_HOSTS", "DJANGO_ALLOWED_HOSTS", "UNIONHUB_REAL_HASHERS"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", PRINT], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_production_settings_have_no_test_switches_even_with_pytest_imported():
    production = _production_settings()
    assert "testserver" not in production["allowed"]
    assert "testserver" not in production["public"]
    assert "audit_allow_truncate" not in json.dumps(production["options"])
    assert production["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_the_test_settings_add_them(settings):
    # What the suite runs with (tests/settings.py), so the checks above compare against a real difference.
    assert "testserver" in settings.UNIONHUB_PUBLIC_HOSTS
    assert "audit_allow_truncate=on" in settings.DATABASES["default"]["OPTIONS"]["options"]


def test_testserver_is_unknown_to_the_middleware_unless_the_settings_list_it(db, settings):
    public = [host for host in settings.UNIONHUB_PUBLIC_HOSTS if host != "testserver"]
    with override_settings(UNIONHUB_PUBLIC_HOSTS=public):
        response = Client().get("/accounts/login/", HTTP_HOST="testserver")
    assert response.status_code == 404
    assert Client().get("/accounts/login/", HTTP_HOST="testserver").status_code == 200
