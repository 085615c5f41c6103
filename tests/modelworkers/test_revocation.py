"""Revocation (撤销称号): grounds from the list, documents, approval record; decided rows are frozen."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, transaction

from modelworkers.models import Revocation, RevocationDocument, RevocationStatus, WorkerStatus
from modelworkers.services import revocation_approve, revocation_propose, revocation_reject
from tests.support.files import PDF
from unionhub.errors import DomainValidationError

from .helpers import error_of, history, mw_facts


@pytest.fixture
def worker(register):
    return register(awarded_on=date(2024, 4, 28))


@pytest.mark.parametrize(
    ("grounds", "code"),
    [
        ([], "required"),
        (None, "required"),
        (["bad_mood"], "invalid_choice"),
        (["fraud", "x"], "invalid_choice"),
    ],
)
def test_revoking_without_valid_grounds_is_refused(world, worker, grounds, code):
    with pytest.raises(DomainValidationError) as exc_info:
        revocation_propose(worker=worker, grounds=grounds, note="无", actor=world.fed_admin)
    assert error_of(exc_info) == ("grounds", code)
    assert not Revocation.objects.exists()


def test_proposal_then_approval_revokes_the_title(world, worker, local_storage):
    from files.models import StoredFile
    from modelworkers.awards.common import AttachmentSpec
    from modelworkers.awards.revocations import revocation_documents_store

    revocation = revocation_propose(
        worker=worker,
        grounds=["criminal_penalty", "criminal_penalty"],
        note="因受贿罪被判处有期徒刑",
        actor=world.fed_admin,
        on=date(2026, 3, 1),
    )
    revocation_documents_store(
        revocation=revocation, documents=[AttachmentSpec(filename="判决书.pdf", content=PDF, label="判决书")]
    )
    assert revocation.grounds == ["criminal_penalty"]
    assert StoredFile.objects.get(pk=revocation.documents.get().file_id).key.startswith(
        f"federations/{world.county.pk}/modelworkers/revocations/{revocation.pk}/"
    )
    with pytest.raises(DomainValidationError) as exc_info:
        revocation_approve(revocation=revocation, approval_document=" ", actor=world.fed_admin)
    assert error_of(exc_info) == ("approval_document", "required")

    revocation_approve(
        revocation=revocation,
        approval_document="县委〔2026〕3号",
        actor=world.fed_admin,
        on=date(2026, 3, 20),
    )
    revocation.refresh_from_db()
    worker.refresh_from_db()
    assert (revocation.status, revocation.decided_on, revocation.decided_by_id) == (
        RevocationStatus.APPROVED,
        date(2026, 3, 20),
        world.fed_admin.pk,
    )
    assert (worker.status, worker.status_changed_on) == (WorkerStatus.REVOKED, date(2026, 3, 20))
    assert history(worker) == [("", "managed"), ("managed", "revoked")]
    assert worker.status_changes.last().revocation_id == revocation.pk
    assert mw_facts(world.factory) == {"mw_status_revoked": 1}


def test_failed_assessment_opens_a_proposal_and_one_at_a_time(world, worker):
    revocation = revocation_propose(worker=worker, grounds=["assessment_failed"], source="assessment")
    assert (revocation.source, revocation.status) == ("assessment", RevocationStatus.PROPOSED)
    with pytest.raises(DomainValidationError) as exc_info:
        revocation_propose(worker=worker, grounds=["fraud"])
    assert error_of(exc_info) == ("worker", "revocation_open")
    with pytest.raises(DomainValidationError) as exc_info:
        revocation_reject(revocation=revocation, decision_note="")
    assert error_of(exc_info) == ("decision_note", "required")
    revocation_reject(revocation=revocation, decision_note="复核合格，不予撤销")
    worker.refresh_from_db()
    assert worker.status == WorkerStatus.MANAGED
    revocation_propose(worker=worker, grounds=["fraud"])  # a new proposal once the first is decided


def test_decided_revocations_are_frozen_and_never_deleted(world, worker):
    revocation = revocation_propose(worker=worker, grounds=["false_deeds"])
    with pytest.raises(DomainValidationError) as exc_info:
        revocation_propose(worker=worker, grounds=["false_deeds"], source="gossip")
    assert error_of(exc_info) == ("source", "invalid_choice")
    revocation_reject(revocation=revocation, decision_note="不予撤销")
    with pytest.raises(DomainValidationError) as exc_info:
        revocation_approve(revocation=revocation, approval_document="x")
    assert error_of(exc_info) == ("id", "already_decided")
    for action in (
        lambda: Revocation.objects.filter(pk=revocation.pk).update(status="approved"),
        lambda: Revocation.objects.filter(pk=revocation.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            action()
    assert Revocation.objects.get(pk=revocation.pk).status == RevocationStatus.REJECTED


def test_revocation_documents_are_append_only(world, worker, local_storage):
    from modelworkers.awards.common import AttachmentSpec
    from modelworkers.awards.revocations import revocation_documents_store

    revocation = revocation_propose(worker=worker, grounds=["fraud"])
    revocation_documents_store(
        revocation=revocation, documents=[AttachmentSpec(filename="a.pdf", content=PDF)]
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RevocationDocument.objects.all().delete()
    assert RevocationDocument.objects.count() == 1


def test_a_revoked_or_dead_worker_cannot_be_proposed(world, register):
    from modelworkers.services import modelworker_transition

    worker = register(awarded_on=date(2024, 4, 28))
    modelworker_transition(worker=worker, to_status="deceased", on=date(2026, 1, 5))
    with pytest.raises(DomainValidationError) as exc_info:
        revocation_propose(worker=worker, grounds=["fraud"])
    assert error_of(exc_info) == ("worker", "not_holding")
