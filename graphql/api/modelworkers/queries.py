"""Root query fields for the model-worker registry, batches, nominations, notices, objections and revocations.

Every list is a keyset connection, newest first, filtered by modelworkers.selectors (a union host answers for its
own nominations and model workers only; federation staff see their subtree)."""

from __future__ import annotations

import graphene
from django.db.models import Prefetch

from api.core import ids
from api.core.access import or_none
from api.core.pagination import connection_args, empty_connection, paginate_queryset
from modelworkers import selectors
from modelworkers.models import ModelWorkerStatusChange, NominationAttachment, RevocationDocument

from .access import (
    AWARD_BATCH,
    MODEL_WORKER,
    PUBLIC_NOTICE,
    batch_for,
    nomination_for,
    notice_for,
    worker_for,
)
from .loaders import BatchQuotaLoader, NoticeEntriesLoader
from .types import (
    AwardBatch,
    AwardBatchConnection,
    BatchStatusEnum,
    CategoryEnum,
    LevelEnum,
    ModelWorker,
    ModelWorkerConnection,
    Nomination,
    NominationConnection,
    NominationStatusEnum,
    ObjectionConnection,
    PublicNotice,
    PublicNoticeConnection,
    RevocationConnection,
    RevocationStatusEnum,
    StatusEnum,
    TitleEnum,
)


def _value(enum_value):
    return getattr(enum_value, "value", enum_value)


def _page(queryset, connection_type, first, after):
    return paginate_queryset(
        queryset.order_by("-pk"), connection_type, keys=("pk",), first=first, after=after, descending=True
    )


def _decoded(global_id, type_name):
    """(ok, pk): a filter id that names nothing answers an empty list, not everything."""
    if global_id is None:
        return True, None
    pk = ids.decode_global_id(global_id, type_name)
    return pk is not None, pk


def _history():
    return Prefetch("status_changes", queryset=ModelWorkerStatusChange.objects.order_by("id"))


def _attachments(model):
    return Prefetch("attachments" if model is NominationAttachment else "documents",
                    queryset=model.objects.select_related("file").order_by("id"))  # fmt: skip


