"""Roles are inherited down the federation tree and never leak sideways; revoked grants, read-only tokens and
inactive users are refused."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.access import AccessDenied, Actor, GrantView, Perm, access_node, access_union, actor_for
from accounts.models import Role
from federations.models import FederationNode, Union
from federations.services import node_create

from .helpers import actor_with, data_queries, grant, make_user, platform_admin_actor, union_row


@pytest.fixture
def tree(county):
    """county ─┬ township_a ─┬ station (service station) ── union_station
            │             └ union_a
            ├ township_b ── union_b
            └ union_county
    other_county ── union_other"""
    township_a = node_create(level="township", name="城关镇工会", division_code="330122", parent=county)
    township_b = node_create(level="street", name="东街街道工会", division_code="330122", parent=county)
    station = node_create(
        level="service_station", name="城关职工服务站", division_code="330122", parent=township_a
    )
    other_county = node_create(level="county", name="邻县总工会", division_code="330123")
    return SimpleNamespace(
        county=county,
        township_a=township_a,
        township_b=township_b,
        station=station,
        other_county=other_county,
        union_a=union_row(township_a),
        union_station=union_row(station),
        union_b=union_row(township_b),
        union_county=union_row(county),
        union_other=union_row(other_county),
    )


def visible_unions(actor, perm=Perm.UNION_VIEW):
    return set(Union.objects.filter(actor.union_filter(perm)).values_list("pk", flat=True))


def visible_nodes(actor, perm=Perm.NODE_VIEW):
    return set(FederationNode.objects.filter(actor.node_filter(perm)).values_list("pk", flat=True))


def pks(*objs):
    return {obj.pk for obj in objs}


def test_county_role_covers_townships_stations_and_every_union_below(tree):
    actor = actor_with(Role.FEDERATION_ADMIN, node=tree.county)

    for node in (tree.county, tree.township_a, tree.township_b, tree.station):
        assert actor.can_on_node(Perm.NODE_MANAGE, node)
    for union in (tree.union_a, tree.union_station, tree.union_b, tree.union_county):
        assert actor.can_on_union(Perm.MEMBER_MANAGE, union)
    assert visible_nodes(actor) == pks(tree.county, tree.township_a, tree.township_b, tree.station)
    assert visible_unions(actor) == pks(tree.union_a, tree.union_station, tree.union_b, tree.union_county)


def test_township_role_does_not_leak_to_parent_or_sibling_subtree(tree):
    actor = actor_with(Role.FEDERATION_STAFF, node=tree.township_a)

    assert actor.can_on_node(Perm.NODE_VIEW, tree.station)
    assert actor.can_on_union(Perm.UNION_INSPECT, tree.union_station)
    assert not actor.can_on_node(Perm.NODE_VIEW, tree.county)
    assert not actor.can_on_node(Perm.NODE_VIEW, tree.township_b)
    assert not actor.can_on_union(Perm.UNION_VIEW, tree.union_b)
    assert not actor.can_on_union(Perm.UNION_VIEW, tree.union_county)
    assert not actor.can_on_union(Perm.UNION_VIEW, tree.union_other)
    assert visible_nodes(actor) == pks(tree.township_a, tree.station)
    assert visible_unions(actor) == pks(tree.union_a, tree.union_station)
    # Staff inspect but do not manage.
    assert not actor.can_on_node(Perm.NODE_MANAGE, tree.township_a)
    assert not actor.can_on_union(Perm.MEMBER_MANAGE, tree.union_a)


def test_county_role_does_not_reach_another_county(tree):
    actor = actor_with(Role.FEDERATION_ADMIN, node=tree.county)
    assert not actor.can_on_node(Perm.NODE_VIEW, tree.other_county)
    assert not actor.can_on_union(Perm.UNION_VIEW, tree.union_other)
    with pytest.raises(AccessDenied):
        access_union(actor, tree.union_other.pk)
    with pytest.raises(AccessDenied):
        access_node(actor, tree.other_county.pk)


def test_path_prefix_needs_the_trailing_slash():
    # "/1/" must not cover "/10/" or "/12/": subtrees are matched on whole path segments.
    actor = Actor(
        user=SimpleNamespace(is_authenticated=True),
        grants=[GrantView("federation_admin", 1, "/1/", None, None, None)],
    )
    assert actor.can_on_node(Perm.NODE_VIEW, SimpleNamespace(path="/1/7/"))
    assert not actor.can_on_node(Perm.NODE_VIEW, SimpleNamespace(path="/10/"))
    assert not actor.can_on_union(Perm.UNION_VIEW, SimpleNamespace(pk=5, node_path="/12/3/"))


def test_union_role_covers_that_union_only(tree):
    actor = actor_with(Role.UNION_ADMIN, union=tree.union_a)

    assert actor.can_on_union(Perm.UNION_MANAGE, tree.union_a)
    assert not actor.can_on_union(Perm.UNION_VIEW, tree.union_station)  # a sibling under the same township
    assert not actor.can_on_union(Perm.UNION_VIEW, tree.union_b)
    assert not actor.can_on_node(Perm.NODE_VIEW, tree.township_a)  # nothing upward
    assert visible_unions(actor) == pks(tree.union_a)
    assert visible_nodes(actor) == set()
    assert access_union(actor, tree.union_a.pk, Perm.UNION_MANAGE) == tree.union_a
    with pytest.raises(AccessDenied):
        access_union(actor, tree.union_station.pk)


def test_branch_officer_sees_only_their_branches(tree):
    user = make_user()
    grant(user, Role.BRANCH_OFFICER, union=tree.union_a, branch_id=7)
    grant(user, Role.BRANCH_OFFICER, union=tree.union_a, branch_id=9)
    actor = actor_for(user)

    assert actor.can_on_union(Perm.MEMBER_VIEW, tree.union_a)
    assert not actor.can_on_union(Perm.MEMBER_MANAGE, tree.union_a)
    assert actor.branch_scope(Perm.MEMBER_VIEW, tree.union_a) == {7, 9}
    assert actor.branch_scope(Perm.MEMBER_VIEW, tree.union_b) == frozenset()
    # An officer of the whole union, or the county above, is not limited to branches.
    assert (
        actor_with(Role.UNION_OFFICER, union=tree.union_a).branch_scope(Perm.MEMBER_VIEW, tree.union_a)
        is None
    )
    county_staff = actor_with(Role.FEDERATION_STAFF, node=tree.county)
    assert county_staff.branch_scope(Perm.MEMBER_VIEW, tree.union_a) is None


def test_platform_admin_covers_everything(tree):
    actor = platform_admin_actor()
    assert actor.is_platform_admin
    assert actor.can_on_node(Perm.NODE_MANAGE, tree.other_county)
    assert actor.can_on_union(Perm.MEMBER_MANAGE, tree.union_other)
    assert visible_unions(actor) == set(Union.objects.values_list("pk", flat=True))
    assert visible_nodes(actor) == set(FederationNode.objects.values_list("pk", flat=True))


def test_revoked_grant_does_not_count(tree):
    user = make_user()
    revoked = grant(user, Role.FEDERATION_ADMIN, node=tree.county)
    revoked.revoked_at = timezone.now()
    revoked.save()
    grant(user, Role.UNION_OFFICER, union=tree.union_b)

    actor = actor_for(user)
    assert not actor.can_on_node(Perm.NODE_VIEW, tree.county)
    assert not actor.can_on_union(Perm.UNION_VIEW, tree.union_a)
    assert visible_unions(actor) == pks(tree.union_b)


def test_read_scoped_token_is_refused_write_permissions(tree):
    user = make_user()
    grant(user, Role.FEDERATION_ADMIN, node=tree.county)
    read_only = actor_for(user, token_scopes=frozenset({"read"}))

    assert read_only.can_on_node(Perm.NODE_VIEW, tree.township_a)
    assert read_only.can_on_union(Perm.MEMBER_VIEW, tree.union_a)
    for perm in (Perm.NODE_MANAGE, Perm.UNION_MANAGE, Perm.UNION_INSPECT, Perm.MEMBER_MANAGE):
        assert not read_only.can_on_union(perm, tree.union_a), perm
        assert visible_unions(read_only, perm) == set()
    assert not read_only.can_grant(Role.UNION_ADMIN, union=tree.union_a)
    with pytest.raises(AccessDenied):
        access_union(read_only, tree.union_a.pk, Perm.UNION_MANAGE)

    read_write = actor_for(user, token_scopes=frozenset({"read", "write"}))
    assert read_write.can_on_union(Perm.MEMBER_MANAGE, tree.union_a)
    nothing = actor_for(user, token_scopes=frozenset())
    assert not nothing.can_on_union(Perm.UNION_VIEW, tree.union_a)


def test_inactive_user_is_anonymous(tree):
    user = make_user()
    grant(user, Role.PLATFORM_ADMIN)
    user.is_active = False
    user.save()

    actor = actor_for(user)
    assert not actor.is_authenticated
    assert actor.user is None
    assert not actor.is_platform_admin
    assert not actor.can_on_union(Perm.UNION_VIEW, tree.union_a)
    assert visible_unions(actor) == set()


def test_anonymous_sees_nothing(tree):
    actor = actor_for(None)
    assert visible_nodes(actor) == set()
    assert visible_unions(actor) == set()
    with pytest.raises(AccessDenied):
        access_node(actor, tree.county.pk)


@pytest.mark.parametrize("bad_id", [None, "abc", "", True, 10**30, "1; drop table"])
def test_access_helpers_treat_bad_ids_as_not_found(tree, bad_id):
    actor = platform_admin_actor()
    with pytest.raises(AccessDenied):
        access_union(actor, bad_id)
    with pytest.raises(AccessDenied):
        access_node(actor, bad_id)


def test_actor_loads_grants_in_one_query(tree):
    user = make_user()
    grant(user, Role.FEDERATION_STAFF, node=tree.township_a)
    grant(user, Role.UNION_ADMIN, union=tree.union_b)
    grant(user, Role.UNION_ADMIN, union=tree.union_other)
    with CaptureQueriesContext(connection) as context:
        actor = actor_for(user)
        # Decisions after loading need no further queries.
        assert actor.can_on_union(Perm.UNION_VIEW, tree.union_station)
        assert actor.can_on_union(Perm.UNION_MANAGE, tree.union_other)
        assert not actor.can_on_union(Perm.UNION_VIEW, tree.union_county)
    assert len(data_queries(context)) == 1
