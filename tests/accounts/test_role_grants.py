"""role_grant_create / role_grant_revoke: who may grant what, where; scope errors; idempotency; viewer_roles."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.access import AccessDenied, Perm, actor_for
from accounts.models import Role, RoleGrant
from accounts.selectors import viewer_roles
from accounts.services import role_grant_create, role_grant_revoke
from federations.services import node_create, union_provision
from tests.factories import union_kwargs
from unionhub.errors import DomainValidationError

from .helpers import actor_with, data_queries, grant, make_user, platform_admin_actor, union_row


@pytest.fixture
def township(county):
    return node_create(level="township", name="城关镇工会", division_code="330122", parent=county)


@pytest.fixture
def other_county(db):
    return node_create(level="county", name="邻县总工会", division_code="330123")


def field_codes(exc_info) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in exc_info.value.errors}


def test_platform_admin_grants_federation_admin(county):
    admin = platform_admin_actor()
    user = make_user()

    created = role_grant_create(actor=admin, user=user, role=Role.FEDERATION_ADMIN, node=county)

    assert created.granted_by == admin.user
    assert actor_for(user).can_on_node(Perm.NODE_MANAGE, county)


def test_federation_admin_grants_within_subtree_only(county, township, other_county):
    county_admin = actor_with(Role.FEDERATION_ADMIN, node=county)
    user = make_user()

    role_grant_create(actor=county_admin, user=user, role=Role.FEDERATION_STAFF, node=township)
    role_grant_create(actor=county_admin, user=user, role=Role.UNION_ADMIN, union=union_row(township))
    with pytest.raises(AccessDenied):
        role_grant_create(actor=county_admin, user=user, role=Role.FEDERATION_STAFF, node=other_county)
    with pytest.raises(AccessDenied):
        role_grant_create(actor=county_admin, user=user, role=Role.UNION_ADMIN, union=union_row(other_county))
    with pytest.raises(AccessDenied):
        role_grant_create(actor=county_admin, user=user, role=Role.PLATFORM_ADMIN)
    assert RoleGrant.objects.filter(user=user).count() == 2


def test_township_admin_cannot_grant_on_the_county_above(county, township):
    township_admin = actor_with(Role.FEDERATION_ADMIN, node=township)
    with pytest.raises(AccessDenied):
        role_grant_create(actor=township_admin, user=make_user(), role=Role.FEDERATION_ADMIN, node=county)


def test_federation_staff_cannot_grant(county):
    staff = actor_with(Role.FEDERATION_STAFF, node=county)
    with pytest.raises(AccessDenied):
        role_grant_create(actor=staff, user=make_user(), role=Role.FEDERATION_STAFF, node=county)


def test_union_admin_grants_officers_in_own_union_only(county):
    union, other_union = union_row(county), union_row(county)
    union_admin = actor_with(Role.UNION_ADMIN, union=union)
    user = make_user()

    role_grant_create(actor=union_admin, user=user, role=Role.UNION_OFFICER, union=union)
    assert actor_for(user).can_on_union(Perm.MEMBER_MANAGE, union)
    with pytest.raises(AccessDenied):  # a union admin does not make other union admins
        role_grant_create(actor=union_admin, user=user, role=Role.UNION_ADMIN, union=union)
    with pytest.raises(AccessDenied):
        role_grant_create(actor=union_admin, user=user, role=Role.UNION_OFFICER, union=other_union)
    officer = actor_for(user)
    with pytest.raises(AccessDenied):  # officers cannot grant at all
        role_grant_create(actor=officer, user=make_user(), role=Role.UNION_OFFICER, union=union)


def test_read_only_token_cannot_grant(county):
    user = make_user()
    grant(user, Role.PLATFORM_ADMIN)
    read_only = actor_for(user, token_scopes=frozenset({"read"}))
    with pytest.raises(AccessDenied):
        role_grant_create(actor=read_only, user=make_user(), role=Role.FEDERATION_STAFF, node=county)


@pytest.mark.parametrize(
    "role, target, expected",
    [
        (Role.FEDERATION_ADMIN, {"union": "union"}, {("node", "required"), ("union", "not_allowed")}),
        (Role.FEDERATION_STAFF, {}, {("node", "required")}),
        (Role.UNION_OFFICER, {"node": "county"}, {("union", "required"), ("node", "not_allowed")}),
        (Role.UNION_ADMIN, {"union": "union", "branch_id": 3}, {("branch_id", "not_allowed")}),
        (Role.BRANCH_OFFICER, {"union": "union"}, {("branch_id", "required")}),
        (Role.PLATFORM_ADMIN, {"node": "county"}, {("node", "not_allowed")}),
        ("chairman", {"node": "county"}, {("role", "invalid_role")}),
    ],
)
def test_wrong_scope_for_role_is_a_field_error(county, role, target, expected):
    union = union_row(county)
    objects = {"county": county, "union": union}
    kwargs = {key: objects.get(value, value) for key, value in target.items()}
    user = make_user()

    with pytest.raises(DomainValidationError) as exc_info:
        role_grant_create(actor=platform_admin_actor(), user=user, role=role, **kwargs)

    assert field_codes(exc_info) == expected
    assert all(e.message for e in exc_info.value.errors)
    assert not RoleGrant.objects.filter(user=user).exists()


def test_grant_is_idempotent_and_regrantable_after_revoke(county):
    admin = platform_admin_actor()
    user = make_user()

    first = role_grant_create(actor=admin, user=user, role=Role.FEDERATION_STAFF, node=county)
    again = role_grant_create(actor=admin, user=user, role=Role.FEDERATION_STAFF, node=county)
    assert again.pk == first.pk
    assert RoleGrant.objects.filter(user=user).count() == 1

    role_grant_revoke(actor=admin, grant=first)
    assert first.revoked_at is not None
    assert not actor_for(user).can_on_node(Perm.NODE_VIEW, county)

    renewed = role_grant_create(actor=admin, user=user, role=Role.FEDERATION_STAFF, node=county)
    assert renewed.pk != first.pk
    assert actor_for(user).can_on_node(Perm.NODE_VIEW, county)


def test_revoke_needs_the_same_authority_and_is_idempotent(county, other_county):
    user = make_user()
    target = grant(user, Role.FEDERATION_STAFF, node=county)
    outsider = actor_with(Role.FEDERATION_ADMIN, node=other_county)

    with pytest.raises(AccessDenied):
        role_grant_revoke(actor=outsider, grant=target)
    target.refresh_from_db()
    assert target.revoked_at is None

    county_admin = actor_with(Role.FEDERATION_ADMIN, node=county)
    role_grant_revoke(actor=county_admin, grant=target)
    first_time = target.revoked_at
    role_grant_revoke(actor=county_admin, grant=target)
    target.refresh_from_db()
    assert target.revoked_at == first_time is not None


def test_inactive_user_cannot_receive_a_role(county):
    user = make_user(is_active=False)
    with pytest.raises(DomainValidationError) as exc_info:
        role_grant_create(actor=platform_admin_actor(), user=user, role=Role.FEDERATION_STAFF, node=county)
    assert field_codes(exc_info) == {("user", "inactive")}


def test_branch_officer_needs_a_branch_of_that_union(county):
    from organisation.models import Branch

    union = union_provision(parent_node=county, **union_kwargs())
    with schema_context(union.schema_name):
        branch = Branch.objects.create(name="一车间分会")
    union_admin = actor_with(Role.UNION_ADMIN, union=union)
    user = make_user()

    with pytest.raises(DomainValidationError) as exc_info:
        role_grant_create(
            actor=union_admin, user=user, role=Role.BRANCH_OFFICER, union=union, branch_id=branch.pk + 1000
        )
    assert field_codes(exc_info) == {("branch_id", "not_found")}

    role_grant_create(
        actor=union_admin, user=user, role=Role.BRANCH_OFFICER, union=union, branch_id=branch.pk
    )
    assert actor_for(user).branch_scope(Perm.MEMBER_VIEW, union) == {branch.pk}
    assert connection.schema_name == "public"  # the branch check left the union's schema


def test_viewer_roles_names_nodes_and_unions_in_one_query(county, township):
    user = make_user()
    union_a, union_b = union_row(township, name="甲厂工会"), union_row(county, name="乙厂工会")
    grant(user, Role.FEDERATION_STAFF, node=township)
    grant(user, Role.UNION_ADMIN, union=union_a)
    grant(user, Role.UNION_OFFICER, union=union_b)
    revoked = grant(user, Role.FEDERATION_ADMIN, node=county)
    role_grant_revoke(actor=platform_admin_actor(), grant=revoked)
    grant(make_user(), Role.UNION_ADMIN, union=union_b)  # someone else's
    actor = actor_for(user)

    with CaptureQueriesContext(connection) as context:
        rows = [(g.role, g.node.name if g.node else g.union.name) for g in viewer_roles(actor)]

    assert len(data_queries(context)) == 1
    assert sorted(rows) == sorted(
        [("federation_staff", "城关镇工会"), ("union_admin", "甲厂工会"), ("union_officer", "乙厂工会")]
    )
    assert list(viewer_roles(actor_for(None))) == []
