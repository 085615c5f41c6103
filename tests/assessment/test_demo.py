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
