"""GraphQL types for the model-worker registry, award batches and quotas, nominations, public notices,
objections and revocations."""

from __future__ import annotations

import graphene

from api.core import ids
from api.core.pagination import CountableConnection
from api.core.types import ModelNode
from api.membership.access import MEMBER
from files.selectors import file_download_url
from modelworkers import models

from .access import (
    AWARD_BATCH,
    MODEL_WORKER,
    NOMINATION,
    OBJECTION,
    PUBLIC_NOTICE,
    REVOCATION,
    batch_for,
    nomination_for,
    notice_for,
    objection_for,
    revocation_for,
    worker_for,
)
from .loaders import BatchQuotaLoader, NoticeEntriesLoader

LevelEnum = graphene.Enum.from_enum(models.Level, name="ModelWorkerLevel", description="Level of a title.")
TitleEnum = graphene.Enum.from_enum(models.Title, name="ModelWorkerTitle", description="The honorary title.")
CategoryEnum = graphene.Enum.from_enum(
    models.Category,
    name="ModelWorkerCategory",
    description="Quota category (front-line staff and heads are enterprise staff; township-enterprise heads "
    "are counted among farmers).",
)
StatusEnum = graphene.Enum.from_enum(
    models.WorkerStatus, name="ModelWorkerStatus", description="Where a model worker's title stands."
)
BatchStatusEnum = graphene.Enum.from_enum(models.BatchStatus, name="AwardBatchStatus")
QuotaBoundEnum = graphene.Enum.from_enum(models.QuotaBound, name="AwardQuotaBound")
NominationStatusEnum = graphene.Enum.from_enum(models.NominationStatus, name="NominationStatus")
ObjectionStatusEnum = graphene.Enum.from_enum(models.ObjectionStatus, name="ObjectionStatus")
RevocationGroundEnum = graphene.Enum.from_enum(
    models.RevocationGround, name="RevocationGround", description="Grounds for revoking a title."
)
RevocationSourceEnum = graphene.Enum.from_enum(models.RevocationSource, name="RevocationSource")
RevocationStatusEnum = graphene.Enum.from_enum(models.RevocationStatus, name="RevocationStatus")


def _files(root, relation: str) -> list:
    """Attachment rows with their files: prefetched by list resolvers, one query otherwise."""
    if relation in getattr(root, "_prefetched_objects_cache", {}):
        return list(getattr(root, relation).all())
    return list(getattr(root, relation).select_related("file").order_by("id"))


# Labels by code, built once: get_FOO_display() flattens the choices on every call (measurable on a page of 50).
_LABELS = {
    choices: dict(choices.choices)
    for choices in (
        models.Level,
        models.Title,
        models.Category,
        models.WorkerStatus,
        models.NominationStatus,
        models.RevocationStatus,
        models.RevocationGround,
    )
}


def _label(choices, value) -> str:
    return str(_LABELS[choices].get(value, value))


def _gid(type_name, pk):
    return ids.to_global_id(type_name, pk) if pk else None


class StoredAttachment(graphene.ObjectType):
    """A supporting file (nomination attachment or revocation document)."""

    class Meta:
        name = "ModelWorkerAttachment"

    label = graphene.String(required=True)
    file_name = graphene.String(required=True)
    content_type = graphene.String(required=True)
    size = graphene.Int(required=True, description="Bytes.")
    download_url = graphene.String(required=True, description="Valid for 5 minutes.")

    @staticmethod
    def resolve_file_name(root, info):
        return root.file.original_name

    @staticmethod
    def resolve_content_type(root, info):
        return root.file.content_type

    @staticmethod
    def resolve_size(root, info):
        return root.file.size

    @staticmethod
    def resolve_download_url(root, info):
        return file_download_url(
            key=root.file.key, user=info.context.user, download_name=root.file.original_name
        )


class StatusChange(graphene.ObjectType):
    """One entry of a model worker's status history (append-only)."""

    class Meta:
        name = "ModelWorkerStatusChange"

    from_status = graphene.Field(StatusEnum, description="Null for the award itself.")
    to_status = graphene.Field(StatusEnum, required=True)
    effective_on = graphene.Date(required=True)
    reason = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_from_status(root, info):
        return root.from_status or None


