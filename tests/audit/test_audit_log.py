"""The audit log: what audit_record stores, that it shares the caller's transaction, and that the database
refuses to change or remove rows."""

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context, tenant_context

from .conftest import make_actor


def _record(**kwargs):
    from audit.services import audit_record

    return audit_record(**{"actor": None, "operation": "test.op", **kwargs})


def test_record_stores_actor_scope_and_request_context(tree):
    from audit.context import request_context
    from audit.models import AuditEntry

    actor = make_actor("admin-a", "federation_admin", node=tree.county_a)
    with request_context(request_id="req-0123456789", ip="10.1.2.3"):
        entry = _record(
            actor=actor,
            operation="unionUpdate",
            object_type="Union",
            object_id=tree.union_t.pk,
            changes={"name": {"before": "旧", "after": "新"}},
            union=tree.union_t,
        )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor_id, stored.actor_username) == (actor.user.pk, "admin-a")
    assert stored.tenant_schema == tree.union_t.schema_name
    assert stored.union_id == tree.union_t.pk and stored.node_id is None
    assert stored.scope_path == tree.township_t.path
    assert (stored.object_type, stored.object_id) == ("Union", str(tree.union_t.pk))
    assert stored.changes == {"name": {"before": "旧", "after": "新"}}
    assert (stored.request_id, stored.ip) == ("req-0123456789", "10.1.2.3")


def test_record_for_a_node_is_public_and_scoped_to_the_node(tree):
    entry = _record(operation="nodeUpdate", node=tree.township_t)
    assert entry.tenant_schema == "public"
    assert (entry.node_id, entry.union_id, entry.scope_path) == (
        tree.township_t.pk,
        None,
        tree.township_t.path,
    )
    assert entry.actor_id is None and entry.actor_username == "" and entry.request_id == ""


def test_record_inside_a_union_schema_picks_up_that_union(tree):
    with tenant_context(tree.union_t):
        by_tenant = _record(operation="member.reveal_id", object_type="Member", object_id=7)
    with schema_context(tree.union_b.schema_name):
        by_schema_name = _record(operation="member.update")
    assert (by_tenant.union_id, by_tenant.tenant_schema) == (tree.union_t.pk, tree.union_t.schema_name)
    assert by_tenant.scope_path == tree.township_t.path
    assert (by_schema_name.union_id, by_schema_name.scope_path) == (tree.union_b.pk, tree.county_b.path)


def test_rolled_back_change_leaves_no_audit_row(tree):
    from audit.models import AuditEntry
    from federations.services import union_update_profile

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            union_update_profile(union=tree.union_a, name="改名后的工会")
            _record(operation="unionUpdate", union=tree.union_a)
            raise RuntimeError("the mutation failed after the audit row was written")
    assert not AuditEntry.objects.filter(operation="unionUpdate").exists()
    with transaction.atomic():
        _record(operation="unionUpdate", union=tree.union_a)
    assert AuditEntry.objects.filter(operation="unionUpdate", union_id=tree.union_a.pk).count() == 1


@pytest.mark.django_db(transaction=True)
def test_committed_change_has_its_audit_row_on_another_connection(county):
    """A real commit (not the test's wrapping transaction); teardown then flushes, i.e. TRUNCATEs the table,
    which the test connection is allowed to do (settings set unionhub.audit_allow_truncate)."""
    import psycopg

    from federations.services import node_create

    with transaction.atomic():
        node = node_create(level="township", name="某镇工会", division_code="330122", parent=county)
        _record(operation="nodeCreate", node=node)
    params = connection.get_connection_params()
    with psycopg.connect(
        dbname=params["dbname"], user=params.get("user"), host=params.get("host"), port=params.get("port")
    ) as other:
        count = other.execute(
            "SELECT count(*) FROM public.audit_auditentry WHERE operation = 'nodeCreate' AND node_id = %s",
            [node.pk],
        ).fetchone()[0]
    assert count == 1


def _refused(action):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            action()


def test_orm_cannot_update_or_delete_entries(tree):
    from audit.models import AuditEntry

    entry = _record(operation="unionUpdate", union=tree.union_a)

    def save_changed():
        entry.operation = "tampered"
        entry.save()

    _refused(save_changed)
    _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(operation="tampered"))
    _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).delete())
    _refused(lambda: AuditEntry.objects.get(pk=entry.pk).delete())
    assert AuditEntry.objects.get(pk=entry.pk).operation == "unionUpdate"


def test_raw_sql_cannot_update_delete_or_truncate(tree):
    from audit.models import AuditEntry

    entry = _record(operation="unionUpdate", union=tree.union_a)

    def raw(sql, params=()):
        def run():
            with connection.cursor() as cursor:
                # Without the test-only session flag, as in production.
                cursor.execute("SET LOCAL unionhub.audit_allow_truncate = 'off'")
                cursor.execute(sql, params)

        return run

    _refused(raw("UPDATE audit_auditentry SET operation = 'tampered' WHERE id = %s", [entry.pk]))
    _refused(raw("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk]))
    _refused(raw("TRUNCATE audit_auditentry"))
    _refused(raw("TRUNCATE audit_auditentry CASCADE"))
    assert AuditEntry.objects.filter(pk=entry.pk, operation="unionUpdate").exists()


def test_changes_diff_masks_sensitive_fields():
    from audit.services import MASK, audit_changes

    before = {"name": "张三", "id_number": "11010519491231002X", "phone": "", "birth": date(1990, 3, 7)}
    after = {
        "name": "张三",
        "id_number": "110105194912310021",
        "phone": "13812345678",
        "birth": date(1990, 3, 8),
    }
    diff = audit_changes(before, after, sensitive=["id_number", "phone"])
    assert diff == {
        "birth": {"before": date(1990, 3, 7), "after": date(1990, 3, 8)},
        "id_number": {"before": MASK, "after": MASK},
        "phone": {"before": "", "after": MASK},
    }
    assert audit_changes({}, {"name": "新建"}) == {"name": {"before": None, "after": "新建"}}


def test_snapshot_and_diff_of_a_model_round_trip_through_the_table(tree):
    from audit.models import AuditEntry
    from audit.services import audit_changes, audit_snapshot
    from federations.services import union_update_profile

    fields = ["name", "staff_count", "founded_on", "parent_node"]
    before = audit_snapshot(tree.union_a, fields)
    union_update_profile(union=tree.union_a, staff_count=120, founded_on=date(2001, 5, 1))
    diff = audit_changes(before, audit_snapshot(tree.union_a, fields))
    entry = _record(operation="unionUpdate", union=tree.union_a, changes=diff)
    assert AuditEntry.objects.get(pk=entry.pk).changes == {
        "founded_on": {"before": None, "after": "2001-05-01"},
        "staff_count": {"before": 100, "after": 120},
    }
