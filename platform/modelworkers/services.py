"""Writes for the model-worker registry: status transitions with their history and live facts, revocation.

Every service validates before writing and raises DomainValidationError with the field named (nothing written);
callers wrap them in one transaction (GraphQL mutations do; the services also open their own atomic block so a
direct call is all-or-nothing). Access is decided by the caller (selectors.can_* and the GraphQL layer).

Live facts (rollup, attributed to the employing union, branch 0; workers whose employer is not a union in the
system are not in the facts): `mw_status_<status>` counts every worker by status; `mw_level_<level>` and
`mw_category_<category>` count the workers who hold the title (managed, ended or abroad; not revoked or deceased).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from files.models import StoredFile
from rollup.facts import facts_apply
from rollup.indicators import STOCK
from unionhub.errors import DomainValidationError, FieldError

from .models import (
    ModelWorker,
    ModelWorkerStatusChange,
    Revocation,
    RevocationDocument,
    RevocationGround,
    RevocationSource,
    RevocationStatus,
    WorkerStatus,
)

S = WorkerStatus

# Which status may follow which. Revoked and deceased are final; a title can be revoked after the term ended or
# after the holder settled abroad (illegal exit is a ground), and death is recorded from any living status.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.MANAGED: frozenset({S.ENDED, S.REVOKED, S.DECEASED, S.ABROAD}),
    S.ENDED: frozenset({S.REVOKED, S.DECEASED, S.ABROAD}),
    S.ABROAD: frozenset({S.REVOKED, S.DECEASED}),
    S.REVOKED: frozenset(),
    S.DECEASED: frozenset(),
}

# Statuses in which the person holds the title (counted in the level and category facts). A term that ended
# (管理期满) no longer counts: 取消终身制 (seeds 001:163, docs/modelworkers.md).
HOLDING_STATUSES = frozenset({S.MANAGED, S.ABROAD})
# Statuses whose record is still kept up to date (a change of employer, a revocation for deeds found false later).
ON_RECORD_STATUSES = frozenset({S.MANAGED, S.ENDED, S.ABROAD})


def _error(field: str, code: str, message) -> DomainValidationError:
    return DomainValidationError.single(field, code, message)


def actor_id_of(actor) -> int | None:
    """The accounts.User id of an Actor, a User, an id, or None (a scheduled task)."""
    if actor is None:
        return None
    if isinstance(actor, int) and not isinstance(actor, bool):
        return actor
    user = getattr(actor, "user", actor)
    return getattr(user, "pk", None)


# --- live facts --------------------------------------------------------------------------------------------------


def status_indicator(status: str) -> str:
    return f"mw_status_{status}"


def level_indicator(level: str) -> str:
    return f"mw_level_{level}"


def category_indicator(category: str) -> str:
    return f"mw_category_{category}"


def worker_facts(*, level: str, category: str, status: str) -> dict[str, int]:
    """The stock indicators one worker counts in: {indicator: 1}."""
    facts = {status_indicator(status): 1}
    if status in HOLDING_STATUSES:
        facts[level_indicator(level)] = 1
        facts[category_indicator(category)] = 1
    return facts


def _apply_worker_facts(worker: ModelWorker, *, union, status: str, sign: int) -> None:
    if union is None:
        return
    facts = worker_facts(level=worker.level, category=worker.category, status=status)
    facts_apply(
        union=union, deltas={(0, indicator, STOCK): sign * value for indicator, value in facts.items()}
    )


def _move_facts(worker: ModelWorker, *, old_status: str | None, new_status: str) -> None:
    union = worker.employing_union
    if union is None:
        return
    deltas: dict[tuple[int, str, str], int] = {}
    if old_status:
        for indicator, value in worker_facts(
            level=worker.level, category=worker.category, status=old_status
        ).items():
            deltas[(0, indicator, STOCK)] = deltas.get((0, indicator, STOCK), 0) - value
    for indicator, value in worker_facts(
        level=worker.level, category=worker.category, status=new_status
    ).items():
        deltas[(0, indicator, STOCK)] = deltas.get((0, indicator, STOCK), 0) + value
    facts_apply(union=union, deltas=deltas)


# --- status transitions ------------------------------------------------------------------------------------------


def _locked_worker(worker: ModelWorker) -> ModelWorker:
    return (
        ModelWorker.objects.select_for_update(of=("self",))
        .select_related("employing_union")
        .get(pk=worker.pk)
    )


def modelworker_transition(
    *,
    worker: ModelWorker,
    to_status: str,
    on: date,
    reason: str = "",
    actor=None,
    revocation: Revocation | None = None,
) -> ModelWorker:
    """Move a worker to `to_status` effective `on`: checks the transition table, writes the history row and
    moves the live facts, in one transaction. Revocation goes through `revocation_approve` (it passes the
    approved revocation); the term end is refused before the continuation period is over."""
    reason = (reason or "").strip()
    if to_status not in S.values:
        raise _error("to_status", "invalid_choice", _("请选择有效的劳模状态。"))
    if not isinstance(on, date):
        raise _error("on", "required", _("请填写生效日期。"))
    if len(reason) > 500:
        raise _error("reason", "too_long", _("原因不能超过500个字符。"))
    with transaction.atomic():
        worker = _locked_worker(worker)
        allowed = TRANSITIONS[worker.status]
        if to_status not in allowed:
            raise _error(
                "to_status",
                "illegal_transition",
                _("劳模状态不能从“%(from)s”变更为“%(to)s”。")
                % {"from": S(worker.status).label, "to": S(to_status).label},
            )
        if on > timezone.localdate():
            raise _error("on", "in_future", _("生效日期不能晚于今天。"))
        if on < worker.awarded_on or (worker.status_changed_on and on < worker.status_changed_on):
            raise _error("on", "before_last_change", _("生效日期不能早于授予日期或上一次状态变更日期。"))
        if to_status == S.ENDED and on <= worker.continuation_last_day:
            raise _error(
                "on",
                "term_not_over",
                _("延续管理期至%(day)s届满，届满后才能变更为管理期满。")
                % {"day": worker.continuation_last_day.isoformat()},
            )
        if to_status == S.REVOKED and (
            revocation is None
            or revocation.worker_id != worker.pk
            or revocation.status != RevocationStatus.APPROVED
        ):
            raise _error("grounds", "revocation_required", _("撤销称号须先提出撤销理由并经批准。"))
        old_status = worker.status
        ModelWorkerStatusChange.objects.create(
            worker=worker,
            from_status=old_status,
            to_status=to_status,
            effective_on=on,
            reason=reason,
            revocation=revocation if to_status == S.REVOKED else None,
            actor_id=actor_id_of(actor),
        )
        worker.status = to_status
        worker.status_changed_on = on
        worker.save(update_fields=["status", "status_changed_on", "updated_at"])
        _move_facts(worker, old_status=old_status, new_status=to_status)
    return worker


def record_award(*, worker: ModelWorker, actor=None, reason: str = "") -> None:
    """The first history row and the facts of a newly created worker (status managed)."""
    ModelWorkerStatusChange.objects.create(
        worker=worker,
        from_status="",
        to_status=worker.status,
        effective_on=worker.awarded_on,
        reason=reason,
        actor_id=actor_id_of(actor),
    )
    _move_facts(worker, old_status=None, new_status=worker.status)


def modelworker_employer_change(
    *, worker: ModelWorker, union, employer_name: str, on: date, actor=None
) -> ModelWorker:
    """Transfer of employer (a life event): the facts move from the old union to the new one (None = an employer
    outside the system). Recorded in the history as a note; the status does not change."""
    employer_name = (employer_name or "").strip() or (union.name if union is not None else "")
    if not employer_name:
        raise _error("employer_name", "required", _("请填写新的工作单位。"))
    if len(employer_name) > 200:
        raise _error("employer_name", "too_long", _("工作单位不能超过200个字符。"))
    with transaction.atomic():
        worker = _locked_worker(worker)
        if worker.status not in ON_RECORD_STATUSES:
            raise _error("worker", "not_holding", _("该劳模称号已撤销或本人已故，不能变更工作单位。"))
        old_union = worker.employing_union
        _apply_worker_facts(worker, union=old_union, status=worker.status, sign=-1)
        worker.employing_union = union
        worker.employer_name = employer_name
        worker.save(update_fields=["employing_union", "employer_name", "updated_at"])
        _apply_worker_facts(worker, union=union, status=worker.status, sign=1)
        ModelWorkerStatusChange.objects.create(
            worker=worker,
            from_status=worker.status,
            to_status=worker.status,
            effective_on=on,
            reason=_("工作单位变更为：%(name)s") % {"name": employer_name},
            actor_id=actor_id_of(actor),
        )
    return worker


# --- revocation --------------------------------------------------------------------------------------------------


def _clean_grounds(grounds) -> list[str]:
    values = [str(g) for g in (grounds or [])]
    if not values:
        raise _error("grounds", "required", _("撤销称号须至少选择一项撤销理由。"))
    unknown = [g for g in values if g not in RevocationGround.values]
    if unknown:
        raise _error(
            "grounds", "invalid_choice", _("撤销理由无效：%(value)s。") % {"value": "、".join(unknown)}
        )
    return list(dict.fromkeys(values))  # unique, order kept


def revocation_propose(
    *,
    worker: ModelWorker,
    grounds: Iterable[str],
    note: str = "",
    source: str = RevocationSource.MANUAL,
    actor=None,
    documents: Iterable = (),
    on: date | None = None,
) -> Revocation:
    """Open a proposal to revoke the title (grounds from RevocationGround, supporting files.StoredFile rows).
    mw-care calls it with source "assessment" when an annual assessment fails."""
    grounds = _clean_grounds(grounds)
    note = (note or "").strip()
    errors: list[FieldError] = []
    if source not in RevocationSource.values:
        errors.append(FieldError("source", "invalid_choice", _("请选择有效的来源。")))
    if len(note) > 5000:
        errors.append(FieldError("note", "too_long", _("情况说明不能超过5000个字符。")))
    on = on or timezone.localdate()
    files = []
    for document in documents or ():
        file = (
            document if isinstance(document, StoredFile) else StoredFile.objects.filter(pk=document).first()
        )
        if file is None:
            errors.append(FieldError("documents", "not_found", _("证明材料文件不存在。")))
            break
        files.append(file)
    if errors:
        raise DomainValidationError(errors)
    with transaction.atomic():
        worker = _locked_worker(worker)
        if worker.status not in ON_RECORD_STATUSES:
            raise _error("worker", "not_holding", _("该劳模称号已撤销或本人已故，不能提出撤销。"))
        if Revocation.objects.filter(worker=worker, status=RevocationStatus.PROPOSED).exists():
            raise _error("worker", "revocation_open", _("该劳模已有待批准的撤销申请。"))
        try:
            with transaction.atomic():
                revocation = Revocation.objects.create(
                    worker=worker,
                    grounds=grounds,
                    note=note,
                    source=source,
                    proposed_on=on,
                    proposed_by_id=actor_id_of(actor),
                )
        except IntegrityError:
            raise _error("worker", "revocation_open", _("该劳模已有待批准的撤销申请。")) from None
        RevocationDocument.objects.bulk_create(
            [RevocationDocument(revocation=revocation, file=file) for file in dict.fromkeys(files)]
        )
    return revocation


def _locked_revocation(revocation: Revocation) -> Revocation:
    revocation = Revocation.objects.select_for_update(of=("self",)).get(pk=revocation.pk)
    if revocation.status != RevocationStatus.PROPOSED:
        raise _error(
            "id",
            "already_decided",
            _("该撤销申请已处理（%(status)s），不能再次操作。") % {"status": revocation.get_status_display()},
        )
    return revocation


def revocation_approve(
    *,
    revocation: Revocation,
    approval_document: str,
    actor=None,
    on: date | None = None,
    decision_note: str = "",
) -> Revocation:
    """Approve (the awarding federation's admin, recording the approval document): the title is revoked."""
    approval_document = (approval_document or "").strip()
    decision_note = (decision_note or "").strip()
    if not approval_document:
        raise _error("approval_document", "required", _("请填写批准文号或批准记录。"))
    if len(approval_document) > 200:
        raise _error("approval_document", "too_long", _("批准文号不能超过200个字符。"))
    on = on or timezone.localdate()
    with transaction.atomic():
        revocation = _locked_revocation(revocation)
        if on < revocation.proposed_on:
            raise _error("on", "before_proposal", _("批准日期不能早于提出日期。"))
        revocation.status = RevocationStatus.APPROVED
        revocation.decided_on = on
        revocation.decided_by_id = actor_id_of(actor)
        revocation.approval_document = approval_document
        revocation.decision_note = decision_note
        revocation.save(
            update_fields=["status", "decided_on", "decided_by_id", "approval_document", "decision_note"]
        )
        grounds = "、".join(str(RevocationGround(g).label) for g in revocation.grounds)
        modelworker_transition(
            worker=revocation.worker,
            to_status=S.REVOKED,
            on=on,
            reason=_("撤销称号：%(grounds)s") % {"grounds": grounds},
            actor=actor,
            revocation=revocation,
        )
    return revocation


def revocation_reject(
    *, revocation: Revocation, decision_note: str, actor=None, on: date | None = None
) -> Revocation:
    decision_note = (decision_note or "").strip()
    if not decision_note:
        raise _error("decision_note", "required", _("请填写不予批准的理由。"))
    on = on or timezone.localdate()
    with transaction.atomic():
        revocation = _locked_revocation(revocation)
        revocation.status = RevocationStatus.REJECTED
        revocation.decided_on = on
        revocation.decided_by_id = actor_id_of(actor)
        revocation.decision_note = decision_note
        revocation.save(update_fields=["status", "decided_on", "decided_by_id", "decision_note"])
    return revocation


def facts_recount(*, union) -> dict[tuple[int, str, str], int]:
    """The union's model-worker facts counted from the registry (for repairs and period close; the maintained
    path is the transition services): {(0, indicator, STOCK): value}."""
    counts: dict[tuple[int, str, str], int] = {}
    rows = ModelWorker.objects.filter(employing_union=union).values_list("level", "category", "status")
    for level, category, status in rows:
        for indicator, value in worker_facts(level=level, category=category, status=status).items():
            counts[(0, indicator, STOCK)] = counts.get((0, indicator, STOCK), 0) + value
    return counts