class ModelWorker(ModelNode):
    """A model worker (劳动模范、先进工作者 ...) in an awarding federation's registry. The identity number is never
    stored: the person is linked by its keyed hash."""

    class Meta:
        name = MODEL_WORKER
        model = models.ModelWorker
        fetch = worker_for

    name = graphene.String(required=True)
    sex = graphene.String(required=True)
    birth_date = graphene.Date(required=True)
    awarding_node_id = graphene.ID(required=True)
    awarding_node_name = graphene.String(required=True)
    employing_union_id = graphene.ID(description="Global id of the employing union when it is in the system.")
    employer_name = graphene.String(required=True)
    level = graphene.Field(LevelEnum, required=True)
    level_label = graphene.String(required=True)
    title = graphene.Field(TitleEnum, required=True)
    title_label = graphene.String(required=True)
    category = graphene.Field(CategoryEnum, required=True)
    category_label = graphene.String(required=True)
    batch_id = graphene.ID(description="Global id of the award batch (null for registered earlier awards).")
    batch_name = graphene.String()
    awarded_on = graphene.Date(required=True)
    continuation_last_day = graphene.Date(required=True, description="Last day of continuation management.")
    status = graphene.Field(StatusEnum, required=True)
    status_label = graphene.String(required=True)
    status_changed_on = graphene.Date()
    history = graphene.List(graphene.NonNull(StatusChange), required=True)

    @staticmethod
    def resolve_awarding_node_id(root, info):
        return ids.to_global_id(ids.FEDERATION_NODE, root.awarding_node_id)

    @staticmethod
    def resolve_awarding_node_name(root, info):
        return root.awarding_node.name

    @staticmethod
    def resolve_employing_union_id(root, info):
        return _gid(ids.UNION, root.employing_union_id)

    @staticmethod
    def resolve_level_label(root, info):
        return _label(models.Level, root.level)

    @staticmethod
    def resolve_title_label(root, info):
        return _label(models.Title, root.title)

    @staticmethod
    def resolve_category_label(root, info):
        return _label(models.Category, root.category)

    @staticmethod
    def resolve_status_label(root, info):
        return _label(models.WorkerStatus, root.status)

    @staticmethod
    def resolve_batch_id(root, info):
        return _gid(AWARD_BATCH, root.batch_id)

    @staticmethod
    def resolve_batch_name(root, info):
        return root.batch.name if root.batch_id else None

    @staticmethod
    def resolve_history(root, info):
        return list(root.status_changes.all())  # prefetched by the list and detail resolvers


class ModelWorkerConnection(CountableConnection):
    class Meta:
        node = ModelWorker


class QuotaRule(graphene.ObjectType):
    class Meta:
        name = "AwardQuotaRule"

    code = graphene.String(required=True)
    label = graphene.String(required=True)
    categories = graphene.List(graphene.NonNull(CategoryEnum), required=True)
    of_categories = graphene.List(
        graphene.NonNull(CategoryEnum), required=True, description="Empty: a share of all places."
    )
    bound = graphene.Field(QuotaBoundEnum, required=True)
    permille = graphene.Int(required=True, description="450 = 45%.")


class QuotaResult(graphene.ObjectType):
    """One rule against a list: `limit` is the places needed (min) or allowed (max)."""

    class Meta:
        name = "AwardQuotaResult"

    code = graphene.String(required=True)
    label = graphene.String(required=True)
    bound = graphene.Field(QuotaBoundEnum, required=True)
    permille = graphene.Int(required=True)
    base = graphene.Int(required=True, description="Places the share is taken of.")
    count = graphene.Int(required=True)
    limit = graphene.Int(required=True)
    ok = graphene.Boolean(required=True)
    message = graphene.String(required=True)

    @staticmethod
    def resolve_code(root, info):
        return root.rule.code

    @staticmethod
    def resolve_label(root, info):
        return root.rule.label

    @staticmethod
    def resolve_bound(root, info):
        return root.rule.bound

    @staticmethod
    def resolve_permille(root, info):
        return root.rule.permille


