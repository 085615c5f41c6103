"""Tenant isolation, proven by difference: every GraphQL operation and argument combination that reaches the victim
union when its own admin (or the platform admin) sends it returns none of the victim's data, writes nothing and
answers the same whatever the victim's figures are, when an outsider sends it.

The operations come from walking the schema (tests/support/isolation.py and differential.py), so new queries and
mutations are walked without editing this file; one the insiders cannot reach fails
`test_every_walked_call_reaches_the_victim_as_an_insider` until the world or a hint makes it reachable.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.db import connection, transaction
from django.test import Client

from tests.isolation import access_helpers, differential
from tests.isolation.differential import UNREACHABLE, id_type, post, reached, rolled_back
from tests.isolation.world import build_world
from tests.support.isolation import root_field_names

# What the prober itself legitimately writes while walking, left out of the fingerprints (everything else in every
# schema is compared):
# - django_session: the prober's own login session (force_login); no operation writes anyone's session, and session
#   rows carry no user column to narrow on;
# - audit_auditentry rows whose actor is the prober (a refused attempt may be recorded against its author);
# - the read-token prober's own token row (its last_used_at moves on every call).
SESSION_TABLE = "django_session"


def _fingerprints(prober_id: int | None, token_id: int | None) -> dict[str, tuple]:
    """count and md5 of every table in every schema (public, every union's), minus the prober's own rows above."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'
            ORDER BY 1, 2
            """
        )
        tables = cursor.fetchall()
        parts, names = [], []
        for schema, table in tables:
            if table == SESSION_TABLE:
                continue
            where = ""
            if table == "audit_auditentry":
                where = (
                    f" WHERE t.actor_id IS DISTINCT FROM {int(prober_id)}"
                    if prober_id
                    else " WHERE t.actor_id IS NOT NULL"
                )
            elif table == "accounts_apitoken" and token_id:
                where = f" WHERE t.id <> {int(token_id)}"
            names.append(f"{schema}.{table}")
            parts.append(
                f"SELECT count(*)::text || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{schema}"."{table}" t{where}'
            )
        # One statement for all tables: cheaper than one round trip each.
        cursor.execute("SELECT ARRAY[" + ", ".join(f"({p})" for p in parts) + "]")
        values = cursor.fetchone()[0]
    return dict(zip(names, values, strict=True))


def _schema():
    from api.schema import schema

    return schema.graphql_schema


def _victim_by_type(world) -> dict[str, str]:
    by_type = {}
    for global_id in world["victim_ids"]:
        by_type.setdefault(id_type(global_id), global_id)
    return by_type


def _calibrate(world, cases) -> None:
    """Send every case as the insiders, each call rolled back; note where it reached the victim and which access
    helpers it went through."""
    victim_by_type = _victim_by_type(world)
    helpers = access_helpers.access_helpers()
    touched: set[str] = set()
    granted: set[str] = set()
    clients = {}
    stranger = Client()
    stranger.force_login(world["probers"]["no_role"][0])
    for user, _ in world["insiders"]:
        if user.pk not in clients:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
    with pytest.MonkeyPatch.context() as monkeypatch:
        for helper in helpers:
            access_helpers.wrap_helper(
                monkeypatch, helper, access_helpers.recording(helper, touched, granted)
            )
        for case in cases:
            variables = case.variables_for(victim_by_type, victim_by_type)
            for user, host in world["insiders"]:
                if host in case.reach_hosts:
                    continue  # one insider reaching the victim on a host is enough
                touched.clear()
                granted.clear()
                with rolled_back():
                    body, text = post(clients[user.pk], host, case.document, variables)
                case.insider_answer += f" | {host}: {text[:200]}"

                def stranger_text(host=host, case=case, variables=variables):
                    return post(stranger, host, case.document, variables)[1]

                if reached(case, body, text, world["victim_strings"], granted, stranger_text):
                    case.reach_hosts += (host,)
                    case.helpers |= frozenset(touched)
                    codes = differential.error_codes(case, body)
                    if codes:
                        case.insider_codes[host] = codes
    world["helpers"] = helpers


@pytest.fixture(scope="module")
def _world_once(django_db_setup, django_db_blocker):
    """The world and the calibrated cases, built once for this module inside a transaction rolled back at its end.
    Each test runs in its own savepoint within it (pytest-django's `db`, see `world`)."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        cases, defects = differential.build_cases(_schema(), world)
        _calibrate(world, cases)
        world["cases"], world["defects"] = cases, defects
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(_world_once, db):
    return _world_once


def _variant_group(case) -> str:
    """The argument a case varies: its id slot, its filter, or "" for the plain call."""
    variant = case.variant
    if variant.startswith("id "):
        return "id " + variant[3:].split("=", 1)[0]
    if variant.startswith("filter "):
        return "filter " + variant[7:].split("=", 1)[0]
    return variant


def test_every_walked_call_reaches_the_victim_as_an_insider(world):
    """The walk's own soundness: each operation, each id slot and each filter it sends reaches the victim when an
    insider sends it (a call that reaches nothing for anyone proves nothing about outsiders)."""
    groups = defaultdict(list)
    for case in world["cases"]:
        groups[(case.kind, case.field, _variant_group(case))].append(case)
    missing = list(world["defects"])
    for (kind, field, group), cases in sorted(groups.items()):
        if any(case.reach_hosts for case in cases):
            continue
        if f"{field} [{group}]" in UNREACHABLE:
            continue
        sample = cases[0]
        missing.append(
            f"{kind} {field} [{group}]: no insider reached the victim with {sample.variables} "
            f"(last answer {sample.insider_answer}); give it a value "
            f"(VALUE_HINTS / FILTER_HINTS / ID_TYPES) or a victim object, or list '{field} [{group}]' in "
            "differential.UNREACHABLE with the reason"
        )
    reached_fields = {case.field for case in world["cases"] if case.reach_hosts}
    unreachable_operations = {name for name in UNREACHABLE if " [" not in name}
    for name in sorted(root_field_names(_schema()) - reached_fields - unreachable_operations):
        missing.append(f"{name}: no call of it reached the victim as an insider")
    assert not missing, "\n".join(missing)


def _prober_client(world, prober_name):
    user, secret, _, _ = world["probers"][prober_name]
    client = Client()
    extra = {}
    if secret:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    elif user is not None:
        client.force_login(user)
    return client, extra


def _walk(world, prober_name, cases, client_and_extra) -> tuple[list[str], dict[tuple, str]]:
    """Send `cases` as the prober: on the host where an insider reached the victim, and for cases carrying a victim
    id also on the prober's own union host. Returns (leaks by string, answers by (case, host))."""
    user, secret, own_host, own_ids = world["probers"][prober_name]
    client, extra = client_and_extra
    victim_by_type = _victim_by_type(world)
    leaks, answers = [], {}
    for case in cases:
        hosts = list(case.reach_hosts) + ([own_host] if own_host and case.victim_id else [])
        variables = case.variables_for(own_ids, victim_by_type)
        for host in hosts:
            body, text = post(client, host, case.document, variables, **extra)
            answers[(case.label, host)] = text
            if (
                case.insider_codes.get(host)
                and differential.error_codes(case, body) == case.insider_codes[host]
            ):
                leaks.append(
                    f"{case.label} on {host} got past the access check like the insider: {text[:300]}"
                )
            for secret_text in world["victim_strings"]:
                if secret_text in text:
                    leaks.append(f"{case.label} on {host} returned {secret_text!r}: {text[:300]}")
                    break
    return leaks, answers


def _prober_ids(world, prober_name):
    user, secret, _, _ = world["probers"][prober_name]
    return (user.pk if user else None), (world["read_token_id"] if secret else None)


def _change_victim(world) -> None:
    """Move the victim's figures: two more members, a bigger staff count."""
    from django.db.models import F

    from federations.models import Union
    from membership.services import member_create

    union = world["victim_union"]
    for _ in range(2):
        member_create(union=union, **world["victim_member_kwargs"](name="受害者新会员"))
    Union.objects.filter(pk=union.pk).update(staff_count=F("staff_count") + 37)


def _reached_cases(world):
    return [case for case in world["cases"] if case.reach_hosts]


@pytest.mark.parametrize(
    "prober_name", ["other_union_admin", "other_federation_admin", "read_token", "no_role", "anonymous"]
)
def test_no_operation_reaches_another_union(world, prober_name):
    cases = _reached_cases(world)
    queries = [case for case in cases if case.kind == "query"]
    mutations = [case for case in cases if case.kind == "mutation"]
    prober_ids = _prober_ids(world, prober_name)
    client = _prober_client(world, prober_name)  # logged in before the fingerprints: login moves last_login

    def walk_writing_nothing(batch):
        before = _fingerprints(*prober_ids)
        leaks, answers = _walk(world, prober_name, batch, client)
        after = _fingerprints(*prober_ids)
        assert not leaks, "\n".join(leaks)
        changed = sorted(name for name in before if before[name] != after.get(name))
        assert not changed, f"{prober_name} changed data it must not touch: {changed}"
        return answers

    # Each call twice with the victim's figures moved in between (queries first, so that they never see the
    # prober's own audit entries of refused mutations).
    first = walk_writing_nothing(queries)
    _change_victim(world)
    second = walk_writing_nothing(queries)
    first.update(walk_writing_nothing(mutations))
    _change_victim(world)
    second.update(walk_writing_nothing(mutations))
    moved = [
        f"{label} on {host}: {first[(label, host)][:200]} then {second[(label, host)][:200]}"
        for (label, host) in first
        if first[(label, host)] != second[(label, host)]
    ]
    assert not moved, "answers moved with the victim's figures:\n" + "\n".join(moved)

    walked = {case.field for case in cases}
    assert walked == {case.field for case in world["cases"] if case.reach_hosts}
    unreachable_operations = {name for name in UNREACHABLE if " [" not in name}
    missing = root_field_names(_schema()) - walked - unreachable_operations
    assert not missing, f"operations neither walked nor listed as unreachable: {sorted(missing)}"


def _helper_families():
    return sorted({helper.family for helper in access_helpers.access_helpers()})


# Access helpers no GraphQL operation calls, each with why (a control cannot take away what nothing uses).
UNEXERCISED_HELPERS: dict[str, str] = {
    "accounts.access.access_role_grant": "grants are revoked in the Django admin only; no GraphQL operation",
    "modelworkers.selectors.can_manage_node": "not called by any operation (the registry decides per batch)",
    "reporting.selectors.can_submit_for": "not called by any operation (submission checks go through unit_for)",
}


# Families whose every walked call is refused first by another family's check for every outsider the walk has, so
# taking them away alone leaks nothing to it (their control is skipped, visibly, with the reason).
SHIELDED_FAMILIES: dict[str, str] = {
    "recruitment.selectors": "applications are fetched on the union's host only, behind GraphQLContext.union_visible "
    "(whose control bites); only someone with a role on the victim union gets that far",
    "selfassessment.selectors": "a union's self-assessment is answered on its own host only, behind "
    "GraphQLContext.union_visible (api.selfassessment.types.participant_for / evidence_for)",
}


def test_every_access_helper_is_exercised_by_the_walk(world):
    touched = set().union(*(case.helpers for case in _reached_cases(world)))
    untouched = [
        helper.label
        for helper in world["helpers"]
        if helper.label not in touched and helper.label not in UNEXERCISED_HELPERS
    ]
    assert not untouched, f"no walked call goes through these access helpers: {untouched}"


@pytest.mark.parametrize("family", _helper_families())
def test_the_walk_fails_when_one_access_check_is_taken_away(world, family, monkeypatch):
    """Control: with one family of access checks (Actor's decisions, a module of fetch-and-authorise helpers)
    deciding as if everyone were the platform admin, the outsider walk over the calls that went through it as an
    insider reports a leak or a write."""
    helpers = [helper for helper in world["helpers"] if helper.family == family]
    labels = {helper.label for helper in helpers}
    cases = [case for case in _reached_cases(world) if labels & case.helpers]
    if not cases:
        assert labels <= set(UNEXERCISED_HELPERS), f"{family} is never exercised by the walk"
        return
    if family in SHIELDED_FAMILIES:
        pytest.skip(SHIELDED_FAMILIES[family])
    for helper in helpers:
        access_helpers.wrap_helper(
            monkeypatch, helper, access_helpers.without_check(helper, world["platform_admin"])
        )
    prober_ids = _prober_ids(world, "other_federation_admin")
    client = _prober_client(world, "other_federation_admin")
    before = _fingerprints(*prober_ids)
    leaks, _ = _walk(world, "other_federation_admin", cases, client)
    after = _fingerprints(*prober_ids)
    changed = [name for name in before if before[name] != after.get(name)]
    assert leaks or changed, (
        f"without {family} the walk saw no leak and no write in {[c.label for c in cases]}"
    )


def test_the_numeric_comparison_sees_figures_move(world, monkeypatch):
    """Control for the double run: with Actor's checks taken away, outsider query answers change when the victim's
    members and staff count move (so identical answers above mean the victim's figures were not reached)."""
    helpers = [helper for helper in world["helpers"] if helper.family == "Actor"]
    for helper in helpers:
        access_helpers.wrap_helper(
            monkeypatch, helper, access_helpers.without_check(helper, world["platform_admin"])
        )
    cases = [
        case
        for case in _reached_cases(world)
        if case.kind == "query" and "Actor.union_filter" in case.helpers
    ]
    client = _prober_client(world, "other_federation_admin")
    _, first = _walk(world, "other_federation_admin", cases, client)
    _change_victim(world)
    _, second = _walk(world, "other_federation_admin", cases, client)
    moved = [key for key in first if first[key] != second[key]]
    assert moved, "no outsider answer moved with the victim's figures"
