"""Broker down during a mutation: the mutation succeeds, its task waits in the outbox and is sent (and run by a
real worker) once the broker is back. Without the outbox the send after commit raised into the request (a 500
after the data was committed) and the task was lost: the union stayed "provisioning" for ever."""

from __future__ import annotations

import time

import pytest
from graphql_relay import to_global_id

from accounts.models import Role
from federations.models import Union, UnionStatus
from operations.models import TaskOutbox
from operations.outbox import outbox_sweep
from tests.factories import union_kwargs
from tests.support.graphql import client_for, grant, make_user
from tests.support.workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

PROVISION = """mutation($input: UnionProvisionInput!) {
  unionProvision(input: $input) { errors { field code message } union { slug status } } }"""


@pytest.fixture
def admin(county):
    user = make_user(full_name="县总工会管理员")
    grant(user, Role.FEDERATION_ADMIN, node=county)
    return user


def provision_input(county) -> dict:
    values = union_kwargs()
    return {
        "parentNode": to_global_id("FederationNode", county.pk),
        "slug": values["slug"],
        "name": values["name"],
        "creditCode": values["credit_code"],
        "unitType": values["unit_type"],
        "ownershipType": values["ownership_type"],
    }


@pytest.fixture
def drop_schemas():
    yield
    from django.db import connection

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for schema in Union.objects.values_list("schema_name", flat=True):
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_mutation_succeeds_with_the_broker_down_and_the_task_runs_when_it_is_back(
    county, admin, broker, redis_server, workers, drop_schemas
):
    redis_server.stop()
    started = time.monotonic()
    data = client_for(admin).run(PROVISION, {"input": provision_input(county)})["unionProvision"]
    seconds = time.monotonic() - started
    assert data["errors"] == [] and data["union"]["status"] == "PROVISIONING", data
    assert seconds < 5, f"the mutation waited {seconds:.1f}s for the broker"
    union = Union.objects.get(slug=data["union"]["slug"])
    (record,) = TaskOutbox.objects.all()
    assert record.task_name == "jobs.provisioning.union_schema_create_task" and record.args == [union.pk]

    # Still down: the sweep keeps the row and records why.
    assert outbox_sweep(grace_seconds=0) == 0
    record.refresh_from_db()
    assert record.attempts == 1 and record.last_error

    redis_server.start()
    workers("reliability")
    assert outbox_sweep(grace_seconds=0) == 1
    assert not TaskOutbox.objects.exists()
    wait_for(lambda: Union.objects.get(pk=union.pk).status == UnionStatus.ACTIVE, what="the schema task")
    # Sent once: a second sweep has nothing to do.
    assert outbox_sweep(grace_seconds=0) == 0


def test_with_the_broker_up_the_outbox_row_goes_as_soon_as_the_task_is_sent(
    county, admin, broker, workers, drop_schemas
):
    workers("reliability")
    data = client_for(admin).run(PROVISION, {"input": provision_input(county)})["unionProvision"]
    assert data["errors"] == []
    assert not TaskOutbox.objects.exists()
    union = Union.objects.get(slug=data["union"]["slug"])
    wait_for(lambda: Union.objects.get(pk=union.pk).status == UnionStatus.ACTIVE, what="the schema task")


def test_a_rolled_back_transaction_leaves_no_outbox_row_and_sends_nothing(county, broker, redis_server):
    from django.db import transaction

    from jobs.celery_app import enqueue_on_commit
    from jobs.provisioning import union_schema_create_task

    redis_server.stop()  # if anything were sent, this would fail loudly
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(union_schema_create_task, 1)
        assert TaskOutbox.objects.count() == 1
        raise RuntimeError("rolled back")
    assert not TaskOutbox.objects.exists()


def test_outside_a_transaction_a_broker_failure_reaches_the_caller(broker, redis_server, db):
    from kombu.exceptions import OperationalError

    from jobs.celery_app import enqueue_on_commit
    from jobs.provisioning import union_schema_create_task

    redis_server.stop()
    # Workers call this outside transactions (fan-out dispatch): the task fails and is retried by Celery.
    with pytest.raises(OperationalError):
        enqueue_on_commit(union_schema_create_task, 1)
    assert not TaskOutbox.objects.exists()
