"""Reporting objects for the schema walks (tests/audit/test_mutation_audit.py and tests/isolation/test_isolation.py)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from tests.factories import union_kwargs

# The logic-check rule the audit union fails (hinted as "ruleCode" for submissionExplainChecks).
AUDIT_FAILING_RULE = "members_le_staff_retained"


# A reporting year still running: other walks' mutations (closing periods) refuse it, so it stays open.
PERIOD_LABEL = "2027"


def _period(node):
    from rollup.models import ReportingPeriod
    from rollup.periods import period_open

    found = ReportingPeriod.objects.filter(owner_node=node, kind="year", label=PERIOD_LABEL).first()
    return found or period_open(node=node, label=PERIOD_LABEL)


def _submission(*, period, union, reviewer, status, comment=""):
    from reporting.models import Submission, SubmissionLevel

    return Submission.objects.create(
        period=period,
        level=SubmissionLevel.UNION,
        union=union,
        unit_name=union.name,
        unit_path=union.node_path,
        reviewer_node=reviewer,
        reviewer_name=reviewer.name,
        status=status,
        submitted_at=timezone.now(),
        review_comment=comment,
    )


def _failed_delivery(*, node, period, target):
    from reporting.models import Delivery, DeliveryAttempt, DeliveryChannel, DeliveryStatus

    delivery = Delivery.objects.create(
        node=node,
        period=period,
        channel=DeliveryChannel.WEBHOOK,
        target=target,
        idempotency_key=f"report-{node.pk}-{period.pk}-live-r1-webhook",
        status=DeliveryStatus.FAILED,
        attempts=8,
        next_attempt_at=timezone.now(),
        last_error="HTTP 503",
    )
    DeliveryAttempt.objects.create(
        delivery=delivery, number=8, started_at=timezone.now(), ok=False, status_code=503, error="HTTP 503"
    )
    return delivery


def reporting_audit_objects(union) -> list[str]:
    """For the audit walk (platform admin): a reporting year of the union's county, with
    - the union failing a logic check, so submissionExplainChecks (on the union's host) has a failure to explain
      and submissionSubmit then succeeds there;
    - a township with a union whose report waits for review: submissionAccept takes it, submissionReturn then
      returns it (the township has not submitted upwards);
    - a delivery that was given up (reportDeliveryRetry)."""
    from federations.services import node_create
    from reporting.models import SubmissionStatus
    from rollup.facts import facts_apply
    from tests.support.graphql import make_union

    county = union.parent_node
    period = _period(county)
    facts_apply(union=union, deltas={(0, "members", ""): union.staff_count + 1000})
    town = node_create(level="township", name="审计镇工会", division_code=county.division_code, parent=county)
    waiting = _submission(
        period=period,
        union=make_union(town, name="审计镇五金厂工会"),
        reviewer=town,
        status=SubmissionStatus.SUBMITTED,
    )
    delivery = _failed_delivery(node=county, period=period, target="https://audit-city.example.cn/hooks")
    return [
        to_global_id("ReportingPeriod", period.pk),
        to_global_id("ReportSubmission", waiting.pk),
        to_global_id("ReportDelivery", delivery.pk),
    ]


def reporting_victim_objects(*, union, county, town) -> tuple[list[str], list[str]]:
    """For the isolation walk: the victim county's reporting year with the victim union's report (returned with a
    comment), an explanation, report files, delivery settings and a delivery. Returns (global ids, strings only
    the victim's side may see)."""
    from reporting.models import CheckExplanation, ReportFile, SubmissionStatus
    from reporting.services import recipient_update

    period = _period(county)
    comment = "受害者退回意见：女会员数有误"
    submission = _submission(
        period=period, union=union, reviewer=town, status=SubmissionStatus.RETURNED, comment=comment
    )
    explanation = CheckExplanation.objects.create(
        period=period,
        unit_kind="union",
        unit_id=union.pk,
        rule_code=AUDIT_FAILING_RULE,
        text="受害者说明文字",
    )
    recipient_update(
        node=county,
        name="受害者上级市总工会",
        emails=["victim-city@example.cn"],
        webhook_url="https://victim-city.example.cn/hooks",
        webhook_secret="victim-webhook-secret-0123456789",
    )
    report = ReportFile.objects.create(
        node=county,
        period=period,
        kind="xlsx",
        key=f"federations/{county.pk}/reports/year-2027/live/xlsx/受害县报表.xlsx",
        filename="受害县报表.xlsx",
        size=1,
        sha256="0" * 64,
        data_sha256="1" * 64,
        generated_at=timezone.now(),
    )
    delivery = _failed_delivery(node=county, period=period, target="https://victim-city.example.cn/hooks")
    ids = [
        to_global_id("ReportingPeriod", period.pk),
        to_global_id("ReportSubmission", submission.pk),
        to_global_id("ReportFile", report.pk),
        to_global_id("ReportDelivery", delivery.pk),
    ]
    return ids, [
        comment,
        explanation.text,
        "受害者上级市总工会",
        "victim-city@example.cn",
        "受害县报表",
        "victim-city.example.cn",
    ]


def county_submitted(world):
    """Every unit submits and is accepted, then the county submits to the city: the county's Submission."""
    from reporting.services import submission_accept, submission_submit

    for unit in (world.u1, world.u2, world.town, world.u3, world.street, world.u4):
        submission_accept(submission=submission_submit(period=world.period, unit=unit))
    return submission_submit(period=world.period, unit=world.county, user=world.county_admin)


@pytest.fixture
def world(db):
    from accounts.models import RoleGrant, User
    from federations.services import node_create, union_provision
    from rollup.facts import facts_apply
    from rollup.periods import period_open

    county = node_create(level="county", name="示范县总工会", division_code="330122")
    county.report_recipient_name = "示范市总工会"
    county.save(update_fields=["report_recipient_name"])
    town = node_create(level="township", name="城关镇工会", division_code="330122", parent=county)
    street = node_create(level="street", name="东城街道工会", division_code="330122", parent=county)
    other_county = node_create(level="county", name="邻县总工会", division_code="330127")

    def provision(parent, name, staff, female):
        return union_provision(
            parent_node=parent, **union_kwargs(name=name, staff_count=staff, female_staff_count=female)
        )

    u1 = provision(town, "华锐机械厂工会", 200, 60)
    u2 = provision(town, "城关纺织厂工会", 120, 90)
    u3 = provision(street, "县人民医院工会", 300, 200)
    u4 = provision(county, "县直机关工会", 80, 30)
    facts = {u1: (150, 40), u2: (100, 80), u3: (280, 190), u4: (70, 25)}
    for union, (members, female) in facts.items():
        facts_apply(union=union, deltas={(0, "members", ""): members, (0, "female_members", ""): female})

    def user(name, role, email="", **target):
        account = User.objects.create_user(username=name, password="x", full_name=name, email=email)
        RoleGrant.objects.create(user=account, role=role, **target)
        return account

    period = period_open(node=county, label="2026")
    return SimpleNamespace(
        county=county,
        town=town,
        street=street,
        other_county=other_county,
        u1=u1,
        u2=u2,
        u3=u3,
        u4=u4,
        period=period,
        county_admin=user("县总管理员", "federation_admin", "county@example.cn", node=county),
        town_admin=user("城关镇管理员", "federation_admin", "town@example.cn", node=town),
        street_admin=user("东城街道管理员", "federation_admin", "street@example.cn", node=street),
        u1_admin=user("华锐管理员", "union_admin", "u1@example.cn", union=u1),
        u2_admin=user("纺织管理员", "union_admin", "u2@example.cn", union=u2),
        u3_admin=user("医院管理员", "union_admin", "", union=u3),
        u4_admin=user("机关管理员", "union_admin", "u4@example.cn", union=u4),
        outsider=user("邻县管理员", "federation_admin", "other@example.cn", node=other_county),
        year_end=date(2026, 9, 30),
    )