class ModelWorkerQueries(graphene.ObjectType):
    model_workers = graphene.Field(
        ModelWorkerConnection,
        required=True,
        status=StatusEnum(),
        level=LevelEnum(),
        category=CategoryEnum(),
        title=TitleEnum(),
        batch=graphene.ID(description="Only this award batch."),
        awarding_node=graphene.ID(description="Only titles awarded by this federation node."),
        search=graphene.String(description="Part of the name or the employer."),
        description="The model-worker registry the viewer may see, newest first (on a union host: that union's "
        "own model workers).",
        **connection_args(),
    )
    model_worker = graphene.Field(ModelWorker, id=graphene.ID(required=True))
    award_batches = graphene.Field(
        AwardBatchConnection,
        required=True,
        year=graphene.Int(),
        status=BatchStatusEnum(),
        description="Award batches the viewer may see, newest first (on a union host: those it may nominate to).",
        **connection_args(),
    )
    award_batch = graphene.Field(AwardBatch, id=graphene.ID(required=True))
    nominations = graphene.Field(
        NominationConnection,
        required=True,
        batch=graphene.ID(),
        status=NominationStatusEnum(),
        description="Nominations the viewer may see, newest first (on a union host: that union's own).",
        **connection_args(),
    )
    nomination = graphene.Field(Nomination, id=graphene.ID(required=True))
    public_notices = graphene.Field(
        PublicNoticeConnection,
        required=True,
        batch=graphene.ID(),
        description="Public notices (公示) of the batches the viewer may see, newest first.",
        **connection_args(),
    )
    public_notice = graphene.Field(PublicNotice, id=graphene.ID(required=True))
    objections = graphene.Field(
        ObjectionConnection,
        required=True,
        notice=graphene.ID(),
        description="Objections received on notices, for the awarding federation's staff; empty elsewhere.",
        **connection_args(),
    )
    revocations = graphene.Field(
        RevocationConnection,
        required=True,
        worker=graphene.ID(),
        status=RevocationStatusEnum(),
        description="Revocation proposals and decisions, for the awarding federation's staff; empty elsewhere.",
        **connection_args(),
    )

    @staticmethod
    def resolve_model_workers(
        root,
        info,
        status=None,
        level=None,
        category=None,
        title=None,
        batch=None,
        awarding_node=None,
        search=None,
        first=None,
        after=None,
    ):
        context = info.context
        batch_ok, batch_id = _decoded(batch, AWARD_BATCH)
        node_ok, node_id = _decoded(awarding_node, ids.FEDERATION_NODE)
        if (context.union is not None and not context.union_visible) or not (batch_ok and node_ok):
            return empty_connection(ModelWorkerConnection)
        queryset = selectors.worker_list(
            actor=context.actor,
            union=context.union,
            status=_value(status),
            level=_value(level),
            category=_value(category),
            title=_value(title),
            batch_id=batch_id,
            awarding_node_id=node_id,
            search=(search or "").strip() or None,
        )
        queryset = queryset.select_related("awarding_node", "batch").prefetch_related(_history())
        return _page(queryset, ModelWorkerConnection, first, after)

    @staticmethod
    def resolve_model_worker(root, info, id):
        worker = or_none(worker_for, info.context, id)
        return worker

    @staticmethod
    def resolve_award_batches(root, info, year=None, status=None, first=None, after=None):
        context = info.context
        if context.union is not None and not context.union_visible:
            return empty_connection(AwardBatchConnection)
        queryset = selectors.batch_list(
            actor=context.actor, union=context.union, year=year, status=_value(status)
        )
        connection = _page(queryset, AwardBatchConnection, first, after)

        context.loader(BatchQuotaLoader).queue(batch.pk for batch in connection.items)
        return connection

    @staticmethod
    def resolve_award_batch(root, info, id):
        return or_none(batch_for, info.context, id)

    @staticmethod
    def resolve_nominations(root, info, batch=None, status=None, first=None, after=None):
        context = info.context
        batch_ok, batch_id = _decoded(batch, AWARD_BATCH)
        if (context.union is not None and not context.union_visible) or not batch_ok:
            return empty_connection(NominationConnection)
        queryset = selectors.nomination_list(
            actor=context.actor, union=context.union, batch_id=batch_id, status=_value(status)
        )
        queryset = queryset.select_related("batch", "union").prefetch_related(
            _attachments(NominationAttachment)
        )
        return _page(queryset, NominationConnection, first, after)

    @staticmethod
    def resolve_nomination(root, info, id):
        return or_none(nomination_for, info.context, id)

    @staticmethod
    def resolve_public_notices(root, info, batch=None, first=None, after=None):
        context = info.context
        batch_ok, batch_id = _decoded(batch, AWARD_BATCH)
        if (context.union is not None and not context.union_visible) or not batch_ok:
            return empty_connection(PublicNoticeConnection)
        queryset = selectors.notice_list(actor=context.actor, union=context.union, batch_id=batch_id)
        connection = _page(queryset.select_related("batch"), PublicNoticeConnection, first, after)

        context.loader(NoticeEntriesLoader).queue(notice.pk for notice in connection.items)
        return connection

    @staticmethod
    def resolve_public_notice(root, info, id):
        return or_none(notice_for, info.context, id)

    @staticmethod
    def resolve_objections(root, info, notice=None, first=None, after=None):
        context = info.context
        notice_ok, notice_id = _decoded(notice, PUBLIC_NOTICE)
        if context.union is not None or not notice_ok:
            return empty_connection(ObjectionConnection)
        queryset = selectors.objection_list(actor=context.actor, notice_id=notice_id).select_related(
            "nomination"
        )
        return _page(queryset, ObjectionConnection, first, after)

    @staticmethod
    def resolve_revocations(root, info, worker=None, status=None, first=None, after=None):
        context = info.context
        worker_ok, worker_id = _decoded(worker, MODEL_WORKER)
        if context.union is not None or not worker_ok:
            return empty_connection(RevocationConnection)
        queryset = selectors.revocation_list(actor=context.actor, worker_id=worker_id, status=_value(status))
        queryset = queryset.select_related("worker").prefetch_related(_attachments(RevocationDocument))
        return _page(queryset, RevocationConnection, first, after)
