"""Mutations for award batches, the registry, nominations, public notices, objections and revocations: thin
calls into modelworkers.awards and modelworkers.services, one module per area. This module assembles the root fields.

Federation operations need node.manage on the awarding node and run on the public host; nominating runs on the
nominating union's own host (union.manage). Each operation takes at most one required id; the others are derived
(an objection's notice from the nomination) or optional."""

from __future__ import annotations

import graphene

from .batches import AwardBatchClose, AwardBatchCreate, AwardBatchQuotasSet
from .nominations import NominationAccept, NominationReject, NominationSubmit
from .notices import ObjectionRecord, ObjectionResolve, PublicNoticeApprove, PublicNoticePublish
from .registry import ModelWorkerRegister
from .revocations import RevocationApprove, RevocationPropose, RevocationReject


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
