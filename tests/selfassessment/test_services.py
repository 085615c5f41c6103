"""Self-assessment services: drafts, validation (nothing written on bad input), evidence checks and keys, submit
with the public copy, deadlines."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from selfassessment import services
from selfassessment.services import ScoreInput
from tests.support.selfassessment import PDF_BYTES, PNG_BYTES, docx_bytes
from unionhub.errors import DomainValidationError


def _scores(world, participant):
    from selfassessment.models import SelfScore

    with schema_context(world.union.schema_name):
        return {
            s.item_code: (s.score, s.note)
            for s in SelfScore.objects.filter(assessment__participant_id=participant.pk)
        }


def _save(world, *items, participant=None, **kwargs):
    return services.self_scores_save(
        union=world.union,
        participant=participant or world.home,
        items=list(items),
        actor=world.admin,
        **kwargs,
    )


def _fill(world, participant=None):
    _save(
        world,
        ScoreInput("A1", Decimal("4.5"), "成立了建家工作领导小组"),
        ScoreInput("A2", "3"),
        ScoreInput("B1", 5),
        participant=participant,
    )


def test_draft_scores_and_notes_are_saved_and_edited(world):
    _save(world, ScoreInput("A1", Decimal("4.5"), "成立领导小组"), ScoreInput("B1", "6"))
    _save(world, ScoreInput("A1", note="成立领导小组并每季度开会"), ScoreInput("B1", None, clear_score=True))
    assert _scores(world, world.home) == {
        "A1": (Decimal("4.50"), "成立领导小组并每季度开会"),
        "B1": (None, ""),
    }


@pytest.mark.parametrize(
    ("item", "field", "code", "fragment"),
    [
        (ScoreInput("A1", "5.5"), "items.1.score", "max_value", "不能超过该条目分值 5.00 分"),
        (ScoreInput("A1", "-1"), "items.1.score", "min_value", "不能小于 0"),
        (ScoreInput("A1", "4.2"), "items.1.score", "step", "0.5"),
        (ScoreInput("A2", "1"), "items.1.score", "full_or_zero", "只能得满分"),
        (ScoreInput("Z9", "1"), "items.1.item_code", "unknown_item", "没有条目 Z9"),
        (ScoreInput("A1", "abc"), "items.1.score", "invalid", "不是有效数字"),
        (ScoreInput("A2", note="说" * 1001), "items.1.note", "too_long", "不能超过1000个字"),
    ],
)
def test_bad_scores_are_refused_with_the_field_named_and_nothing_written(world, item, field, code, fragment):
    with pytest.raises(DomainValidationError) as exc:
        _save(world, ScoreInput("B1", "6", "有效的一项"), item)
    (error,) = exc.value.errors
    assert (error.field, error.code) == (field, code)
    assert fragment in error.message
    assert _scores(world, world.home) == {}


def test_evidence_is_checked_by_content_and_stored_under_a_deterministic_tenant_key(world):
    from files.models import StoredFile
    from files.selectors import file_read

    with schema_context(world.union.schema_name):
        evidence = services.evidence_upload(
            union=world.union,
            participant=world.home,
            item_code="A1",
            filename="会议记录.pdf",
            content=PDF_BYTES,
        )
        again = services.evidence_upload(
            union=world.union,
            participant=world.home,
            item_code="A1",
            filename="会议记录.pdf",
            content=PDF_BYTES,
        )
    assert again.pk == evidence.pk  # same content for the same item: one file
    prefix = f"tenants/{world.union.schema_name}/evidence/{world.round.pk}/0/A1/"
    assert evidence.file_key.startswith(prefix) and evidence.file_key.endswith("/会议记录.pdf")
    assert file_read(key=evidence.file_key) == PDF_BYTES
    assert StoredFile.objects.get(key=evidence.file_key).content_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("照片.pdf", PNG_BYTES, "file_type_mismatch"),  # renamed PNG
        ("名单.csv", "姓名\n张三\n".encode(), "file_type_not_allowed"),
        ("病毒.exe", b"MZ\x90\x00", "file_extension_not_allowed"),
        ("空.pdf", b"", "file_empty"),
    ],
)
def test_evidence_of_a_forbidden_type_is_refused_and_nothing_stored(world, name, content, code):
    from files.models import StoredFile
    from selfassessment.models import Evidence

    with pytest.raises(DomainValidationError) as exc:
        services.evidence_upload(
            union=world.union, participant=world.home, item_code="A1", filename=name, content=content
        )
    assert exc.value.errors[0].field == "file" and exc.value.errors[0].code == code
    with schema_context(world.union.schema_name):
        assert not Evidence.objects.exists()
    assert not StoredFile.objects.exists()


def test_evidence_over_the_size_limit_is_refused(world, settings):
    settings.UNIONHUB_FILE_MAX_BYTES = {"default": 20 * 1024 * 1024, "evidence": 1024}
    with pytest.raises(DomainValidationError) as exc:
        services.evidence_upload(
            union=world.union,
            participant=world.home,
            item_code="A1",
            filename="大文件.pdf",
            content=PDF_BYTES + b"0" * 2048,
        )
    assert exc.value.errors[0].code == "file_too_large" and "1 KB" in exc.value.errors[0].message


def test_submit_copies_scores_to_the_public_row_and_locks(world):
    _fill(world)
    services.evidence_upload(
        union=world.union, participant=world.home, item_code="A1", filename="制度.docx", content=docx_bytes()
    )
    assessment = services.self_assessment_submit(union=world.union, participant=world.home, actor=world.admin)
    world.home.refresh_from_db()
    assert assessment.status == "submitted"
    assert world.home.self_scores == {"A1": "4.50", "A2": "3.00", "B1": "5.00"}
    assert world.home.self_submitted_at == assessment.submitted_at
    assert world.home.self_submitted_by_id == world.admin.pk

    for attempt in (
        lambda: _save(world, ScoreInput("B1", "1")),
        lambda: services.evidence_upload(
            union=world.union, participant=world.home, item_code="B1", filename="a.pdf", content=PDF_BYTES
        ),
        lambda: services.self_assessment_submit(union=world.union, participant=world.home),
    ):
        with pytest.raises(DomainValidationError) as exc:
            attempt()
        assert exc.value.errors[0].code == "already_submitted"
    assert _scores(world, world.home)["B1"] == (Decimal("5.00"), "")


def test_submit_needs_evidence_where_required_and_writes_nothing_without(world):
    _fill(world)
    with pytest.raises(DomainValidationError) as exc:
        services.self_assessment_submit(union=world.union, participant=world.home)
    (error,) = exc.value.errors
    assert (error.field, error.code) == ("evidence", "evidence_required") and "A1" in error.message
    world.home.refresh_from_db()
    assert world.home.self_submitted_at is None and world.home.self_scores == {}


def test_submit_with_unscored_items_is_refused_by_the_public_service_atomically(world):
    from selfassessment.models import SelfAssessment

    _save(world, ScoreInput("A1", "5"))
    services.evidence_upload(
        union=world.union, participant=world.home, item_code="A1", filename="a.png", content=PNG_BYTES
    )
    with pytest.raises(DomainValidationError) as exc:
        services.self_assessment_submit(union=world.union, participant=world.home)
    assert {e.field for e in exc.value.errors} == {"scores.A2", "scores.B1"}  # bonus X1 may stay empty
    with schema_context(world.union.schema_name):
        assert SelfAssessment.objects.get(participant_id=world.home.pk).status == "draft"


def test_after_the_deadline_nothing_is_accepted(world):
    _fill(world)
    later = world.round.self_assessment_due + timedelta(minutes=1)
    with pytest.raises(DomainValidationError) as exc:
        _save(world, ScoreInput("B1", "1"), now=later)
    assert exc.value.errors[0].code == "deadline_passed" and "自评截止时间" in exc.value.errors[0].message
    with pytest.raises(DomainValidationError) as exc:
        services.self_assessment_submit(union=world.union, participant=world.home, now=later)
    assert exc.value.errors[0].code == "deadline_passed"
    assert _scores(world, world.home)["B1"] == (Decimal("5.00"), "")


def test_a_branch_small_home_has_its_own_self_assessment(world):
    _save(world, ScoreInput("B1", "2"), participant=world.small_home)
    _save(world, ScoreInput("B1", "6"))
    assert _scores(world, world.small_home) == {"B1": (Decimal("2.00"), "")}
    assert _scores(world, world.home) == {"B1": (Decimal("6.00"), "")}


def test_evidence_delete_removes_the_row_and_the_object(world, django_capture_on_commit_callbacks):
    from files.selectors import file_exists
    from selfassessment.models import Evidence

    evidence = services.evidence_upload(
        union=world.union, participant=world.home, item_code="A1", filename="a.png", content=PNG_BYTES
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(union=world.union, participant=world.home, evidence=evidence)
    with schema_context(world.union.schema_name):
        assert not Evidence.objects.exists()
    assert not file_exists(key=evidence.file_key)


def test_round_closed_refuses_edits(world):
    world.round.status = "scored"
    world.round.save()
    world.home.refresh_from_db()
    with pytest.raises(DomainValidationError) as exc:
        _save(world, ScoreInput("B1", "1"), participant=world.home)
    assert exc.value.errors[0].code == "round_closed"
    assert timezone.now() < world.round.self_assessment_due
