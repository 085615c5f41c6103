"""The model-worker history's database guard (migration 0002) as production runs it: without the test-only
`unionhub.audit_allow_truncate` flag (tests/settings.py sets it for test flushes; production settings never do,
tests/platform/test_test_switches.py), no UPDATE, DELETE or TRUNCATE gets through, whoever sends it."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from modelworkers.models import ModelWorkerStatusChange, Revocation, RevocationDocument
from modelworkers.services import revocation_propose

GUARDED = [ModelWorkerStatusChange, Revocation, RevocationDocument]


def _without_test_flag(sql: str, params=()):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            # The test's own inserts leave deferred FK checks pending, which would block TRUNCATE for that reason.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL unionhub.audit_allow_truncate = 'off'")
            cursor.execute(sql, params)


def _flag() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('unionhub.audit_allow_truncate', true)")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("model", GUARDED, ids=lambda model: model.__name__)
def test_truncate_is_refused_without_the_test_flag(world, register, model):
    worker = register(awarded_on=date(2024, 4, 28))
    revocation_propose(worker=worker, grounds=["fraud"])
    before = model.objects.count()
    assert _flag() == "on"  # the test session's flag, turned off for the statement below only

    _without_test_flag(f"TRUNCATE {model._meta.db_table} CASCADE")

    assert model.objects.count() == before


def test_history_rows_cannot_be_rewritten_or_deleted_by_raw_sql_without_the_test_flag(world, register):
    worker = register(awarded_on=date(2024, 4, 28))
    row = ModelWorkerStatusChange.objects.get(worker=worker)
    table = ModelWorkerStatusChange._meta.db_table

    _without_test_flag(f"UPDATE {table} SET reason = 'tampered' WHERE id = %s", [row.pk])
    _without_test_flag(f"DELETE FROM {table} WHERE id = %s", [row.pk])

    assert ModelWorkerStatusChange.objects.get(pk=row.pk).reason == row.reason


def test_the_flag_is_what_lets_a_test_flush_through(db):
    """Control: the guard above is the flag's doing, not a TRUNCATE failing for some other reason."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL unionhub.audit_allow_truncate = 'on'")
            cursor.execute(f"TRUNCATE {ModelWorkerStatusChange._meta.db_table} CASCADE")
        transaction.set_rollback(True)
