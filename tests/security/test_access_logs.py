"""Access logs never print identity numbers, phones or download tokens (issue 14, finding 6).

Real servers, started as deployed: runserver (development) and gunicorn with infra/gunicorn.conf.py (Dockerfile,
docker-compose.yml). Each gets a GraphQL GET whose query string carries an identity number and a phone, and a
download link; every line either server writes (stdout and stderr: access lines and Django's own loggers) is read.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from files.keys import tenant_file_key
from files.selectors import SENT_OUTSIDE, file_download_url

ROOT = Path(__file__).resolve().parents[2]
ID_NUMBER = "330122199001011234"
PHONE = "13812345678"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _serve_and_collect(command: list[str], port: int, paths: list[str]) -> str:
    env = {**os.environ, "DJANGO_DEBUG": "0", "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    env.pop("PYTHONPATH", None)
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _get(port, "/healthz")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stdout.read().decode(errors="replace")) from None
                time.sleep(0.3)
        for path in paths:
            _get(port, path)
        time.sleep(1.0)  # let the access lines be written
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
    return output.decode(errors="replace")


def _paths() -> tuple[list[str], str]:
    query = f'{{ members(search: "{ID_NUMBER}") {{ totalCount }} }} # {PHONE}'
    link = file_download_url(
        key=tenant_file_key("u_probe", "exports", [1], "会员.xlsx", unguessable=True), user=SENT_OUTSIDE
    )
    token = link.removeprefix("/files/download/").strip("/")
    # Encoded, and with the digits as a browser may leave them (only spaces and quotes encoded).
    loose = quote(query, safe="{}():#")
    return [f"/graphql/?query={quote(query)}", f"/graphql/?query={loose}", link], token


def _assert_clean(output: str, token: str) -> None:
    assert "/graphql/" in output and "/files/download/" in output, output[-3000:]  # the lines were captured
    for secret in (ID_NUMBER, PHONE, token, quote(ID_NUMBER), "query="):
        assert secret not in output, f"{secret!r} in the log:\n{output[-3000:]}"


@pytest.mark.django_db
def test_runserver_access_lines_show_the_path_only():
    port = _free_port()
    paths, token = _paths()
    command = [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"]
    _assert_clean(_serve_and_collect(command, port, paths), token)


@pytest.mark.django_db
def test_gunicorn_with_the_project_config_shows_the_path_only():
    port = _free_port()
    paths, token = _paths()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [
        gunicorn,
        "unionhub.wsgi:application",
        "-c",
        "infra/gunicorn.conf.py",
        "--pythonpath",
        "platform,tenants,graphql,workers",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
    ]
    _assert_clean(_serve_and_collect(command, port, paths), token)


def test_redaction_of_request_lines():
    from audit.logs import access_request_line, redact

    line = f"GET /graphql/?query=%7Bmembers(search:%22{ID_NUMBER}%22)%7D HTTP/1.1"
    assert access_request_line(line) == "GET /graphql/ HTTP/1.1"
    assert (
        access_request_line("GET /files/download/abc:def/ HTTP/1.1")
        == "GET /files/download/<redacted>/ HTTP/1.1"
    )
    assert redact("Forbidden: /files/download/eyJrIjoi:sig/") == "Forbidden: /files/download/<redacted>/"
