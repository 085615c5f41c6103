import pytest


@pytest.fixture
def eager():
    """Run tasks in-process (demo mode) for this test."""
    from jobs.celery_app import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def make_unions(county):
    from federations.services import union_provision
    from tests.factories import union_kwargs

    def make(n):
        return [union_provision(parent_node=county, **union_kwargs()) for _ in range(n)]

    return make


# The broker and worker-process fixtures (shared with tests/reliability).
from tests.support.workers import broker, workers  # noqa: E402, F401