class QuotaStatus(graphene.ObjectType):
    """Quotas over the awarded list and over the projected list (awarded + nominations still in play)."""

    class Meta:
        name = "AwardQuotaStatus"

    places = graphene.Int(required=True)
    awarded = graphene.Int(required=True)
    projected = graphene.Int(required=True)
    awarded_results = graphene.List(graphene.NonNull(QuotaResult), required=True)
    projected_results = graphene.List(graphene.NonNull(QuotaResult), required=True)


class AwardBatch(ModelNode):
    """A selection round (届次) of a city or county federation, with its places and category quotas."""

    class Meta:
        name = AWARD_BATCH
        model = models.AwardBatch
        fetch = batch_for

    name = graphene.String(required=True)
    session = graphene.Int(required=True, description="届次.")
    year = graphene.Int(required=True)
    level = graphene.Field(LevelEnum, required=True)
    awarding_node_id = graphene.ID(required=True)
    awarding_node_name = graphene.String(required=True)
    places = graphene.Int(required=True)
    notice_days = graphene.Int(required=True)
    nomination_deadline = graphene.Date()
    status = graphene.Field(BatchStatusEnum, required=True)
    quota_rules = graphene.List(graphene.NonNull(QuotaRule), required=True)
    quota_status = graphene.Field(QuotaStatus, required=True)

    @staticmethod
    def resolve_awarding_node_id(root, info):
        return ids.to_global_id(ids.FEDERATION_NODE, root.awarding_node_id)

    @staticmethod
    def resolve_awarding_node_name(root, info):
        return root.awarding_node.name

    @staticmethod
    def resolve_quota_rules(root, info):
        return info.context.loader(BatchQuotaLoader).load(root.pk).rules

    @staticmethod
    def resolve_quota_status(root, info):
        return info.context.loader(BatchQuotaLoader).load(root.pk).status


class AwardBatchConnection(CountableConnection):
    class Meta:
        node = AwardBatch


class Nomination(ModelNode):
    """A union's nomination of one of its members, with the deeds and the workers' congress (职代会) record."""

    class Meta:
        name = NOMINATION
        model = models.Nomination
        fetch = nomination_for

    batch_id = graphene.ID(required=True)
    batch_name = graphene.String(required=True)
    union_id = graphene.ID(required=True)
    union_name = graphene.String(required=True)
    member_id = graphene.ID(description="Global id of the member (on the nominating union's side only).")
    name = graphene.String(required=True)
    sex = graphene.String(required=True)
    employer_name = graphene.String(required=True)
    title = graphene.Field(TitleEnum, required=True)
    category = graphene.Field(CategoryEnum, required=True)
    category_label = graphene.String(required=True)
    deeds = graphene.String(required=True)
    congress_date = graphene.Date(required=True)
    congress_attendance = graphene.Int(required=True)
    congress_votes_for = graphene.Int(required=True)
    status = graphene.Field(NominationStatusEnum, required=True)
    status_label = graphene.String(required=True)
    reject_reason = graphene.String(required=True)
    notice_id = graphene.ID()
    worker_id = graphene.ID(description="The model worker created by the award.")
    attachments = graphene.List(graphene.NonNull(StoredAttachment), required=True)
    submitted_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_batch_id(root, info):
        return ids.to_global_id(AWARD_BATCH, root.batch_id)

    @staticmethod
    def resolve_batch_name(root, info):
        return root.batch.name

    @staticmethod
    def resolve_union_id(root, info):
        return ids.to_global_id(ids.UNION, root.union_id)

    @staticmethod
    def resolve_union_name(root, info):
        return root.union.name

    @staticmethod
    def resolve_member_id(root, info):
        context = info.context
        if context.union is None or context.union.pk != root.union_id:
            return None
        return ids.to_tenant_global_id(MEMBER, root.union_id, root.member_id)

    @staticmethod
    def resolve_category_label(root, info):
        return _label(models.Category, root.category)

    @staticmethod
    def resolve_status_label(root, info):
        return _label(models.NominationStatus, root.status)

    @staticmethod
    def resolve_notice_id(root, info):
        return _gid(PUBLIC_NOTICE, root.notice_id)

    @staticmethod
    def resolve_worker_id(root, info):
        return _gid(MODEL_WORKER, root.worker_id)

    @staticmethod
    def resolve_attachments(root, info):
        return _files(root, "attachments")


