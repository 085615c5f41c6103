"""Builders for self-assessment tests: a small 100 + 3 point standard, an open round and its participants.

The public assessment rows are created directly (the assessment app's own services are tested there)."""

from __future__ import annotations

import base64
import io
import itertools
import json
import zipfile
from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone

# A 1x1 PNG and a minimal PDF: real content whose type is read from the bytes.
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_standards = itertools.count(1)


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


ITEMS = [
    # (section, code, max, method, evidence_required, bonus, step)
    ("组织建设", "A1", "5", "graded", True, False, "0.5"),
    ("组织建设", "A2", "3", "full_or_zero", False, False, None),
    ("维护权益", "B1", "6", "graded", False, False, None),
    ("加分项", "X1", "3", "graded", False, True, None),
]


def make_standard(issuer, *, name="示范县职工之家建设标准（2026版）"):
    from assessment.models import Standard, StandardItem, StandardSection

    standard = Standard.objects.create(
        issuer=issuer,
        code=f"home-{next(_standards)}",
        name=name,
        year=2026,
        applies_to_branches=True,
        base_max_points=Decimal("100"),
        bonus_cap=Decimal("3"),
        status="published",
        published_at=timezone.now(),
    )
    sections: dict[str, StandardSection] = {}
    for position, (section, code, max_points, method, evidence, bonus, step) in enumerate(ITEMS, start=1):
        if section not in sections:
            sections[section] = StandardSection.objects.create(
                standard=standard, position=len(sections) + 1, title=section
            )
        StandardItem.objects.create(
            standard=standard,
            section=sections[section],
            position=position,
            code=code,
            text=f"{section}条目{code}",
            max_points=Decimal(max_points),
            method=method,
            step=Decimal(step) if step else None,
            evidence_required=evidence,
            bonus=bonus,
        )
    return standard


def make_round(
    organiser,
    *,
    standard=None,
    name="2026年度职工之家考核",
    self_due=None,
    appraisal_due=None,
    appraisal_verification="identity",
):
    """An open round. Respondents answer by name and identity number unless `appraisal_verification="sms"`
    (tests/selfassessment/test_appraisal_sms.py covers SMS rounds)."""
    from assessment.models import Round

    now = timezone.now()
    return Round.objects.create(
        standard=standard or make_standard(organiser),
        organiser=organiser,
        name=name,
        reporting_year="2026",
        self_assessment_due=self_due or now + timedelta(days=30),
        appraisal_due=appraisal_due or now + timedelta(days=30),
        inspection_due=now + timedelta(days=60),
        reference_date=timezone.localdate(),
        appraisal_verification=appraisal_verification,
    )


def add_participant(round_, union, branch=None):
    from assessment.models import RoundParticipant

    return RoundParticipant.objects.create(
        round=round_,
        union=union,
        branch_id=branch.pk if branch else 0,
        branch_name=branch.name if branch else "",
        node_path=union.node_path,
    )


def gql(client: Client, host: str, query: str, variables: dict | None = None) -> dict:
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        HTTP_HOST=host,
    )
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]
