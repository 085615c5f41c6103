"""Members and branches for the walk-based audit test (tests/audit/test_mutation_audit.py)."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tests.support.members import member_kwargs


def membership_audit_objects(union) -> list[str]:
    """On `union`: a branch with a member (update, status change, dues, reveal act on it) and an empty leaf
    branch (branchDelete can succeed on it). Returns their global ids."""
    from api.core.ids import to_tenant_global_id
    from membership.services import member_create
    from organisation.services import branch_create

    with schema_context(union.schema_name):
        branch = branch_create(name="审计一分会")
        empty = branch_create(name="审计空小组", kind="group")
    member = member_create(union=union, **member_kwargs(branch=branch.pk, join_date="2020-01-01"))
    return [
        to_tenant_global_id("Branch", union.pk, branch.pk),
        to_tenant_global_id("Branch", union.pk, empty.pk),
        to_tenant_global_id("Member", union.pk, member.pk),
    ]
