"""Celery tasks inherit the request id of the request that enqueued them."""

import uuid

import pytest

from audit.context import current_request_id, request_context
from jobs.celery_app import app


@app.task(name="tests.audit.echo_request_id")
def echo_request_id():
    return current_request_id()


def test_published_message_carries_the_request_id_header():
    """Real publish to Redis on a throw-away queue, then read the raw message back."""
    from audit.task_context import HEADER

    queue = f"audit-test-{uuid.uuid4().hex}"
    with app.connection_for_write() as conn:
        # Our own producer: other tests may have closed the app's shared producer pool.
        with request_context(request_id="req-publish-0001"), conn.Producer() as producer:
            app.send_task("tests.audit.echo_request_id", queue=queue, producer=producer)
        simple = conn.SimpleQueue(queue)
        try:
            message = simple.get(timeout=5)
            message.ack()
        finally:
            simple.queue.delete()
            simple.close()
    assert message.headers[HEADER] == "req-publish-0001"


def test_worker_binds_the_header_then_restores():
    from types import SimpleNamespace

    from celery.app.task import Context

    from audit.task_context import HEADER, bind_task_request_id, unbind_task_request_id

    task = SimpleNamespace(request=Context({HEADER: "req-from-header-01"}))
    bind_task_request_id(task_id="t-1", task=task)
    try:
        assert current_request_id() == "req-from-header-01"
    finally:
        unbind_task_request_id(task_id="t-1")
    assert current_request_id() == ""


@pytest.mark.parametrize("in_request", [True, False])
def test_eager_task_sees_the_callers_request_id_or_its_own_task_id(in_request):
    if in_request:
        with request_context(request_id="req-eager-000001"):
            result = echo_request_id.apply()
        assert result.get() == "req-eager-000001"
    else:
        result = echo_request_id.apply()
        assert result.get() == result.id
    assert current_request_id() == ""
