"""GraphQL types for statistical report submission, the board, report files and deliveries."""

from __future__ import annotations

import graphene

from api.core import ids
from api.core.types import ModelNode, enum_from_choices
from reporting import models

from .access import DELIVERY, PERIOD, REPORT_FILE, SUBMISSION, delivery_for, report_file_for, submission_for

SubmissionLevelEnum = enum_from_choices(models.SubmissionLevel, "A level of the submission chain.")
SubmissionStatusEnum = enum_from_choices(models.SubmissionStatus, "Where a submitted report stands.")
SubmissionActionEnum = enum_from_choices(models.SubmissionAction, "A step of the review trail.")
ReportFileKindEnum = enum_from_choices(models.ReportFileKind, "A kind of report file.")
DeliveryChannelEnum = enum_from_choices(models.DeliveryChannel, "How a report is delivered.")
DeliveryStatusEnum = enum_from_choices(models.DeliveryStatus, "Where a delivery stands.")


def unit_global_id(kind: str, pk) -> str:
    return ids.to_global_id(ids.UNION if kind == "union" else ids.FEDERATION_NODE, pk)


class CheckNote(graphene.ObjectType):
    """A logic-check failure as recorded at submission, with the explanation it carried."""

    unit_kind = graphene.String(required=True)
    unit_name = graphene.String(required=True)
    rule_code = graphene.String(required=True)
    message = graphene.String(required=True)
    explanation = graphene.String()


class ReportSubmissionEvent(graphene.ObjectType):
    """One step of the (append-only) review trail."""

    action = SubmissionActionEnum(required=True)
    from_status = graphene.String(required=True, description="Empty for a first submission.")
    to_status = SubmissionStatusEnum(required=True)
    actor_name = graphene.String(required=True)
    comment = graphene.String(required=True)
    snapshot_version = graphene.Int()
    checks = graphene.List(graphene.NonNull(CheckNote), required=True)
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_checks(root, info):
        return [
            CheckNote(
                unit_kind=check.get("unit_kind", ""),
                unit_name=check.get("unit_name", ""),
                rule_code=check.get("rule", ""),
                message=check.get("message", ""),
                explanation=check.get("explanation"),
            )
            for check in root.checks or []
        ]


class ReportSubmission(ModelNode):
    """A unit's statistical report for a period, sent to the level above for review."""

    class Meta:
        name = SUBMISSION
        model = models.Submission
        fetch = submission_for

    period_id = graphene.ID(required=True, description="Global id of the ReportingPeriod.")
    level = SubmissionLevelEnum(required=True)
    unit_id = graphene.ID(
        required=True, description="Global id of the Union or FederationNode that submitted."
    )
    unit_name = graphene.String(required=True)
    reviewer_name = graphene.String(
        required=True, description="Who reviews it (the higher-level union for a county)."
    )
    reviewer_node_id = graphene.ID(
        description="The reviewing node; null when the reviewer is outside the platform."
    )
    status = SubmissionStatusEnum(required=True)
    rounds = graphene.Int(required=True, description="How many times it was submitted.")
    snapshot_version = graphene.Int(description="The snapshot version submitted; null = live figures.")
    submitted_at = graphene.DateTime(required=True)
    decided_at = graphene.DateTime()
    review_comment = graphene.String(required=True)
    events = graphene.List(graphene.NonNull(ReportSubmissionEvent), required=True)

    @staticmethod
    def resolve_period_id(root, info):
        return ids.to_global_id(PERIOD, root.period_id)

    @staticmethod
    def resolve_unit_id(root, info):
        return (
            unit_global_id("union", root.union_id) if root.union_id else unit_global_id("node", root.node_id)
        )

    @staticmethod
    def resolve_reviewer_node_id(root, info):
        return ids.to_global_id(ids.FEDERATION_NODE, root.reviewer_node_id) if root.reviewer_node_id else None

    @staticmethod
    def resolve_snapshot_version(root, info):
        return root.snapshot.version if root.snapshot_id else None

    @staticmethod
    def resolve_events(root, info):
        return list(root.events.all())


