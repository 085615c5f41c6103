"""Real processes for fault injection: a private redis-server (stopped and restarted by the tests), Celery
workers on it (tests/workers' fixture), a moto S3 server of our own."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.support.workers import _reset_app_connections, workers  # noqa: F401


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, *, up: bool, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                is_up = True
        except OSError:
            is_up = False
        if is_up == up:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"port {port} did not go {'up' if up else 'down'}")
        time.sleep(0.05)


class Server:
    """A server process that can be stopped and started again on the same port."""

    def __init__(self, command: list[str], port: int):
        self.command, self.port, self.process = command, port, None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self.process = subprocess.Popen(
            self.command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        wait_port(self.port, up=True)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_port(self.port, up=False)


@pytest.fixture
def redis_server():
    binary = shutil.which("redis-server") or str(
        Path(__file__).resolve().parents[2] / ".venv/bin/redis-server"
    )
    port = free_port()
    server = Server(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], port
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server, tmp_path, monkeypatch):
    """The Celery app pointed at the private Redis (and, for worker processes started by `workers`, the same
    broker and the test's file storage directory)."""
    from jobs.celery_app import app

    class Broker:
        url = f"redis://127.0.0.1:{redis_server.port}/0"
        queue = f"uh-reliability-{uuid.uuid4().hex[:8]}"
        prefix = ""

    media = tmp_path / "files"
    media.mkdir()
    monkeypatch.setenv("UNIONHUB_MEDIA_ROOT", str(media))
    Broker.media = media
    keys = (
        "broker_url",
        "result_backend",
        "task_default_queue",
        "task_always_eager",
        "broker_transport_options",
    )
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=Broker.url,
        result_backend=None,
        task_default_queue=Broker.queue,
        task_always_eager=False,
        broker_transport_options={},
    )
    _reset_app_connections(app)
    try:
        yield Broker
    finally:
        _reset_app_connections(app)
        app.conf.update(saved)


@pytest.fixture
def s3_server():
    binary = shutil.which("moto_server") or str(Path(__file__).resolve().parents[2] / ".venv/bin/moto_server")
    port = free_port()
    server = Server([binary, "-H", "127.0.0.1", "-p", str(port)], port)
    server.start()
    yield server
    server.stop()
