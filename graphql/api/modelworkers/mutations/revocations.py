"""Revocation mutations: propose, approve, reject."""

from __future__ import annotations

import graphene

from api.core.mutations import BaseMutation
from api.core.types import enum_value
from modelworkers import services
from modelworkers.awards.revocations import revocation_documents_store

from ..access import (
    fetched_for,
    revocation_for,
    worker_for,
)
from ..types import (
    Revocation,
    RevocationGroundEnum,
)
from .attachments import AttachmentInput, _attachments

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
        found = fetched_for(worker_for, context, worker, "worker")
        documents = _attachments(input.get("documents"), "documents")
        revocation = services.revocation_propose(
            worker=found,
            grounds=[enum_value(g) for g in input.get("grounds") or ()],
            note=input.get("note") or "",
            source="manual",
            actor=context.actor,
        )
        if documents:
            revocation_documents_store(revocation=revocation, documents=documents)
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
        revocation = fetched_for(revocation_for, context, id, "id")
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
        revocation = fetched_for(revocation_for, context, id, "id")
        revocation = services.revocation_reject(
            revocation=revocation, decision_note=decision_note, actor=context.actor
        )
        return {"revocation": revocation}
