"""The demo round: a published 100+3-point round with titles and funding; loading twice changes nothing."""

from __future__ import annotations


def test_demo_round_is_published_funded_and_idempotent(world):
    from assessment.demo import demo_assessment_load
    from assessment.models import FundingAllocation, Result, Round, RoundStatus, Standard

    unions = {world.alpha.slug: world.alpha, world.beta.slug: world.beta}
    assert demo_assessment_load(county=world.county, unions_by_slug=unions) == 1
    rnd = Round.objects.get(organiser=world.county, name__endswith="年度模范职工之家建设验收")
    assert rnd.status == RoundStatus.PUBLISHED and rnd.standard_id == world.standard.pk  # reuses the sheet
    results = list(Result.objects.filter(round=rnd).order_by("rank"))
    assert len(results) == 2 and all(r.reason for r in results)
    assert (
        sum(FundingAllocation.objects.filter(pool__round=rnd).values_list("amount_fen", flat=True))
        == 5_000_000
    )
    counts = (Round.objects.count(), Standard.objects.count(), Result.objects.count())
    assert demo_assessment_load(county=world.county, unions_by_slug=unions) == 0
    assert (Round.objects.count(), Standard.objects.count(), Result.objects.count()) == counts


def test_demo_shows_a_unit_holding_a_county_and_a_city_home_title(world):
    from assessment.demo import demo_assessment_load
    from assessment.models import Round, Title

    unions = {world.alpha.slug: world.alpha, world.beta.slug: world.beta}
    demo_assessment_load(county=world.county, unions_by_slug=unions, city_name="示范市总工会")
    rnd = Round.objects.get(organiser=world.county, name__endswith="年度模范职工之家建设验收")
    assert rnd.decision_number and rnd.notice_ends_on is not None
    held: dict[int, set[str]] = {}
    for union_id, level in Title.objects.filter(status="active", branch_id=0).values_list(
        "union_id", "awarding_level"
    ):
        held.setdefault(union_id, set()).add(level)
    assert {"county", "city"} in held.values()
