"""A county with a township, three unions (one with a branch) under it, a union in another county, a published
Fujian-style 100+3 standard and an open round; plus the people who act on them."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.factories import union_kwargs
from tests.support.users import make_user


@pytest.fixture(autouse=True)
def _public_schema_after():
    yield
    connection.set_schema_to_public()


def set_members(union, count: int) -> None:
    """Set the union's live member count (the numerator of 入会率) without creating members."""
    from rollup.facts import facts_replace

    facts_replace(union=union, indicators=["members"], facts={(0, "members", ""): count})


def publish_fujian(issuer, *, code="fj-model-home", actor=None):
    from assessment.services.standards import standard_create, standard_publish
    from assessment.sheets import fujian_home_standard

    standard = standard_create(issuer=issuer, content=fujian_home_standard(code=code), actor=actor)
    return standard_publish(standard=standard, actor=actor, at=timezone.now())


@pytest.fixture
def world(db):
    from assessment.services.rounds import UnitRef, round_open
    from federations.services import node_create, union_provision
    from organisation.models import Branch

    county = node_create(level="county", name="考核县总工会", division_code="330122")
    town = node_create(level="township", name="考核镇工会", division_code="330122", parent=county)
    alpha = union_provision(parent_node=town, **union_kwargs(name="华锐机械厂工会", staff_count=100))
    beta = union_provision(parent_node=county, **union_kwargs(name="鼎盛纺织厂工会", staff_count=200))
    far_county = node_create(level="county", name="邻县总工会", division_code="330127")
    stranger = union_provision(parent_node=far_county, **union_kwargs(name="邻县食品厂工会"))
    with schema_context(alpha.schema_name):
        branch = Branch.objects.create(name="一车间分会", is_small_home=True)
    fed_admin = make_user("county_admin", "federation_admin", node=county)
    standard = publish_fujian(county, actor=fed_admin)
    now = timezone.now()
    rnd = round_open(
        organiser=county,
        standard=standard,
        name="2026年度模范职工之家验收",
        self_assessment_due=now + timedelta(days=10),
        appraisal_due=now + timedelta(days=10),
        inspection_due=now + timedelta(days=20),
        units=[UnitRef(alpha), UnitRef(beta), UnitRef(alpha, branch.pk)],
        actor=fed_admin,
    )
    set_members(alpha, 95)
    set_members(beta, 190)
    return SimpleNamespace(
        county=county,
        town=town,
        far_county=far_county,
        alpha=alpha,
        beta=beta,
        stranger=stranger,
        branch=branch,
        standard=standard,
        round=rnd,
        now=now,
        fed_admin=fed_admin,
        inspector=make_user("county_staff", "federation_staff", node=county),
        town_inspector=make_user("town_staff", "federation_staff", node=town),
        alpha_admin=make_user("alpha_admin", "union_admin", union=alpha),
        beta_admin=make_user("beta_admin", "union_admin", union=beta),
        stranger_admin=make_user("stranger_admin", "union_admin", union=stranger),
        far_admin=make_user("far_admin", "federation_admin", node=far_county),
        no_role=make_user("no_role"),
    )


@pytest.fixture
def participants(world):
    from assessment.models import RoundParticipant

    rows = {(p.union_id, p.branch_id): p for p in RoundParticipant.objects.filter(round=world.round)}
    return SimpleNamespace(
        alpha=rows[(world.alpha.pk, 0)],
        beta=rows[(world.beta.pk, 0)],
        branch=rows[(world.alpha.pk, world.branch.pk)],
    )


DECISION_NUMBER = "考核县工发〔2026〕8号"


def complete_inspection(rnd, *, at) -> None:
    """What an inspector does before 公示: every item not yet scored gets the self score accepted (or 0 when the
    unit claimed none), and every participant's staff count is confirmed."""
    from assessment.models import InspectionScore, RoundParticipant, StandardItem
    from assessment.services.inspection import inspection_scores_set, participant_staff_count_verify

    codes = list(StandardItem.objects.filter(standard_id=rnd.standard_id).values_list("code", flat=True))
    for participant in RoundParticipant.objects.filter(round=rnd).order_by("id"):
        done = set(
            InspectionScore.objects.filter(participant=participant).values_list("item__code", flat=True)
        )
        todo = [code for code in codes if code not in done]
        if todo:
            inspection_scores_set(
                participant=participant,
                scores={code: 0 for code in todo if code not in participant.self_scores},
                accept_self=[code for code in todo if code in participant.self_scores],
                actor=None,
                at=at,
            )
        participant_staff_count_verify(participant=participant, actor=None, at=at)


def to_notice(rnd, *, at):
    """Inspect completely, score and post the results for a 公示 that ended yesterday."""
    from assessment.services.results import round_notice_open, round_score

    complete_inspection(rnd, at=at)
    round_score(round=rnd, actor=None, at=at)
    today = timezone.localdate(at)
    return round_notice_open(
        round=rnd, starts_on=today - timedelta(days=7), ends_on=today - timedelta(days=1), actor=None, at=at
    )


def publish_round(rnd, *, at):
    """The whole path to publication: complete inspection, score, 公示, publish under a decision number."""
    from assessment.services.results import round_publish

    to_notice(rnd, at=at)
    return round_publish(round=rnd, decision_number=DECISION_NUMBER, actor=None, at=at)
