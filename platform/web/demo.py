"""Demo data for the web UI (called by federations.demo.demo_load): a running membership drive of the demo county
with targets for its unions, so the dashboards show drive progress, and applications waiting in one union's
approval queue. Idempotent: a drive of the same name, or applications already there, are left alone."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from drives.links import link_token
from drives.models import Drive
from drives.services import TargetSpec, drive_create
from people.identity import check_character
from recruitment.models import Application
from recruitment.services import application_submit

DRIVE_NAME = "新就业形态劳动者入会集中行动"
APPLICANTS = (("孙丽", "19950314", True), ("周杰", "19920708", False))
QUEUE_UNION = "huarui-jixie"


def demo_web_load(*, county, unions_by_slug: dict) -> int:
    """Returns how many rows were created (0 on a second run)."""
    created = 0
    today = timezone.localdate()
    drive = Drive.objects.filter(owner_node=county, name=DRIVE_NAME).first()
    if drive is None or drive.ends_on < today:
        targets = [
            TargetSpec(union=union, new_members=max(2, union.staff_count // 50), rate_target_permille=800)
            for union in sorted(unions_by_slug.values(), key=lambda u: u.slug)
        ]
        drive = drive_create(
            owner_node=county,
            name=DRIVE_NAME if drive is None else f"{DRIVE_NAME}（{today.year}）",
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=300),
            targets=targets,
            actor_id=None,
        )
        created += 1
    union = unions_by_slug.get(QUEUE_UNION)
    if union is None:
        return created
    with schema_context(union.schema_name):
        if Application.objects.exists():
            return created
        token = link_token(drive=drive, union_id=union.pk)
        for index, (name, birth, female) in enumerate(APPLICANTS):
            first17 = f"330122{birth}{90 + index:02d}{2 if female else 1}"
            application_submit(
                token=token,
                union=union,
                name=name,
                id_number=first17 + check_character(first17),
                phone=f"1370000{index:04d}",
                employment_type="new_form",
                consent=True,
            )
            created += 1
    return created