class BoardRow(graphene.ObjectType):
    """A unit on the board with its submission state."""

    unit_kind = graphene.String(required=True, description='"union" or "node".')
    unit_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    code = graphene.String(required=True, description="Division code of a node, credit code of a union.")
    level = SubmissionLevelEnum(required=True)
    reviewer_id = graphene.ID(description="Global id of the reviewing node; null for the top of the chain.")
    submission_id = graphene.ID(description="Null when it has not submitted.")
    status = SubmissionStatusEnum(description="Null when it has not submitted.")
    submitted_at = graphene.DateTime()
    decided_at = graphene.DateTime()
    rounds = graphene.Int(required=True)
    due_on = graphene.Date()
    overdue = graphene.Boolean(
        required=True, description="Not submitted (or returned) and past its deadline."
    )
    late = graphene.Boolean(required=True, description="Submitted after its deadline.")

    @staticmethod
    def resolve_unit_id(root, info):
        return unit_global_id(root.kind, root.id)

    @staticmethod
    def resolve_unit_kind(root, info):
        return root.kind

    @staticmethod
    def resolve_reviewer_id(root, info):
        return ids.to_global_id(ids.FEDERATION_NODE, root.reviewer_id) if root.reviewer_id else None

    @staticmethod
    def resolve_submission_id(root, info):
        return ids.to_global_id(SUBMISSION, root.submission_id) if root.submission_id else None


class BoardCounts(graphene.ObjectType):
    level = SubmissionLevelEnum(description="Null for all levels together.")
    total = graphene.Int(required=True)
    not_submitted = graphene.Int(required=True)
    submitted = graphene.Int(required=True, description="Submitted, waiting for review.")
    accepted = graphene.Int(required=True)
    returned = graphene.Int(required=True)
    overdue = graphene.Int(required=True)
    late = graphene.Int(required=True)


class SubmissionDeadline(graphene.ObjectType):
    level = SubmissionLevelEnum(required=True)
    due_on = graphene.Date(required=True)


class BoardFilter(graphene.Enum):
    """Which rows of the board to list."""

    ALL = "all"
    NOT_SUBMITTED = "not_submitted"  # no submission, or returned
    WAITING = "waiting"  # submitted, waiting for review
    ACCEPTED = "accepted"
    OVERDUE = "overdue"


class ReportBoard(graphene.ObjectType):
    """Who in a node's subtree has and has not submitted a period's report, with deadlines and counts."""

    node_id = graphene.ID(required=True)
    period_id = graphene.ID(required=True)
    today = graphene.Date(required=True)
    counts = graphene.Field(BoardCounts, required=True)
    counts_by_level = graphene.List(graphene.NonNull(BoardCounts), required=True)
    deadlines = graphene.List(graphene.NonNull(SubmissionDeadline), required=True)
    rows = graphene.List(
        graphene.NonNull(BoardRow), required=True, only=BoardFilter(), level=SubmissionLevelEnum()
    )

    @staticmethod
    def resolve_node_id(root, info):
        return ids.to_global_id(ids.FEDERATION_NODE, root.node.pk)

    @staticmethod
    def resolve_period_id(root, info):
        return ids.to_global_id(PERIOD, root.period.pk)

    @staticmethod
    def resolve_counts(root, info):
        return BoardCounts(level=None, **root.counts())

    @staticmethod
    def resolve_counts_by_level(root, info):
        return [BoardCounts(level=level, **root.counts(level)) for level in models.SubmissionLevel.values]

    @staticmethod
    def resolve_deadlines(root, info):
        rows = models.SubmissionDeadline.objects.filter(period=root.period).order_by("due_on")
        return [SubmissionDeadline(level=row.level, due_on=row.due_on) for row in rows]

    @staticmethod
    def resolve_rows(root, info, only=None, level=None):
        only = getattr(only, "value", only) or "all"
        level = getattr(level, "value", level)
        rows = root.rows
        if level:
            rows = [row for row in rows if row.level == level]
        if only == "not_submitted":
            rows = [row for row in rows if row.status in (None, models.SubmissionStatus.RETURNED)]
        elif only == "waiting":
            rows = [row for row in rows if row.status == models.SubmissionStatus.SUBMITTED]
        elif only == "accepted":
            rows = [row for row in rows if row.status == models.SubmissionStatus.ACCEPTED]
        elif only == "overdue":
            rows = [row for row in rows if row.overdue]
        return rows


