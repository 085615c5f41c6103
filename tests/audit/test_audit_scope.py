"""Who may read which audit entries: federation admins their subtree, union admins their union, no one else."""

from datetime import timedelta

import pytest
from django.utils import timezone

from .conftest import make_actor


@pytest.fixture
def entries(tree):
    from audit.services import audit_record

    made = {
        "county_a": audit_record(actor=None, operation="nodeUpdate", node=tree.county_a),
        "township_t": audit_record(actor=None, operation="nodeUpdate", node=tree.township_t),
        "union_t": audit_record(actor=None, operation="unionUpdate", union=tree.union_t),
        "union_a": audit_record(actor=None, operation="unionUpdate", union=tree.union_a),
        "county_b": audit_record(actor=None, operation="nodeUpdate", node=tree.county_b),
        "union_b": audit_record(actor=None, operation="unionUpdate", union=tree.union_b),
        "platform": audit_record(actor=None, operation="userCreate"),
    }
    return {entry.pk: name for name, entry in made.items()}


def visible(entries, actor, **narrow):
    from audit.selectors import audit_entries_visible

    return {entries[pk] for pk in audit_entries_visible(actor=actor, **narrow).values_list("pk", flat=True)}


def test_federation_admin_sees_its_subtree_only(tree, entries):
    county_admin = make_actor("county-a-admin", "federation_admin", node=tree.county_a)
    township_admin = make_actor("township-admin", "federation_admin", node=tree.township_t)
    assert visible(entries, county_admin) == {"county_a", "township_t", "union_t", "union_a"}
    assert visible(entries, township_admin) == {"township_t", "union_t"}


def test_union_admin_sees_its_union_only(tree, entries):
    union_admin = make_actor("union-t-admin", "union_admin", union=tree.union_t)
    assert visible(entries, union_admin) == {"union_t"}


def test_platform_admin_sees_everything(tree, entries):
    platform_admin = make_actor("root", "platform_admin")
    assert visible(entries, platform_admin) == set(entries.values())


@pytest.mark.parametrize(
    "role, where",
    [
        ("federation_staff", "county_a"),
        ("union_officer", "union_t"),
        ("branch_officer", "union_t"),
        (None, None),
    ],
)
def test_staff_officers_and_users_without_roles_see_nothing(tree, entries, role, where):
    target = {"node": getattr(tree, where)} if where == "county_a" else {}
    if where == "union_t":
        target = {"union": tree.union_t, "branch_id": 1 if role == "branch_officer" else None}
    actor = make_actor(f"user-{role}", role, **target)
    assert visible(entries, actor) == set()


def test_anonymous_sees_nothing(entries):
    from accounts.access import Actor

    assert visible(entries, Actor(user=None)) == set()


def test_narrowing_never_widens_the_scope(tree, entries):
    county_admin = make_actor("county-a-admin", "federation_admin", node=tree.county_a)
    assert visible(entries, county_admin, union=tree.union_t) == {"union_t"}
    assert visible(entries, county_admin, node=tree.township_t) == {"township_t", "union_t"}
    assert visible(entries, county_admin, union=tree.union_b) == set()
    assert visible(entries, county_admin, node=tree.county_b) == set()


def test_since_filters_by_time_newest_first(tree, entries):
    from audit.selectors import audit_entries_visible

    county_admin = make_actor("county-a-admin", "federation_admin", node=tree.county_a)
    assert visible(entries, county_admin, since=timezone.now() + timedelta(seconds=1)) == set()
    times = list(audit_entries_visible(actor=county_admin).values_list("created_at", flat=True))
    assert times == sorted(times, reverse=True) and len(times) == 4


def test_read_only_token_of_a_federation_admin_sees_nothing(tree, entries):
    """Reading the audit log needs the manage permission, which a read-scoped token never carries."""
    from accounts.access import actor_for

    admin = make_actor("county-a-admin", "federation_admin", node=tree.county_a)
    token_actor = actor_for(admin.user, token_scopes=frozenset({"read"}))
    assert visible(entries, token_actor) == set()
