"""The client address behind reverse proxies: UNIONHUB_TRUSTED_PROXY_COUNT from the environment decides how many
X-Forwarded-For entries (from the right) are trusted; the audit log and the joining rate limits use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.test import RequestFactory, override_settings

from audit.middleware import client_ip

ROOT = Path(__file__).resolve().parents[2]


def _request(forwarded: str | None = None):
    extra = {"REMOTE_ADDR": "10.0.0.5"}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def _setting_from_environment(value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "UNIONHUB_TRUSTED_PROXY_COUNT"}
    if value is not None:
        env["UNIONHUB_TRUSTED_PROXY_COUNT"] = value
    env["PYTHONPATH"] = os.pathsep.join(
        str(ROOT / p) for p in ("platform", "tenants", "graphql", "workers", ".")
    )
    env["DJANGO_SETTINGS_MODULE"] = "unionhub.settings"
    code = "from django.conf import settings; print(repr(settings.UNIONHUB_TRUSTED_PROXY_COUNT))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_proxy_count_is_read_from_the_environment_as_an_int_default_zero():
    assert _setting_from_environment(None) == "0"
    assert _setting_from_environment("2") == "2"


def test_without_trusted_proxies_a_forged_forwarded_header_is_ignored():
    with override_settings(UNIONHUB_TRUSTED_PROXY_COUNT=0):
        assert client_ip(_request("1.2.3.4")) == "10.0.0.5"


def test_behind_one_proxy_the_address_it_appended_is_the_client():
    with override_settings(UNIONHUB_TRUSTED_PROXY_COUNT=1):
        # The client forged "1.2.3.4"; the proxy appended the real address last.
        assert client_ip(_request("1.2.3.4, 203.0.113.7")) == "203.0.113.7"
        assert client_ip(_request()) == "10.0.0.5"  # no header: the connection's address
    with override_settings(UNIONHUB_TRUSTED_PROXY_COUNT=2):
        assert client_ip(_request("1.2.3.4, 203.0.113.7, 10.0.0.9")) == "203.0.113.7"
