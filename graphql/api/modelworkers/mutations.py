"""Mutations for award batches, the registry, nominations, public notices, objections and revocations: thin
calls into modelworkers.awards and modelworkers.services.

Federation operations need node.manage on the awarding node and run on the public host; nominating runs on the
nominating union's own host (union.manage). Each operation takes at most one required id; the others are derived
(an objection's notice from the nomination) or optional."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.access import node_for, union_for
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from api.core.uploads import decoded_base64
from files.checks import max_upload_bytes
from modelworkers import awards, services
from unionhub.errors import DomainValidationError

from .types import (
    MEMBER,
    NOMINATION,
    AwardBatch,
    CategoryEnum,
    LevelEnum,
    ModelWorker,
    Nomination,
    Objection,
    PublicNotice,
    QuotaBoundEnum,
    Revocation,
    RevocationGroundEnum,
    TitleEnum,
    batch_for,
    nomination_for,
    notice_for,
    objection_for,
    revocation_for,
    worker_for,
)


def _value(enum_value):
    return getattr(enum_value, "value", enum_value)


def _fetched(fetch, context, global_id, field: str, perm: Perm = Perm.NODE_MANAGE):
    try:
        return fetch(context, global_id, perm)
    except AccessDenied:
        raise field_not_found(field) from None


class QuotaRuleInput(graphene.InputObjectType):
    class Meta:
        name = "AwardQuotaRuleInput"

    code = graphene.String(required=True)
    label = graphene.String()
    categories = graphene.List(graphene.NonNull(CategoryEnum), required=True)
    of_categories = graphene.List(
        graphene.NonNull(CategoryEnum), description="The base of the share; empty or omitted = all places."
    )
    bound = QuotaBoundEnum(required=True)
    permille = graphene.Int(required=True, description="450 = 45%.")


class AttachmentInput(graphene.InputObjectType):
    """A PDF, Word (.docx), PNG or JPEG file, base64-encoded."""

    class Meta:
        name = "ModelWorkerAttachmentInput"

    attachment_name = graphene.String(required=True, description="File name with its extension.")
    attachment_base64 = graphene.String(required=True)
    attachment_label = graphene.String(description="What the file is, e.g. 职代会决议.")


def _attachments(items, field: str) -> list[awards.AttachmentSpec]:
    limit = max_upload_bytes("modelworkers")
    specs = []
    for item in items or ():
        content = decoded_base64(item.get("attachment_base64") or "", limit, field=field)
        specs.append(
            awards.AttachmentSpec(
                filename=item.get("attachment_name") or "",
                content=content,
                label=item.get("attachment_label") or "",
            )
        )
    return specs


def _rules(items):
    if items is None:
        return None
    return [
        awards.quotas.Rule(
            code=item.get("code") or "",
            categories=tuple(_value(c) for c in item.get("categories") or ()),
            bound=_value(item.get("bound")),
            permille=item.get("permille"),
            of_categories=tuple(_value(c) for c in item.get("of_categories") or ()),
            label=item.get("label") or "",
        )
        for item in items
    ]


# --- batches -----------------------------------------------------------------------------------------------------


class AwardBatchCreateInput(graphene.InputObjectType):
    awarding_node = graphene.ID(required=True, description="The city or county federation that awards.")
    name = graphene.String(required=True)
    session = graphene.Int(required=True, description="届次.")
    year = graphene.Int(required=True)
    places = graphene.Int(required=True)
    notice_days = graphene.Int(description="Length of the public notice in days (default 7).")
    nomination_deadline = graphene.Date()
    quota_rules = graphene.List(
        graphene.NonNull(QuotaRuleInput), description="Omitted: the national quotas of 2005."
    )


class AwardBatchCreate(BaseMutation):
    """Open a selection round with its places and category quotas (node.manage on the awarding node)."""

    class Arguments:
        input = AwardBatchCreateInput(required=True)

    batch = graphene.Field(AwardBatch)

    @classmethod
    def perform(cls, info, context, input):
        try:
            node = node_for(context, input["awarding_node"], Perm.NODE_MANAGE)
        except AccessDenied:
            raise field_not_found("awarding_node") from None
        batch = awards.batch_create(
            awarding_node=node,
            name=input["name"],
            session=input["session"],
            year=input["year"],
            places=input["places"],
            notice_days=input.get("notice_days") or 7,
            nomination_deadline=input.get("nomination_deadline"),
            rules=_rules(input.get("quota_rules")),
            actor=context.actor,
        )
        return {"batch": batch}


class AwardBatchQuotasSet(BaseMutation):
    """Replace a batch's quotas while nothing has been awarded in it."""

    class Arguments:
        id = graphene.ID(required=True)
        quota_rules = graphene.List(graphene.NonNull(QuotaRuleInput), required=True)

    batch = graphene.Field(AwardBatch)

    @classmethod
    def perform(cls, info, context, id, quota_rules):
        batch = _fetched(batch_for, context, id, "id")
        return {"batch": awards.batch_rules_set(batch=batch, rules=_rules(quota_rules))}


