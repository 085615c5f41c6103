"""bench/scale.py: the county the benchmarks and the load test run against holds what they rely on."""

import pytest
from django_tenants.utils import schema_context

from accounts.models import RoleGrant
from accounts.services import api_token_authenticate
from assessment.models import Result, Round, RoundStatus
from bench.scale import build_county
from drives.models import DriveTarget
from federations.models import FederationNode, Union, UnionStatus
from membership.facts import facts_count_union
from membership.models import Member
from modelworkers.models import ModelWorker
from organisation.models import Branch
from people.identity import id_decrypt, parse_identity_number
from rollup.models import LiveFact
from rollup.selectors import rollup_tree

UNIONS, MEMBERS = 3, 20


def _quiet(line: str) -> None:
    pass


def _live_facts(union) -> dict:
    return {
        (row.branch_id, row.indicator, row.period): row.value
        for row in LiveFact.objects.filter(union=union, indicator__in=_member_indicators())
        if row.value
    }


def _member_indicators() -> set[str]:
    from rollup import indicators

    return set(indicators.MEMBER_INDICATORS)


def test_build_county_writes_a_usable_county_and_reuses_it(db):
    county = build_county(UNIONS, MEMBERS, townships=2, name="测试规模县", union_admins=2, log=_quiet)

    node = FederationNode.objects.get(pk=county.county_id)
    assert node.level == "county"
    assert (
        sorted(FederationNode.objects.filter(parent=node).values_list("pk", flat=True)) == county.township_ids
    )
    unions = list(Union.objects.filter(pk__in=county.union_ids).order_by("pk"))
    assert [u.schema_name for u in unions] == county.schema_names
    assert all(u.status == UnionStatus.ACTIVE and u.node_path.startswith(node.path) for u in unions)
    assert {u.parent_node_id for u in unions} == set(county.township_ids)

    for union in unions:
        with schema_context(union.schema_name):
            assert Member.objects.filter(status="active").count() == MEMBERS
            assert Branch.objects.count() == 5
            assert Member.objects.exclude(branch=None).exists()
            for encrypted in Member.objects.values_list("id_number_encrypted", flat=True):
                parse_identity_number(id_decrypt(encrypted))  # valid GB 11643 numbers
            counted = {key: value for key, value in facts_count_union().items() if value}
        # The live facts the roll-up reads are exactly what a recount of the schema finds.
        assert _live_facts(union) == counted
    tree = rollup_tree(node=node, period=county.reporting_year, indicators=["members", "unions"])
    assert tree.values["members"] == UNIONS * MEMBERS
    assert tree.values["unions"] == UNIONS

    rnd = Round.objects.get(pk=county.round_id)
    assert rnd.status == RoundStatus.PUBLISHED
    assert set(Result.objects.filter(round=rnd).values_list("participant__union_id", flat=True)) == set(
        county.union_ids
    )
    assert DriveTarget.objects.filter(drive_id__in=county.drive_ids, union_id__in=county.union_ids).exists()
    assert county.model_workers == ModelWorker.objects.filter(awarding_node=node).count() >= 1

    assert (
        RoleGrant.objects.active()
        .filter(user__username=county.county_admin, role="federation_admin", node=node)
        .exists()
    )
    assert len(county.union_admins) == 2
    for index, username in enumerate(county.union_admins):
        assert (
            RoleGrant.objects.active()
            .filter(user__username=username, role="union_admin", union_id=county.union_ids[index])
            .exists()
        )
    for username in [county.county_admin, *county.union_admins]:
        token = api_token_authenticate(raw=county.tokens[username])
        assert token is not None and token.user.username == username
        assert token.user.check_password(county.password)

    again = build_county(UNIONS, MEMBERS, townships=2, name="测试规模县", union_admins=2, log=_quiet)
    assert not any(again.created.values()), again.created
    assert (again.county_id, again.union_ids, again.round_id, again.period_id, again.tokens) == (
        county.county_id,
        county.union_ids,
        county.round_id,
        county.period_id,
        county.tokens,
    )


def test_build_county_tops_up_an_interrupted_run(db, monkeypatch):
    import membership.bulk

    real_bulk_create = membership.bulk.members_bulk_create
    calls = []

    def stop_at_second_union(**kwargs):
        calls.append(kwargs["union"])
        if len(calls) == 2:
            raise KeyboardInterrupt  # the run is stopped while writing the second union's members
        return real_bulk_create(**kwargs)

    monkeypatch.setattr(membership.bulk, "members_bulk_create", stop_at_second_union)
    with pytest.raises(KeyboardInterrupt):
        build_county(2, 10, townships=1, name="续建规模县", union_admins=1, log=_quiet)
    assert not Round.objects.filter(organiser__name="续建规模县总工会").exists()
    monkeypatch.setattr(membership.bulk, "members_bulk_create", real_bulk_create)

    county = build_county(2, 10, townships=1, name="续建规模县", union_admins=1, log=_quiet)

    assert county.created["unions"] == 0 and county.created["members"] == 10 and county.created["rounds"] == 1
    for union in Union.objects.filter(pk__in=county.union_ids):
        with schema_context(union.schema_name):
            assert Member.objects.count() == 10
            counted = {key: value for key, value in facts_count_union().items() if value}
        assert _live_facts(union) == counted


def test_build_county_recounts_a_union_whose_facts_were_lost(db):
    from rollup import indicators

    county = build_county(1, 10, townships=1, name="补数规模县", union_admins=1, log=_quiet)
    union = Union.objects.get(pk=county.union_ids[0])
    LiveFact.objects.filter(union=union, indicator__in=indicators.MEMBER_INDICATORS).delete()

    again = build_county(1, 10, townships=1, name="补数规模县", union_admins=1, log=_quiet)

    assert again.created["recounts"] == 1 and again.created["members"] == 0
    with schema_context(union.schema_name):
        counted = {key: value for key, value in facts_count_union().items() if value}
    assert counted and _live_facts(union) == counted
