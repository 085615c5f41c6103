"""Real worker processes on a real Redis: schema propagation, and exactly-once fan-out across a worker crash.

Each test run uses its own queue and key prefix on a Redis database reserved for these tests, and purges its
keys afterwards, so parallel runs and other helpers' workers never see its messages.
"""

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
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from tests.workers import worker_tasks
from tests.workers.worker_tasks import MARK_PREFIX

pytestmark = pytest.mark.django_db(transaction=True)

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


@pytest.fixture
def unions(county):
    """make(n) -> n provisioned unions; their schemas are dropped afterwards (flush only empties public)."""
    from federations.services import union_provision
    from tests.factories import union_kwargs

    made = []

    def make(n):
        batch = [union_provision(parent_node=county, **union_kwargs()) for _ in range(n)]
        made.extend(batch)
        return batch

    yield make
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for union in made:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{union.schema_name}" CASCADE')


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def test_task_sent_inside_a_union_runs_in_that_unions_schema(workers, unions):
    from celery.result import AsyncResult

    from jobs.celery_app import app, enqueue_on_commit
    from organisation.models import Branch

    worker = workers("w1", concurrency=2, wait=False)  # starts while the unions are created
    a, b = unions(2)
    with tenant_context(a):
        Branch.objects.create(name="只在甲工会")
    workers.wait_ready(worker)

    with transaction.atomic():
        with tenant_context(a):
            id_a = enqueue_on_commit(worker_tasks.record_schema)
        with tenant_context(b):
            id_b = enqueue_on_commit(worker_tasks.record_schema)
        # Committed after leaving both unions: each task still runs where it was enqueued.

    assert AsyncResult(id_a, app=app).get(timeout=20) == {"schema": a.schema_name, "branches": ["只在甲工会"]}
    assert AsyncResult(id_b, app=app).get(timeout=20) == {"schema": b.schema_name, "branches": []}


def test_fanout_over_50_unions_survives_a_killed_worker(workers, unions):
    from operations.models import FanoutRun
    from operations.selectors import fanout_progress_counts
    from operations.services import fanout_resume, fanout_start
    from organisation.models import Branch

    started = time.monotonic()
    first = workers("w1", wait=False)  # starts while the unions are created
    all_unions = unions(50)
    provisioned = time.monotonic()
    workers.wait_ready(first)
    w1_ready = time.monotonic()

    run = fanout_start(
        job_name="test_mark_once", params={"sleep": 0.15}, jitter_seconds=1.0, lease_seconds=300
    )
    wait_for(lambda: fanout_progress_counts(run_id=run.pk)["done"] >= 10, 30, "10 unions done")
    workers.kill(first)  # SIGKILL, mid-run: claimed rows stay "running", prefetched messages stay unacked
    time.sleep(0.3)  # let PostgreSQL notice the dead connections and roll their transactions back
    at_kill = fanout_progress_counts(run_id=run.pk)
    assert 10 <= at_kill["done"] < 50, at_kill

    killed = time.monotonic()
    workers("w2")
    w2_ready = time.monotonic()
    # The dead worker's claims are not stale yet (lease 300 s): the operator says they are.
    left = fanout_resume(run_id=run.pk, stale_after_seconds=0)
    assert 0 < left <= 50 - at_kill["done"]
    wait_for(lambda: fanout_progress_counts(run_id=run.pk)["done"] == 50, 40, "all 50 unions done")
    finished = time.monotonic()

    counts = fanout_progress_counts(run_id=run.pk)
    assert counts == {
        "total": 50,
        "pending": 0,
        "running": 0,
        "stale": 0,
        "done": 50,
        "failed": 0,
        "finished": True,
    }
    wait_for(lambda: FanoutRun.objects.get(pk=run.pk).finished_at, 5, "the run to be stamped finished")
    # Each union's effect was applied exactly once: one mark per union, even for the unions that were being
    # worked on when the worker died (their transaction rolled back with the connection).
    for union in all_unions:
        with tenant_context(union):
            assert Branch.objects.filter(name__startswith=f"{MARK_PREFIX}{run.pk}-").count() == 1, union.slug
    print(
        f"\nprovision 50 unions {provisioned - started:.2f}s (w1 starting meanwhile), w1 ready +"
        f"{w1_ready - provisioned:.2f}s, until kill {killed - w1_ready:.2f}s, w2 start {w2_ready - killed:.2f}s, "
        f"resume to all done {finished - w2_ready:.2f}s; at kill: {at_kill}"
    )
