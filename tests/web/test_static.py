"""Static files are served by the app itself (WhiteNoise) when DEBUG is off, as under gunicorn in production."""

from __future__ import annotations

from django.core.management import call_command
from django.test import Client, override_settings


def test_collected_static_files_are_served_without_debug(tmp_path, settings):
    settings.DEBUG = False
    with override_settings(STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)
        # A new client builds a new handler, so WhiteNoise indexes the freshly collected folder.
        response = Client().get("/static/admin/css/base.css", HTTP_HOST="testserver")
    assert response.status_code == 200
    assert b"body" in b"".join(response.streaming_content)
