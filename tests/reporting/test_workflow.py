"""The submission workflow: union -> township -> county -> higher-level union, reviews, logic checks with
explanations, and the immutable trail."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from accounts.access import AccessDenied, actor_for
from reporting.models import CheckExplanation, SubmissionEvent, SubmissionStatus
from reporting.selectors import access_submission_for_review, reviewer_of
from reporting.services import (
    ExplanationSpec,
    check_failures_explain,
    submission_accept,
    submission_return,
    submission_submit,
)
from unionhub.errors import DomainValidationError

pytestmark = pytest.mark.django_db


def codes(exc) -> set[str]:
    return {error.code for error in exc.value.errors}


def test_reviewers_follow_the_chain(world):
    assert reviewer_of(world.u1)[0] == world.town
    assert reviewer_of(world.u3)[0] == world.street
    assert reviewer_of(world.u4)[0] == world.county  # directly under the county
    assert reviewer_of(world.town)[0] == world.county
    assert reviewer_of(world.county) == (None, "示范市总工会")


def test_full_chain_up_to_the_county(world):
    for union, admin in ((world.u1, world.u1_admin), (world.u2, world.u2_admin)):
        submission = submission_submit(period=world.period, unit=union, user=admin)
        assert submission.status == SubmissionStatus.SUBMITTED and submission.reviewer_node == world.town
        reviewable = access_submission_for_review(actor_for(world.town_admin), submission.pk)
        submission_accept(submission=reviewable, user=world.town_admin, comment="数据无误")
    town = submission_submit(period=world.period, unit=world.town, user=world.town_admin)
    assert town.reviewer_node == world.county

    # The county cannot go up while the street, its hospital and the union directly below are not accepted.
    with pytest.raises(DomainValidationError) as exc:
        submission_submit(period=world.period, unit=world.county)
    assert codes(exc) == {"units_pending"}

    submission_accept(submission=town, user=world.county_admin)
    for union in (world.u3,):
        submission_accept(
            submission=submission_submit(period=world.period, unit=union), user=world.street_admin
        )
    submission_accept(
        submission=submission_submit(period=world.period, unit=world.street), user=world.county_admin
    )
    submission_accept(
        submission=submission_submit(period=world.period, unit=world.u4), user=world.county_admin
    )

    county = submission_submit(period=world.period, unit=world.county, user=world.county_admin)
    assert county.status == SubmissionStatus.SUBMITTED
    assert county.reviewer_node is None and county.reviewer_name == "示范市总工会"
    # The external recipient reviews outside the platform: nobody here may accept it.
    with pytest.raises(AccessDenied):
        access_submission_for_review(actor_for(world.county_admin), county.pk)


def test_illegal_transitions_are_refused(world):
    submission = submission_submit(period=world.period, unit=world.u1)
    with pytest.raises(DomainValidationError) as exc:
        submission_submit(period=world.period, unit=world.u1)
    assert codes(exc) == {"already_submitted"}

    with pytest.raises(DomainValidationError) as exc:
        submission_return(submission=submission, comment="  ")
    assert codes(exc) == {"required"}

    returned = submission_return(submission=submission, user=world.town_admin, comment="女会员数与花名册不符")
    assert returned.status == SubmissionStatus.RETURNED and returned.review_comment == "女会员数与花名册不符"
    with pytest.raises(DomainValidationError) as exc:
        submission_accept(submission=returned)
    assert codes(exc) == {"not_submitted"}

    again = submission_submit(period=world.period, unit=world.u1)
    assert again.pk == submission.pk and again.rounds == 2 and again.review_comment == ""
    accepted = submission_accept(submission=again)
    with pytest.raises(DomainValidationError) as exc:
        submission_submit(period=world.period, unit=world.u1)
    assert codes(exc) == {"already_accepted"}

    # An accepted report may be returned until the township has submitted its own report upwards.
    submission_accept(submission=submission_submit(period=world.period, unit=world.u2))
    submission_submit(period=world.period, unit=world.town)
    with pytest.raises(DomainValidationError) as exc:
        submission_return(submission=accepted, comment="再核对一次")
    assert codes(exc) == {"reviewer_submitted"}

    actions = list(
        SubmissionEvent.objects.filter(submission=submission).values_list(
            "action", "from_status", "to_status"
        )
    )
    assert actions == [
        ("submit", "", "submitted"),
        ("return", "submitted", "returned"),
        ("submit", "returned", "submitted"),
        ("accept", "submitted", "accepted"),
    ]


def test_units_outside_the_period_or_chain_are_refused(world):
    from federations.services import node_create, union_provision
    from tests.factories import union_kwargs

    outsider = union_provision(parent_node=world.other_county, **union_kwargs(name="邻县化工厂工会"))
    with pytest.raises(DomainValidationError) as exc:
        submission_submit(period=world.period, unit=outsider)
    assert codes(exc) == {"outside_period"}
    station = node_create(
        level="service_station", name="城关服务站", division_code="330122", parent=world.town
    )
    with pytest.raises(DomainValidationError) as exc:
        submission_submit(period=world.period, unit=station)
    assert codes(exc) == {"not_reporting_unit"}


def test_a_township_cannot_review_outside_its_subtree(world):
    hospital = submission_submit(period=world.period, unit=world.u3)  # reviewed by the street
    with pytest.raises(AccessDenied):
        access_submission_for_review(actor_for(world.town_admin), hospital.pk)
    with pytest.raises(AccessDenied):
        access_submission_for_review(actor_for(world.u3_admin), hospital.pk)  # nor the union itself
    with pytest.raises(AccessDenied):
        access_submission_for_review(actor_for(world.outsider), hospital.pk)
    assert access_submission_for_review(actor_for(world.street_admin), hospital.pk) == hospital
    # The county's officers act for every node below them.
    assert access_submission_for_review(actor_for(world.county_admin), hospital.pk) == hospital


def test_failing_checks_block_until_explained(world):
    from rollup.facts import facts_apply

    # More members than staff plus retained members: 会员人数 ≤ 职工人数 + 保留会籍人数 fails for 华锐.
    facts_apply(union=world.u1, deltas={(0, "members", ""): 100})
    with pytest.raises(DomainValidationError) as exc:
        submission_submit(period=world.period, unit=world.u1)
    assert codes(exc) == {"check_failed"}
    assert "华锐机械厂工会" in exc.value.errors[0].message

    with pytest.raises(DomainValidationError) as exc:
        check_failures_explain(
            period=world.period,
            unit=world.u1,
            explanations=[ExplanationSpec("union", world.u1.pk, "female_staff_le_staff", "无此错误")],
        )
    assert codes(exc) == {"no_such_failure"}
    with pytest.raises(DomainValidationError) as exc:
        check_failures_explain(
            period=world.period,
            unit=world.u1,
            explanations=[ExplanationSpec("union", world.u1.pk, "members_le_staff_retained", "   ")],
        )
    assert codes(exc) == {"required"}

    check_failures_explain(
        period=world.period,
        unit=world.u1,
        explanations=[
            ExplanationSpec(
                "union", world.u1.pk, "members_le_staff_retained", "含本年度退休但保留会籍未转出的会员"
            )
        ],
        user=world.u1_admin,
    )
    submission = submission_submit(period=world.period, unit=world.u1, user=world.u1_admin)
    event = submission.events.get()
    assert event.checks[0]["rule"] == "members_le_staff_retained"
    assert event.checks[0]["explanation"] == "含本年度退休但保留会籍未转出的会员"
    assert CheckExplanation.objects.filter(unit_id=world.u1.pk).count() == 1

    # The township's report contains the same failure: explained once, it does not block the township either.
    submission_accept(submission=submission)
    submission_accept(submission=submission_submit(period=world.period, unit=world.u2))
    assert submission_submit(period=world.period, unit=world.town).status == SubmissionStatus.SUBMITTED


def test_the_trail_is_append_only(world):
    submission = submission_submit(period=world.period, unit=world.u1)
    event = submission.events.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        SubmissionEvent.objects.filter(pk=event.pk).update(comment="篡改")
    with pytest.raises(DatabaseError), transaction.atomic():
        SubmissionEvent.objects.filter(pk=event.pk).delete()
    assert SubmissionEvent.objects.get(pk=event.pk).comment == ""
