"""Public notice (公示), objections and approval."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from api.core import ids
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from modelworkers.awards.notices import notice_approve, notice_publish, objection_record, objection_resolve
from modelworkers.models import Nomination as NominationModel
from unionhub.errors import DomainValidationError

from ..access import (
    NOMINATION,
    batch_for,
    fetched_for,
    nomination_for,
    notice_for,
    objection_for,
)
from ..types import (
    ModelWorker,
    Objection,
    PublicNotice,
)

# --- public notice, objections, approval -------------------------------------------------------------------------


class PublicNoticePublishInput(graphene.InputObjectType):
    starts_on = graphene.Date(required=True)
    days = graphene.Int(description="Default: the batch's notice days (7).")
    title = graphene.String()
    nominations = graphene.List(
        graphene.NonNull(graphene.ID),
        description="Accepted nominations to post; omitted = all accepted ones.",
    )


class PublicNoticePublish(BaseMutation):
    """Post accepted nominations of a batch for public notice (公示)."""

    class Arguments:
        batch = graphene.ID(required=True)
        input = PublicNoticePublishInput(required=True)

    notice = graphene.Field(PublicNotice)

    @classmethod
    def perform(cls, info, context, batch, input):
        found = fetched_for(batch_for, context, batch, "batch")
        nominations = None
        if input.get("nominations") is not None:
            pks = [ids.decode_global_id(gid, NOMINATION) for gid in input["nominations"]]
            if any(pk is None for pk in pks):
                raise field_not_found("nominations")
            nominations = [NominationModel(pk=pk) for pk in pks]
        notice = notice_publish(
            batch=found,
            starts_on=input["starts_on"],
            days=input.get("days"),
            title=input.get("title") or "",
            nominations=nominations,
            actor=context.actor,
        )
        return {"notice": notice}


class ObjectionRecordInput(graphene.InputObjectType):
    content = graphene.String(required=True)
    received_on = graphene.Date(required=True)
    objector = graphene.String(description="Who objected (may be left empty).")


class ObjectionRecord(BaseMutation):
    """Record an objection against a nominee on a running notice (the notice is the nomination's)."""

    class Arguments:
        nomination = graphene.ID(required=True)
        input = ObjectionRecordInput(required=True)

    objection = graphene.Field(Objection)

    @classmethod
    def perform(cls, info, context, nomination, input):
        found = fetched_for(nomination_for, context, nomination, "nomination")
        if found.notice_id is None:
            raise DomainValidationError.single("nomination", "not_on_notice", _("该人选不在公示中。"))
        objection = objection_record(
            notice=found.notice,
            nomination=found,
            content=input["content"],
            received_on=input["received_on"],
            objector=input.get("objector") or "",
            actor=context.actor,
        )
        return {"objection": objection}


class ObjectionResolve(BaseMutation):
    """Record the check of an objection: upheld removes the nominee from the list."""

    class Arguments:
        id = graphene.ID(required=True)
        upheld = graphene.Boolean(required=True)
        resolution = graphene.String(required=True)

    objection = graphene.Field(Objection)

    @classmethod
    def perform(cls, info, context, id, upheld, resolution):
        objection = fetched_for(objection_for, context, id, "id")
        objection = objection_resolve(
            objection=objection, upheld=upheld, resolution=resolution, actor=context.actor
        )
        return {"objection": objection}


class PublicNoticeApprove(BaseMutation):
    """Award the titles to the nominees left on a notice, today: refused while the notice runs, with an
    objection unresolved, beyond the batch's places or when a category quota would break."""

    class Arguments:
        id = graphene.ID(required=True)
        approval_document = graphene.String(description="The approving document (批准文号).")

    notice = graphene.Field(PublicNotice)
    workers = graphene.List(graphene.NonNull(ModelWorker), required=True)

    @classmethod
    def mutate(cls, root, info, **arguments):
        result = super().mutate(root, info, **arguments)
        if result.workers is None:
            result.workers = []
        return result

    @classmethod
    def perform(cls, info, context, id, approval_document=None):
        notice = fetched_for(notice_for, context, id, "id")
        workers = notice_approve(
            notice=notice, approval_document=approval_document or "", actor=context.actor
        )
        notice.refresh_from_db()
        return {"notice": notice, "workers": workers}
