"""Real Celery worker processes on a real Redis for tests: the broker fixture (its own queue and key prefix on a
Redis database reserved for these tests, purged afterwards) and `workers`, which starts worker processes."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DB = 13  # reserved for these tests
WORKER_READY_TIMEOUT = 30


class Broker:
    def __init__(self):
        token = uuid.uuid4().hex[:12]
        self.url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
        self.queue = f"uh-test-{token}"
        self.prefix = f"uh-test-{token}:"


def _reset_app_connections(app):
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.__dict__.pop("amqp", None)
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def broker():
    from jobs.celery_app import app

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}")
    b = Broker()
    keys = (
        "broker_url",
        "result_backend",
        "task_default_queue",
        "broker_transport_options",
        "result_backend_transport_options",
        "task_always_eager",
    )
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=b.url,
        result_backend=b.url,
        task_default_queue=b.queue,
        broker_transport_options={"global_keyprefix": b.prefix},
        result_backend_transport_options={"global_keyprefix": b.prefix},
        task_always_eager=False,
    )
    _reset_app_connections(app)
    try:
        yield b
    finally:
        _reset_app_connections(app)
        app.conf.update(saved)
        leftover = list(client.scan_iter(match=f"{b.prefix}*", count=1000))
        if leftover:
            client.delete(*leftover)
        client.close()


def _database_url(db: dict) -> str:
    """The test database as a URL for the worker process; a socket folder (embedded PostgreSQL) goes in ?host=."""
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):
        return f"postgres://{user}{password}@/{db['NAME']}?host={quote(host, safe='')}"
    return f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def workers(broker, tmp_path):
    """start(name) -> a worker process on this test's queue and test database; all killed at the end."""
    started: list[subprocess.Popen] = []
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(db),
        "CELERY_BROKER_URL": broker.url,
        "CELERY_RESULT_BACKEND": broker.url,
        "CELERY_TASK_DEFAULT_QUEUE": broker.queue,
        "CELERY_REDIS_KEY_PREFIX": broker.prefix,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_SKIP_CHECKS": "1",  # Django system checks at worker start: covered by the test suite
        "PYTHONPATH": os.pathsep.join(
            str(REPO / p) for p in ("platform", "tenants", "graphql", "workers", ".")
        ),
    }
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]

    def start(name: str, concurrency: int = 4, wait: bool = True, include: str = "") -> subprocess.Popen:
        """`include`: more modules for the worker to import (comma-separated), e.g. a test's fault hooks."""
        log_path = tmp_path / f"{name}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "jobs.celery_app",
                    "worker",
                    "-Q",
                    broker.queue,
                    "-n",
                    f"{name}-{broker.queue}@%h",
                    "-c",
                    str(concurrency),
                    "-P",
                    "prefork",
                    "-I",
                    ",".join(filter(None, ["tests.workers.worker_tasks", include])),
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel",
                    "INFO",
                ],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: killpg takes the pool children too
            )
        proc.log_path, proc.worker_name = log_path, name
        started.append(proc)
        if wait:
            wait_ready(proc)
        return proc

    def wait_ready(proc: subprocess.Popen) -> None:
        deadline = time.monotonic() + WORKER_READY_TIMEOUT
        while b" ready." not in proc.log_path.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker {proc.worker_name} did not start:\n{proc.log_path.read_text()[-3000:]}")
            time.sleep(0.1)

    start.wait_ready = wait_ready
    start.kill = _kill
    try:
        yield start
    finally:
        for proc in started:
            _kill(proc)


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=10)


def wait_for(predicate, timeout: float = 30, what: str = "condition"):
    """Poll `predicate` until it returns something truthy (returned) or `timeout` seconds pass (test fails)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