class CheckResult(graphene.ObjectType):
    """A logic-check failure found now, and its explanation if one was given."""

    unit_kind = graphene.String(required=True, description='"union", "node" or "branch".')
    unit_id = graphene.ID(
        required=True, description="Global id of the failing unit (pass it back to explain)."
    )
    unit_name = graphene.String(required=True)
    rule_code = graphene.String(required=True)
    message = graphene.String(required=True)
    explanation = graphene.String()


class ReportFile(ModelNode):
    class Meta:
        name = REPORT_FILE
        model = models.ReportFile
        fetch = report_file_for

    kind = ReportFileKindEnum(required=True)
    filename = graphene.String(required=True)
    size = graphene.Int(required=True)
    sha256 = graphene.String(required=True)
    data_sha256 = graphene.String(required=True, description="Hash of the figures in the data sheets.")
    snapshot_version = graphene.Int(description="Null = live figures.")
    generated_at = graphene.DateTime(required=True)
    download_url = graphene.String(required=True, description="A link valid for 5 minutes.")

    @staticmethod
    def resolve_snapshot_version(root, info):
        return root.snapshot.version if root.snapshot_id else None

    @staticmethod
    def resolve_download_url(root, info):
        from files.selectors import file_download_url

        url = file_download_url(
            key=root.key, user=info.context.user, expires=300, download_name=root.filename
        )
        return url if url.startswith("http") else info.context.request.build_absolute_uri(url)


class DeliveryAttempt(graphene.ObjectType):
    number = graphene.Int(required=True)
    started_at = graphene.DateTime(required=True)
    duration_ms = graphene.Int(required=True)
    ok = graphene.Boolean(required=True)
    status_code = graphene.Int(description="HTTP status of a webhook answer.")
    error = graphene.String(required=True)


class ReportDelivery(ModelNode):
    class Meta:
        name = DELIVERY
        model = models.Delivery
        fetch = delivery_for

    period_id = graphene.ID(required=True)
    channel = DeliveryChannelEnum(required=True)
    target = graphene.String(required=True, description="E-mail addresses or the webhook URL.")
    idempotency_key = graphene.String(required=True)
    status = DeliveryStatusEnum(required=True)
    attempts = graphene.Int(required=True)
    next_attempt_at = graphene.DateTime(required=True)
    delivered_at = graphene.DateTime()
    last_error = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    attempt_log = graphene.List(graphene.NonNull(DeliveryAttempt), required=True)

    @staticmethod
    def resolve_period_id(root, info):
        return ids.to_global_id(PERIOD, root.period_id)

    @staticmethod
    def resolve_attempt_log(root, info):
        return list(root.attempt_log.all())  # prefetched by the list resolver


class ReportRecipient(graphene.ObjectType):
    """Where a node's reports are delivered. The webhook secret is write-only."""

    node_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    emails = graphene.List(graphene.NonNull(graphene.String), required=True)
    webhook_url = graphene.String(required=True)
    webhook_secret_set = graphene.Boolean(required=True)
    active = graphene.Boolean(required=True)
    updated_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_node_id(root, info):
        return ids.to_global_id(ids.FEDERATION_NODE, root.node_id)

    @staticmethod
    def resolve_webhook_secret_set(root, info):
        return bool(root.webhook_secret_encrypted)