class AwardBatchClose(BaseMutation):
    """End a batch once every nomination in it is decided."""

    class Arguments:
        id = graphene.ID(required=True)

    batch = graphene.Field(AwardBatch)

    @classmethod
    def perform(cls, info, context, id):
        return {"batch": awards.batch_close(batch=_fetched(batch_for, context, id, "id"))}


# --- the registry ------------------------------------------------------------------------------------------------


class ModelWorkerRegisterInput(graphene.InputObjectType):
    awarding_node = graphene.ID(required=True, description="The federation whose registry records the title.")
    id_number = graphene.String(required=True, description="Validated and hashed; never stored.")
    name = graphene.String(required=True)
    level = LevelEnum(required=True)
    title = TitleEnum(required=True)
    category = CategoryEnum(required=True)
    awarded_on = graphene.Date(required=True)
    employing_union = graphene.ID(description="The employer's union when it is in the system.")
    employer_name = graphene.String(description="Default: the union's name.")


class ModelWorkerRegister(BaseMutation):
    """Enter an award made outside the nomination workflow (earlier awards, higher levels) in a registry."""

    class Arguments:
        input = ModelWorkerRegisterInput(required=True)

    worker = graphene.Field(ModelWorker)

    @classmethod
    def perform(cls, info, context, input):
        try:
            node = node_for(context, input["awarding_node"], Perm.NODE_MANAGE)
        except AccessDenied:
            raise field_not_found("awarding_node") from None
        union = None
        if input.get("employing_union") is not None:
            try:
                union = union_for(context, input["employing_union"], Perm.UNION_VIEW)
            except AccessDenied:
                raise field_not_found("employing_union") from None
        worker = awards.modelworker_register(
            awarding_node=node,
            id_number=input["id_number"],
            name=input["name"],
            level=_value(input["level"]),
            title=_value(input["title"]),
            category=_value(input["category"]),
            awarded_on=input["awarded_on"],
            employing_union=union,
            employer_name=input.get("employer_name") or "",
            actor=context.actor,
        )
        return {"worker": worker}


# --- nominations -------------------------------------------------------------------------------------------------


class NominationSubmitInput(graphene.InputObjectType):
    member = graphene.ID(description="The member (Member global id of the host's union) ...")
    member_id_number = graphene.String(description="... or the member's identity number (one of the two).")
    title = TitleEnum(required=True)
    category = CategoryEnum(required=True)
    deeds = graphene.String(required=True, description="主要事迹.")
    congress_date = graphene.Date(
        required=True, description="Date of the workers' congress (职代会) discussion."
    )
    congress_attendance = graphene.Int(required=True, description="Delegates present.")
    congress_votes_for = graphene.Int(
        required=True, description="Votes for; more than half of those present."
    )
    employer_name = graphene.String(description="Default: the union's name.")
    attachments = graphene.List(graphene.NonNull(AttachmentInput))


def _member_pk(context, input) -> int | None:
    union = context.union
    if input.get("member") is not None:
        pk = ids.decode_tenant_global_id(input["member"], MEMBER, union.pk)
        if pk is None:
            raise field_not_found("member")
        return pk
    if input.get("member_id_number"):
        pk = awards.member_pk_by_number(union=union, id_number=input["member_id_number"])
        if pk is None:
            raise DomainValidationError.single(
                "member_id_number", "not_active_member", _("只能推荐本工会会籍正常的会员。")
            )
        return pk
    raise DomainValidationError.single("member", "required", _("请选择被推荐的会员。"))


class NominationSubmit(BaseMutation):
    """Nominate an active member of the host's union to a batch of a federation above it (union.manage). The
    payload carries the quota warnings of the batch's list with this nomination (approval enforces them)."""

    class Arguments:
        batch = graphene.ID(required=True)
        input = NominationSubmitInput(required=True)

    nomination = graphene.Field(Nomination)
    warnings = graphene.List(graphene.NonNull(graphene.String), required=True)

    audit_sensitive_fields = BaseMutation.audit_sensitive_fields | {"member_id_number", "attachments"}

    @classmethod
    def mutate(cls, root, info, **arguments):
        result = super().mutate(root, info, **arguments)
        if result.warnings is None:
            result.warnings = []
        return result

    @classmethod
    def perform(cls, info, context, batch, input):
        union = context.union
        if union is None or not context.actor.can_on_union(Perm.UNION_MANAGE, union):
            raise AccessDenied
        found = _fetched(batch_for, context, batch, "batch", Perm.NODE_VIEW)
        nomination, warnings = awards.nomination_submit(
            batch=found,
            union=union,
            member_id=_member_pk(context, input),
            title=_value(input["title"]),
            category=_value(input["category"]),
            deeds=input["deeds"],
            congress_date=input["congress_date"],
            congress_attendance=input["congress_attendance"],
            congress_votes_for=input["congress_votes_for"],
            employer_name=input.get("employer_name") or "",
            attachments=_attachments(input.get("attachments"), "attachments"),
            actor=context.actor,
        )
        return {"nomination": nomination, "warnings": warnings}


