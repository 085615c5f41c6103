"""Demo model workers for the demo county (federations.demo calls `demo_modelworkers_load`).

The county's 5th selection round of 2025 goes the whole way through the services: six members of demo unions are
nominated with their workers' congress records, accepted, posted for 7 days and awarded on 28 April 2025 within
the national quotas; two earlier awards are entered in the registry (one of them past its term). Nothing is
created when the round already exists, so loading twice writes nothing.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django_tenants.utils import schema_context

from membership.models import Member
from people.identity import check_character

from .awards.batches import batch_create
from .awards.nominations import nomination_accept, nomination_submit
from .awards.notices import notice_approve, notice_publish
from .awards.registry import modelworker_register
from .models import AwardBatch

BATCH_SESSION = 5
BATCH_NAME = "示范县第五届劳动模范和先进工作者评选"
AWARDED_ON = date(2025, 4, 28)

# (union slug, demo member name, category, title): 2 front-line + 1 other enterprise staff (45% of 6 = 3), 2
# farmers (25% of 6 -> 2), 1 public institution.
NOMINEES = (
    ("huarui-jixie", "李强", "frontline", "model_worker"),
    ("dingsheng-fangzhi", "王芳", "frontline", "model_worker"),
    ("gongdian", "刘洋", "enterprise_staff", "model_worker"),
    ("cgz-xiaowei-lianhe", "赵磊", "farmer", "model_worker"),
    ("taifeng-shipin", "张敏", "farmer", "model_worker"),
    ("renmin-yiyuan", "陈静", "public_institution", "advanced_worker"),
)

# Earlier awards entered in the registry: (name, birth, sequence (odd last digit: male), union slug, level, title,
# awarded on).
EARLIER = (
    ("孙建国", "19680315", "051", "gongdian", "city", "model_worker", date(2019, 4, 28)),
    ("周秀英", "19750820", "062", "huarui-jixie", "county", "may_day_medal", date(2023, 4, 28)),
)


def _identity_number(county_code: str, birth: str, sequence: str) -> str:
    first17 = f"{county_code}{birth}{sequence}"
    return first17 + check_character(first17)


def demo_modelworkers_load(*, county, unions_by_slug: dict) -> int:
    """Create the demo round and registry entries if missing; returns the number of model workers created."""
    if AwardBatch.objects.filter(awarding_node=county, session=BATCH_SESSION).exists():
        return 0
    if any(slug not in unions_by_slug for slug, *_ in NOMINEES):
        return 0  # a reduced demo: the round's quotas need every nominee
    created = 0
    with transaction.atomic():
        batch = batch_create(
            awarding_node=county,
            name=BATCH_NAME,
            session=BATCH_SESSION,
            year=AWARDED_ON.year,
            places=len(NOMINEES),
            nomination_deadline=date(2025, 3, 20),
        )
        for slug, name, category, title in NOMINEES:
            union = unions_by_slug[slug]
            with schema_context(union.schema_name):
                member_id = Member.objects.filter(name=name).values_list("pk", flat=True).first()
            nomination, _ = nomination_submit(
                batch=batch,
                union=union,
                member_id=member_id,
                title=title,
                category=category,
                deeds=f"{name}同志扎根岗位，业绩突出，经本单位职代会讨论推荐。",
                congress_date=date(2025, 3, 12),
                congress_attendance=86,
                congress_votes_for=80,
                today=date(2025, 3, 15),
            )
            nomination_accept(nomination=nomination)
        notice = notice_publish(batch=batch, starts_on=date(2025, 4, 1))
        created += len(notice_approve(notice=notice, approval_document="示政〔2025〕18号", on=AWARDED_ON))
        for name, birth, sequence, slug, level, title, awarded_on in EARLIER:
            if slug not in unions_by_slug:
                continue
            modelworker_register(
                awarding_node=county,
                id_number=_identity_number(county.division_code, birth, sequence),
                name=name,
                level=level,
                title=title,
                category="frontline",
                awarded_on=awarded_on,
                employing_union=unions_by_slug[slug],
            )
            created += 1
    return created
