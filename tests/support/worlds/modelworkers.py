"""Model-worker registry objects for the schema walks (tests/audit/test_mutation_audit.py and
tests/isolation/test_isolation.py)."""

from __future__ import annotations

from datetime import date, timedelta

from graphql_relay import to_global_id


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def _nominate(batch, union, *, name: str, deeds: str = "事迹材料"):
    from membership.services import member_create
    from modelworkers.awards.nominations import nomination_submit
    from tests.support.members import make_id, member_kwargs

    member = member_create(union=union, **member_kwargs(name=name, id_number=make_id(area="330110")))
    nomination, _ = nomination_submit(
        batch=batch,
        union=union,
        member_id=member.pk,
        title="model_worker",
        category="frontline",
        deeds=deeds,
        congress_date=date(2026, 1, 10),
        congress_attendance=50,
        congress_votes_for=40,
        today=date(2026, 1, 15),
    )
    return nomination, member


def _register(node, union, *, name: str):
    from modelworkers.awards.registry import modelworker_register
    from tests.support.members import make_id

    today = _today()
    return modelworker_register(
        awarding_node=node,
        id_number=make_id(area="330110", birth="19720101"),
        name=name,
        level="county",
        title="model_worker",
        category="frontline",
        awarded_on=today - timedelta(days=300),
        employing_union=union,
    )


def _running_notice(batch, union, *, name: str):
    """A nominee on a notice running today (objections can be recorded)."""
    from modelworkers.awards.nominations import nomination_accept
    from modelworkers.awards.notices import notice_publish

    nomination, _ = _nominate(batch, union, name=name)
    nomination_accept(nomination=nomination)
    notice = notice_publish(batch=batch, starts_on=_today() - timedelta(days=1), nominations=[nomination])
    return notice, nomination


def modelworkers_audit_objects(union, *, county) -> tuple[list[str], dict]:
    """For the audit walk (platform admin; mutations in the order of api.modelworkers.mutations). Returns
    (global ids, value hints for this walk only):

    - batch 1 (open, no quotas): a submitted nomination to accept (then posted by publicNoticePublish), a submitted
      nomination whose member has since retired (accept refuses it, so reject takes it), and an active member not
      yet nominated, named to nominationSubmit by the "memberIdNumber" hint; awardBatchQuotasSet edits it;
    - batch 2: a notice that ended with two nominees and an open objection against the first: objectionResolve
      upholds it (the first leaves the list), publicNoticeApprove awards the second, awardBatchClose closes it;
    - batch 3: a notice running today with one nominee, for objectionRecord (the "receivedOn" hint is today);
    - model workers: one free (revocationPropose), one with a proposal (revocationApprove), one with a proposal
      whose holder has since died (approval refuses it, so revocationReject takes it).
    """
    from membership.services import member_change_status, member_create
    from modelworkers.awards.batches import batch_create
    from modelworkers.awards.nominations import nomination_accept
    from modelworkers.awards.notices import notice_publish, objection_record
    from modelworkers.services import modelworker_transition, revocation_propose
    from tests.support.members import make_id, member_kwargs

    today = _today()
    first = batch_create(
        awarding_node=county, name="审计劳模评选一", session=1, year=today.year, places=20, rules=[]
    )
    to_accept, _ = _nominate(first, union, name="审计被推荐甲")
    to_reject, retired = _nominate(first, union, name="审计被推荐乙")
    member_change_status(
        member=retired, to_status="retained", reason="retired", effective_on=today, union=union
    )
    number = make_id(area="330110", birth="19800101")
    member_create(union=union, **member_kwargs(name="审计待推荐会员", id_number=number))

    second = batch_create(
        awarding_node=county, name="审计劳模评选二", session=2, year=today.year, places=20, rules=[]
    )
    withdrawn, _ = _nominate(second, union, name="审计被推荐丙")
    awarded, _ = _nominate(second, union, name="审计被推荐丁")
    for nomination in (withdrawn, awarded):
        nomination_accept(nomination=nomination)
    ended = notice_publish(batch=second, starts_on=today - timedelta(days=20))
    objection = objection_record(
        notice=ended, nomination=withdrawn, content="审计异议", received_on=today - timedelta(days=18)
    )

    third = batch_create(
        awarding_node=county, name="审计劳模评选三", session=3, year=today.year, places=20, rules=[]
    )
    _, on_notice = _running_notice(third, union, name="审计公示中人选")

    free = _register(county, union, name="审计劳模甲")
    to_revoke = _register(county, union, name="审计劳模乙")
    revocation = revocation_propose(worker=to_revoke, grounds=["fraud"], note="审计撤销")
    dead = _register(county, union, name="审计劳模丙")
    refused = revocation_propose(worker=dead, grounds=["false_deeds"], note="审计撤销二")
    modelworker_transition(worker=dead, to_status="deceased", on=today, reason="病故")

    ids = [
        to_global_id("AwardBatch", first.pk),
        to_global_id("Nomination", to_accept.pk),
        to_global_id("Nomination", to_reject.pk),
        to_global_id("AwardBatch", second.pk),
        to_global_id("Objection", objection.pk),
        to_global_id("PublicNotice", ended.pk),
        to_global_id("AwardBatch", third.pk),
        to_global_id("Nomination", on_notice.pk),
        to_global_id("ModelWorker", free.pk),
        to_global_id("Revocation", revocation.pk),
        to_global_id("Revocation", refused.pk),
    ]
    return ids, {"memberIdNumber": lambda: number}


def modelworkers_victim_objects(*, union, county) -> tuple[list[str], list[str]]:
    """For the isolation walk: the victim county's batch with a nomination from the victim union (submitted),
    one on a running notice with an objection, a registered model worker with a revocation proposal. Returns
    (global ids, strings only the victim's side may see)."""
    from modelworkers.awards.batches import batch_create
    from modelworkers.awards.notices import objection_record
    from modelworkers.services import revocation_propose

    today = _today()
    batch = batch_create(
        awarding_node=county, name="受害县劳模评选批次", session=1, year=today.year, places=10
    )
    submitted, _ = _nominate(batch, union, name="受害者被推荐人", deeds="受害者先进事迹")
    notice, on_notice = _running_notice(batch, union, name="受害者公示人选")
    objection = objection_record(
        notice=notice, nomination=on_notice, content="受害者异议内容", received_on=today
    )
    worker = _register(county, union, name="受害者登记劳模")
    revocation = revocation_propose(worker=worker, grounds=["fraud"], note="受害者撤销说明")
    ids = [
        to_global_id("AwardBatch", batch.pk),
        to_global_id("Nomination", submitted.pk),
        to_global_id("Nomination", on_notice.pk),
        to_global_id("PublicNotice", notice.pk),
        to_global_id("Objection", objection.pk),
        to_global_id("ModelWorker", worker.pk),
        to_global_id("Revocation", revocation.pk),
    ]
    strings = [
        batch.name,
        submitted.name,
        submitted.deeds,
        on_notice.name,
        notice.title,
        objection.content,
        worker.name,
        revocation.note,
    ]
    return ids, strings


# Value hints for the registry mutations (merged into VALUE_HINTS by the walks).
MODELWORKERS_VALUE_HINTS = {
    "receivedOn": lambda: _today().isoformat(),  # an objection received today, inside a running notice
    "attachmentName": lambda: "材料.png",
    "attachmentBase64": lambda: _png_base64(),
}


def _png_base64() -> str:
    import base64

    from tests.support.files import make_png

    return base64.b64encode(make_png()).decode()