class NominationAccept(BaseMutation):
    """The federation's review passes the nomination: it waits for the public notice."""

    class Arguments:
        id = graphene.ID(required=True)

    nomination = graphene.Field(Nomination)

    @classmethod
    def perform(cls, info, context, id):
        nomination = _fetched(nomination_for, context, id, "id")
        return {"nomination": awards.nomination_accept(nomination=nomination, actor=context.actor)}


class NominationReject(BaseMutation):
    """The federation's review refuses the nomination, with the reason."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    nomination = graphene.Field(Nomination)

    @classmethod
    def perform(cls, info, context, id, reason):
        nomination = _fetched(nomination_for, context, id, "id")
        return {
            "nomination": awards.nomination_reject(nomination=nomination, reason=reason, actor=context.actor)
        }


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
        from modelworkers.models import Nomination as NominationModel

        found = _fetched(batch_for, context, batch, "batch")
        nominations = None
        if input.get("nominations") is not None:
            pks = [ids.decode_global_id(gid, NOMINATION) for gid in input["nominations"]]
            if any(pk is None for pk in pks):
                raise field_not_found("nominations")
            nominations = [NominationModel(pk=pk) for pk in pks]
        notice = awards.notice_publish(
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
        found = _fetched(nomination_for, context, nomination, "nomination")
        if found.notice_id is None:
            raise DomainValidationError.single("nomination", "not_on_notice", _("该人选不在公示中。"))
        objection = awards.objection_record(
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
        objection = _fetched(objection_for, context, id, "id")
        objection = awards.objection_resolve(
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
        notice = _fetched(notice_for, context, id, "id")
        workers = awards.notice_approve(
            notice=notice, approval_document=approval_document or "", actor=context.actor
        )
        notice.refresh_from_db()
        return {"notice": notice, "workers": workers}


# --- revocation --------------------------------------------------------------------------------------------------


class RevocationProposeInput(graphene.InputObjectType):
    grounds = graphene.List(graphene.NonNull(RevocationGroundEnum), required=True)
    note = graphene.String()
    documents = graphene.List(graphene.NonNull(AttachmentInput), description="Supporting documents.")


class RevocationPropose(BaseMutation):
    """Propose revoking a title (撤销称号) on grounds from the list, with supporting documents."""

    class Arguments:
        worker = graphene.ID(required=True)
        input = RevocationProposeInput(required=True)

    revocation = graphene.Field(Revocation)

    audit_sensitive_fields = BaseMutation.audit_sensitive_fields | {"documents"}

    @classmethod
    def perform(cls, info, context, worker, input):
        found = _fetched(worker_for, context, worker, "worker")
        documents = _attachments(input.get("documents"), "documents")
        revocation = services.revocation_propose(
            worker=found,
            grounds=[_value(g) for g in input.get("grounds") or ()],
            note=input.get("note") or "",
            source="manual",
            actor=context.actor,
        )
        if documents:
            awards.revocation_documents_store(revocation=revocation, documents=documents)
        return {"revocation": revocation}


class RevocationApprove(BaseMutation):
    """Approve a proposal (the awarding federation's admin), recording the approval document: the title is
    revoked today."""

    class Arguments:
        id = graphene.ID(required=True)
        approval_document = graphene.String(required=True)
        decision_note = graphene.String()

    revocation = graphene.Field(Revocation)

    @classmethod
    def perform(cls, info, context, id, approval_document, decision_note=None):
        revocation = _fetched(revocation_for, context, id, "id")
        revocation = services.revocation_approve(
            revocation=revocation,
            approval_document=approval_document,
            decision_note=decision_note or "",
            actor=context.actor,
        )
        return {"revocation": revocation}


class RevocationReject(BaseMutation):
    """Refuse a proposal, with the reason."""

    class Arguments:
        id = graphene.ID(required=True)
        decision_note = graphene.String(required=True)

    revocation = graphene.Field(Revocation)

    @classmethod
    def perform(cls, info, context, id, decision_note):
        revocation = _fetched(revocation_for, context, id, "id")
        revocation = services.revocation_reject(
            revocation=revocation, decision_note=decision_note, actor=context.actor
        )
        return {"revocation": revocation}


class ModelWorkerMutations(graphene.ObjectType):
    # The audit walk runs them in this order with every id of its world (tests/modelworkers/worlds.py): accept
    # before reject, the objection resolved before the approval, approval before reject, close last.
    award_batch_create = AwardBatchCreate.Field()
    award_batch_quotas_set = AwardBatchQuotasSet.Field()
    model_worker_register = ModelWorkerRegister.Field()
    nomination_submit = NominationSubmit.Field()
    nomination_accept = NominationAccept.Field()
    nomination_reject = NominationReject.Field()
    public_notice_publish = PublicNoticePublish.Field()
    objection_record = ObjectionRecord.Field()
    objection_resolve = ObjectionResolve.Field()
    public_notice_approve = PublicNoticeApprove.Field()
    revocation_propose = RevocationPropose.Field()
    revocation_approve = RevocationApprove.Field()
    revocation_reject = RevocationReject.Field()
    award_batch_close = AwardBatchClose.Field()
