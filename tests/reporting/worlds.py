"""Reporting objects for the schema walks (tests/audit/test_mutation_audit.py and tests/isolation/test_isolation.py)."""

from __future__ import annotations

from django.utils import timezone
from graphql_relay import to_global_id

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