class NominationConnection(CountableConnection):
    class Meta:
        node = Nomination


class NoticeEntry(graphene.ObjectType):
    """A nominee as the public notice lists them (no deeds, no personal data beyond name and employer)."""

    class Meta:
        name = "PublicNoticeEntry"

    name = graphene.String(required=True)
    employer_name = graphene.String(required=True)
    title = graphene.Field(TitleEnum, required=True)
    category = graphene.Field(CategoryEnum, required=True)
    status = graphene.Field(NominationStatusEnum, required=True)


class PublicNotice(ModelNode):
    """公示: the accepted nominees posted for `noticeDays`; objections are received while it runs."""

    class Meta:
        name = PUBLIC_NOTICE
        model = models.PublicNotice
        fetch = notice_for

    batch_id = graphene.ID(required=True)
    batch_name = graphene.String(required=True)
    title = graphene.String(required=True)
    starts_on = graphene.Date(required=True)
    ends_on = graphene.Date(required=True, description="Last day of the notice (inclusive).")
    approved_on = graphene.Date()
    approval_document = graphene.String(required=True)
    entries = graphene.List(graphene.NonNull(NoticeEntry), required=True)

    @staticmethod
    def resolve_batch_id(root, info):
        return ids.to_global_id(AWARD_BATCH, root.batch_id)

    @staticmethod
    def resolve_batch_name(root, info):
        return root.batch.name

    @staticmethod
    def resolve_entries(root, info):
        return info.context.loader(NoticeEntriesLoader).load(root.pk)


class PublicNoticeConnection(CountableConnection):
    class Meta:
        node = PublicNotice


class Objection(ModelNode):
    """An objection to a nominee received during the notice, and the record of its check."""

    class Meta:
        name = OBJECTION
        model = models.Objection
        fetch = objection_for

    notice_id = graphene.ID(required=True)
    nomination_id = graphene.ID(required=True)
    nominee_name = graphene.String(required=True)
    received_on = graphene.Date(required=True)
    content = graphene.String(required=True)
    objector = graphene.String(required=True)
    status = graphene.Field(ObjectionStatusEnum, required=True)
    resolution = graphene.String(required=True)
    resolved_on = graphene.Date()

    @staticmethod
    def resolve_notice_id(root, info):
        return ids.to_global_id(PUBLIC_NOTICE, root.notice_id)

    @staticmethod
    def resolve_nomination_id(root, info):
        return ids.to_global_id(NOMINATION, root.nomination_id)

    @staticmethod
    def resolve_nominee_name(root, info):
        return root.nomination.name


class ObjectionConnection(CountableConnection):
    class Meta:
        node = Objection


class Revocation(ModelNode):
    """A proposal to revoke a title (撤销称号) and its decision; frozen once decided."""

    class Meta:
        name = REVOCATION
        model = models.Revocation
        fetch = revocation_for

    worker_id = graphene.ID(required=True)
    worker_name = graphene.String(required=True)
    grounds = graphene.List(graphene.NonNull(RevocationGroundEnum), required=True)
    ground_labels = graphene.List(graphene.NonNull(graphene.String), required=True)
    note = graphene.String(required=True)
    source = graphene.Field(RevocationSourceEnum, required=True)
    status = graphene.Field(RevocationStatusEnum, required=True)
    status_label = graphene.String(required=True)
    proposed_on = graphene.Date(required=True)
    decided_on = graphene.Date()
    approval_document = graphene.String(required=True)
    decision_note = graphene.String(required=True)
    documents = graphene.List(graphene.NonNull(StoredAttachment), required=True)

    @staticmethod
    def resolve_worker_id(root, info):
        return ids.to_global_id(MODEL_WORKER, root.worker_id)

    @staticmethod
    def resolve_worker_name(root, info):
        return root.worker.name

    @staticmethod
    def resolve_ground_labels(root, info):
        return [_label(models.RevocationGround, g) for g in root.grounds]

    @staticmethod
    def resolve_status_label(root, info):
        return _label(models.RevocationStatus, root.status)

    @staticmethod
    def resolve_documents(root, info):
        return _files(root, "documents")


class RevocationConnection(CountableConnection):
    class Meta:
        node = Revocation
