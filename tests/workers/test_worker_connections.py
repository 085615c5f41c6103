"""A real worker keeps its database connection between tasks when CONN_MAX_AGE says so (Celery's Django fix-up
closes it around every task otherwise: a 1,000-union fan-out would open 1,000 connections)."""

import pytest

from tests.workers.connection_tasks import backend_pid

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=[("60", True), ("0", False)], ids=["conn_max_age_60", "conn_max_age_0"])
def conn_max_age(request, monkeypatch):
    """Set before `workers` reads the environment for its worker processes."""
    value, reused = request.param
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", value)
    return reused


@pytest.fixture
def worker(conn_max_age, workers):
    return workers("w1", concurrency=1, include="tests.workers.connection_tasks")


def test_one_connection_per_worker_process_with_conn_max_age(conn_max_age, worker):
    backends = [backend_pid.delay().get(timeout=20) for _ in range(3)]
    assert (len(set(backends)) == 1) is conn_max_age
