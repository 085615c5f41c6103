"""Scale data for the benchmark suite and the load test: one county with N real unions and their members.

    .venv/bin/python bench/scale.py --unions 1000 --members 300          # DATABASE_URL default: uh_scale
    .venv/bin/python bench/scale.py --unions 3 --members 20 --name 小县 --json /tmp/county.json

From Python (after bench.common.bootstrap):

    from bench.scale import build_county
    county = build_county(1000, 300)      # a second call reuses the county in seconds
    county.union_hosts[0], county.county_admin, county.password, county.tokens[county.county_admin]

What it builds, as the domains write it (live facts maintained by the services that write the rows):
  * a county federation node "<name>总工会" with `townships` township nodes;
  * `unions` unions spread over the townships, each a provisioned tenant (federations.services.union_provision:
    rows plus a schema cloned from the template, ~30 ms), with staff counts;
  * in each union five branches (one a group under a workshop) and `members_per_union` members written through
    the importer's fast path (membership.validation.member_row_validate + membership.bulk.members_bulk_create: COPY,
    status history, person index and live facts in a few statements), identity numbers valid (GB 11643);
  * two membership drives of the county with targets for the unions;
  * a published (finished) 职工之家 round on the 100+3-point Fujian sheet over every union: self-assessments,
    member appraisal counts, inspection scores, deductions and a veto, scored, published, titles awarded;
  * one county-level model worker for every fifth union (a member of it);
  * logins: a county federation admin and a union admin for each of the first `union_admins` unions, all with the
    password BENCH_PASSWORD and a read/write API token each (secrets derived from the county name, so a later
    process knows them: bench data only);
  * the county's reporting period for last year (open), for period-close benchmarks.

Resumable: every phase first looks at what exists and only adds what is missing, so an interrupted run is
topped up by running it again (each union's members are one transaction; a union whose live facts disagree with
its members is recounted), and a complete county is returned after a handful of queries. The round and the drives
are made once, over the unions present then: asking a finished county for more unions adds unions and members only.
Never run two builders on the same county at once. Identity numbers,
slugs and credit codes are derived from the county node's id, so several counties can share a database.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bootstrap, write_result  # noqa: E402 - the repository root must be importable first

BENCH_PASSWORD = "Scale-Bench-2026"
DEFAULT_DB = "uh_scale"
DIVISION_CODE = "330122"
UNION_ADMINS = 20
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
# (name, kind, parent name): the group sits under a workshop, so branch paths have two levels somewhere.
BRANCHES = (
    ("一车间工会", "workshop", None),
    ("二车间工会", "workshop", None),
    ("机关分会", "branch", None),
    ("后勤分会", "branch", None),
    ("甲班工会小组", "group", "一车间工会"),
)
EMPLOYMENT_TYPES = ("regular",) * 6 + ("migrant",) * 2 + ("agency", "new_form")
MODEL_WORKER_EVERY = 5
DRIVES = (
    # (name suffix, target groups, every nth union gets a target, new members per target, rate target ‰)
    ("年度会员发展攻坚行动", (), 1, 20, 900),
    ("农民工入会集中行动", ("migrant",), 2, 10, None),
)


@dataclass
class ScaleCounty:
    """Everything a benchmark needs to address the county. Lists are in union order (index i = union i)."""

    name: str
    county_id: int
    county_path: str
    township_ids: list[int]
    union_ids: list[int]
    union_slugs: list[str]
    schema_names: list[str]
    union_hosts: list[str]
    public_host: str
    members_per_union: int
    password: str
    county_admin: str
    union_admins: list[str]  # union_admins[i] administers union i
    tokens: dict[str, str]  # username -> API token secret ("Authorization: Bearer <secret>")
    drive_ids: list[int]
    standard_id: int
    round_id: int
    reporting_year: str
    period_id: int
    period_label: str
    model_workers: int
    created: dict[str, int] = field(default_factory=dict)  # what this call wrote (all 0 on a complete county)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase in this call

    @property
    def unions(self) -> int:
        return len(self.union_ids)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


# --- deterministic identities ------------------------------------------------------------------------------------


def identity_number(county_id: int, n: int) -> str:
    """The n-th valid resident identity number of a county: area code from the county's id, then a birth date
    (1950-2004) and sequence counted from n. Unique for n < 18,480,000; odd/even sequences alternate the sex."""
    from people.identity import check_character

    seq, rest = n % 1000, n // 1000
    day, rest = 1 + rest % 28, rest // 28
    month, rest = 1 + rest % 12, rest // 12
    year = 1950 + rest % 55
    first17 = f"33{county_id % 10000:04d}{year:04d}{month:02d}{day:02d}{seq:03d}"
    return first17 + check_character(first17)


def credit_code(county_id: int, index: int) -> str:
    from federations.validators import credit_code_check_character

    first17 = f"91{DIVISION_CODE}{county_id % 10000:04d}{index:05d}"
    return first17 + credit_code_check_character(first17)


def token_secret(county_name: str, username: str) -> str:
    """A fixed API token secret per county and user (format of accounts.services tokens): bench data only."""
    digest = hashlib.sha256(f"unionhub-scale-bench:{county_name}:{username}".encode()).digest()
    return "uh_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _member_stride(members_per_union: int) -> int:
    return max(1000, members_per_union)


# --- phases --------------------------------------------------------------------------------------------------------


class _Phases:
    def __init__(self, log):
        self.log = log
        self.timings: dict[str, float] = {}

    def run(self, label: str, func, *args, **kwargs):
        started = time.perf_counter()
        result = func(*args, **kwargs)
        seconds = time.perf_counter() - started
        self.timings[label] = round(seconds, 2)
        self.log(f"  {label}: {seconds:.1f} s")
        return result


def _tree(name: str, townships: int, created: dict):
    from federations.models import FederationNode, NodeLevel
    from federations.services import node_create

    county = FederationNode.objects.filter(
        name=f"{name}总工会", level=NodeLevel.COUNTY, parent__isnull=True
    ).first()
    if county is None:
        county = node_create(level="county", name=f"{name}总工会", division_code=DIVISION_CODE)
        created["nodes"] += 1
    towns = list(FederationNode.objects.filter(parent=county).order_by("pk"))
    for i in range(len(towns), townships):
        towns.append(
            node_create(
                level="township", name=f"{name}第{i + 1}镇工会", division_code=DIVISION_CODE, parent=county
            )
        )
        created["nodes"] += 1
    return county, towns[:townships]


def _unions(county, towns, count: int, members_per_union: int, rng: random.Random, created: dict, log):
    from federations.models import Union
    from federations.services import union_provision

    slugs = [f"s{county.pk}-{i:05d}" for i in range(count)]
    existing = {u.slug: u for u in Union.objects.filter(node_path__startswith=county.path, slug__in=slugs)}
    unions = []
    for i, slug in enumerate(slugs):
        staff = members_per_union + rng.randint(10, max(11, members_per_union // 5))  # 入会率 below 100%
        union = existing.get(slug)
        if union is None:
            union = union_provision(
                slug=slug,
                name=f"{county.name.removesuffix('总工会')}第{i + 1:04d}号工会",
                credit_code=credit_code(county.pk, i),
                unit_type="enterprise" if i % 10 < 7 else "public_institution",
                ownership_type=("private", "state", "collective", "foreign")[i % 4],
                parent_node=towns[i % len(towns)],
                staff_count=staff,
                female_staff_count=staff * 2 // 5,
            )
            created["unions"] += 1
            if created["unions"] % 50 == 0:
                log(f"    provisioned {created['unions']} (union {i + 1}/{count})")
        unions.append(union)
    return unions


def _member_rows(county_id: int, union_index: int, start: int, count: int, stride: int, branch_names, rng):
    rows = []
    today = date.today()
    for j in range(start, start + count):
        n = union_index * stride + j
        # ~10% hang on the union itself (no branch), the rest spread over the branches.
        branch = "" if rng.random() < 0.1 else rng.choice(branch_names)
        joined = today - timedelta(days=rng.randint(30, 15 * 365))
        rows.append(
            {
                "name": SURNAMES[n % 20] + GIVEN[(n // 20) % 20] + ("" if n % 3 else GIVEN[(n // 400) % 20]),
                "id_number": identity_number(county_id, n),
                "employment_type": rng.choice(EMPLOYMENT_TYPES),
                "join_date": joined.isoformat(),
                "phone": "" if rng.random() < 0.03 else f"139{n % 100_000_000:08d}",
                "ethnicity": "汉族" if rng.random() < 0.97 else "",
                "branch": branch,
            }
        )
    return rows


def _members(county, unions, members_per_union: int, seed: int, created: dict, log) -> None:
    """Top every union up to `members_per_union` members (the union-level `members` fact is the count)."""
    from django.db import transaction
    from django_tenants.utils import schema_context

    from membership.bulk import members_bulk_create
    from membership.models import Member
    from membership.services import facts_recount_union
    from membership.validation import member_row_context, member_row_validate
    from organisation.models import Branch
    from organisation.services import branch_create
    from rollup.models import LiveFact

    counted = dict(
        LiveFact.objects.filter(union__in=unions, branch_id=0, indicator="members", period="").values_list(
            "union_id", "value"
        )
    )
    short = [(i, u) for i, u in enumerate(unions) if counted.get(u.pk, 0) < members_per_union]
    stride = _member_stride(members_per_union)
    for done, (index, union) in enumerate(short, start=1):
        rng = random.Random(seed * 100_003 + index)
        # One transaction per union: one commit (fsync) instead of one per branch, and all or nothing.
        with schema_context(union.schema_name), transaction.atomic():
            present = {b.name: b for b in Branch.objects.all()}
            for name, kind, parent in BRANCHES:
                if name not in present:
                    present[name] = branch_create(name=name, kind=kind, parent=present.get(parent))
                    created["branches"] += 1
            have = Member.objects.count()
            if have != counted.get(union.pk, 0):
                # Members without their facts (a run killed mid-way by other means than ours): recount them.
                facts_recount_union(union=union)
                created["recounts"] += 1
            if have >= members_per_union:
                continue
            rows = _member_rows(
                county.pk, index, have, members_per_union - have, stride, [b[0] for b in BRANCHES], rng
            )
            # As the importer does: one context per file, validate every row, write in one batch.
            context = member_row_context(union=union, id_numbers=[row["id_number"] for row in rows])
            clean = []
            for row in rows:
                values, errors = member_row_validate(row, union=union, context=context)
                if errors:
                    raise RuntimeError(f"{union.slug}: generated member row refused: {errors}")
                clean.append(values)
            members_bulk_create(union=union, rows=clean)
            created["members"] += len(clean)
        if done % 50 == 0 or done == len(short):
            log(f"    members: {done}/{len(short)} unions topped up ({created['members']} members)")


def _drives(county, unions, created: dict) -> list[int]:
    from drives.models import Drive
    from drives.services import TargetSpec, drive_create

    year = date.today().year
    ids = []
    for suffix, groups, every, new_members, rate in DRIVES:
        name = f"{year}年{suffix}"
        drive = Drive.objects.filter(owner_node=county, name=name).first()
        if drive is None:
            drive = drive_create(
                name=name,
                owner_node=county,
                starts_on=date(year, 1, 1),
                ends_on=date(year, 12, 31),
                target_groups=groups,
                targets=[
                    TargetSpec(union=u, new_members=new_members, rate_target_permille=rate)
                    for u in unions[::every]
                ],
            )
            created["drives"] += 1
        ids.append(drive.pk)
    return ids


def sample_self_scores(items, index: int) -> dict:
    """Plausible self scores for the index-th union: full marks mostly, a step lower here and there, some bonus."""
    scores = {}
    for position, item in enumerate(items):
        if item.bonus:
            if (index + position) % 4 == 0:
                scores[item.code] = item.max_points
            continue
        value = item.max_points
        if item.step and (index * 7 + position) % 5 == 0:
            value = max(D(0), item.max_points - item.step * (1 + index % 3))
        scores[item.code] = value
    return scores


def _assessment(county, unions, created: dict, log):
    """A published round over every union. One transaction: an interrupted run leaves no half-made round."""
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from assessment import facts as assessment_facts
    from assessment.models import Round, RoundParticipant, RoundStatus, Standard, StandardStatus
    from assessment.services.inspection import (
        deduction_add,
        inspection_scores_set,
        participant_staff_count_verify,
        veto_record,
    )
    from assessment.services.results import round_notice_open, round_publish, round_score
    from assessment.services.rounds import (
        UnitRef,
        participant_appraisal_invited_set,
        participant_self_scores_submit,
        round_open,
    )
    from assessment.services.standards import standard_create, standard_publish
    from assessment.sheets import fujian_home_standard
    from rollup.facts import facts_apply

    now = timezone.now()
    year = timezone.localdate().year
    code = f"scale-fj-{county.pk}"
    name = f"{year - 1}年度{county.name}职工之家建设验收"
    existing = Round.objects.filter(organiser=county, name=name, status=RoundStatus.PUBLISHED).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        standard = Standard.objects.filter(issuer=county, code=code, status=StandardStatus.PUBLISHED).first()
        if standard is None:
            draft = standard_create(
                issuer=county, content=fujian_home_standard(code=code, year=year - 1), actor=None
            )
            standard = standard_publish(standard=draft, actor=None, at=now - timedelta(days=120))
        opened = now - timedelta(days=90)
        rnd = round_open(
            organiser=county,
            standard=standard,
            name=name,
            self_assessment_due=now - timedelta(days=60),
            appraisal_due=now - timedelta(days=45),
            inspection_due=now - timedelta(days=30),
            units=[UnitRef(union) for union in unions],
            actor=None,
        )
        items = list(standard.items.order_by("position"))
        participants = list(
            RoundParticipant.objects.filter(round=rnd).select_related("round", "union").order_by("id")
        )
        inspected_at = now - timedelta(days=35)
        for index, participant in enumerate(participants):
            participant_self_scores_submit(
                participant=participant, scores=sample_self_scores(items, index), actor=None, at=opened
            )
            invited = 30 + index % 70
            participant_appraisal_invited_set(participant=participant, invited=invited)
            # What participant_appraisal_add does per response, for all of a union's responses at once.
            responses, satisfied = invited - index % 5, invited - index % 5 - index % 7
            RoundParticipant.objects.filter(pk=participant.pk).update(
                appraisal_responses=F("appraisal_responses") + responses,
                appraisal_satisfied=F("appraisal_satisfied") + satisfied,
            )
            facts_apply(
                union=participant.union,
                deltas=assessment_facts.appraisal_deltas(
                    participant, responses=responses, satisfied=satisfied
                ),
            )
            # Corrections on two items, the other self scores accepted (unclaimed items 0), staff count confirmed.
            corrected = {"6.3": D(5 - index % 4), "2.3": D(4 - index % 3)}
            claimed = sample_self_scores(items, index)
            inspection_scores_set(
                participant=participant,
                scores={
                    **corrected,
                    **{i.code: D(0) for i in items if i.code not in corrected and i.code not in claimed},
                },
                accept_self=[i.code for i in items if i.code not in corrected and i.code in claimed],
                actor=None,
                at=inspected_at,
            )
            participant_staff_count_verify(
                participant=participant,
                value=max(participant.union.staff_count, 1),
                actor=None,
                at=inspected_at,
            )
            if index % 5 == 0:
                deduction_add(participant=participant, reason="抽查台账缺失", actor=None, at=inspected_at)
            if index % 50 == 49:
                veto_record(participant=participant, reason="拖欠职工工资", actor=None, at=inspected_at)
            if (index + 1) % 200 == 0:
                log(f"    assessment inputs: {index + 1}/{len(participants)}")
        round_score(round=rnd, actor=None, at=now - timedelta(days=25))
        notice_start = timezone.localdate(now - timedelta(days=28))
        round_notice_open(
            round=rnd,
            starts_on=notice_start,
            ends_on=notice_start + timedelta(days=6),
            actor=None,
            at=now - timedelta(days=25),
        )
        rnd = round_publish(
            round=rnd, decision_number="县工发〔2026〕8号", actor=None, at=now - timedelta(days=20)
        )
    created["rounds"] += 1
    return rnd


def _model_workers(county, unions, members_per_union: int, created: dict) -> int:
    from django.db import transaction

    from modelworkers.awards.registry import modelworker_register
    from modelworkers.models import ModelWorker
    from people.identity import id_hash

    awarded_on = date(date.today().year - 1, 4, 28)
    have = set(
        ModelWorker.objects.filter(awarding_node=county, awarded_on=awarded_on).values_list(
            "person_hash", flat=True
        )
    )
    stride = _member_stride(members_per_union)
    categories = ("frontline", "enterprise_staff", "enterprise_head", "public_institution")
    with transaction.atomic():
        for index in range(0, len(unions), MODEL_WORKER_EVERY):
            number = identity_number(county.pk, index * stride)  # the union's first member
            if id_hash(number) in have:
                continue
            modelworker_register(
                awarding_node=county,
                id_number=number,
                name=f"劳模{index:05d}",
                level="county",
                title="model_worker",
                category=categories[(index // MODEL_WORKER_EVERY) % len(categories)],
                awarded_on=awarded_on,
                employing_union=unions[index],
            )
            created["model_workers"] += 1
    return ModelWorker.objects.filter(awarding_node=county).count()


def _user(username: str, full_name: str, created: dict):
    from accounts.models import User
    from accounts.services import user_create

    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(username=username, password=BENCH_PASSWORD, full_name=full_name)
        created["users"] += 1
    return user


def _token(county_name: str, user, created: dict) -> str:
    """The user's bench token, written once (only its hash is stored, as accounts.services does)."""
    from accounts.models import ApiToken, TokenScope

    secret = token_secret(county_name, user.username)
    key_hash = hashlib.sha256(secret.encode()).hexdigest()
    if not ApiToken.objects.filter(key_hash=key_hash, revoked_at__isnull=True).exists():
        ApiToken.objects.create(
            user=user,
            name="规模压测",
            prefix=secret[:12],
            key_hash=key_hash,
            scopes=sorted(TokenScope.values),
        )
        created["tokens"] += 1
    return secret


def _logins(county, unions, union_admins: int, created: dict):
    from accounts.access import actor_for
    from accounts.models import Role, RoleGrant
    from accounts.services import role_grant_create

    # Bootstrap as federations.demo does: nobody above the platform admin can grant that role.
    platform_admin = _user("scale_platform_admin", "压测平台管理员", created)
    if not RoleGrant.objects.active().filter(user=platform_admin, role=Role.PLATFORM_ADMIN).exists():
        RoleGrant.objects.create(user=platform_admin, role=Role.PLATFORM_ADMIN)
        created["grants"] += 1
    actor = actor_for(platform_admin)
    tokens = {}

    def grant(user, role, **target):
        if not RoleGrant.objects.active().filter(user=user, role=role, **target).exists():
            role_grant_create(actor=actor, user=user, role=role, **target)
            created["grants"] += 1
        tokens[user.username] = _token(county.name, user, created)
        return user.username

    county_admin = grant(
        _user(f"scale{county.pk}_county_admin", "压测县管理员", created), Role.FEDERATION_ADMIN, node=county
    )
    admins = [
        grant(
            _user(f"scale{county.pk}_u{i:05d}_admin", f"压测{i}号工会管理员", created),
            Role.UNION_ADMIN,
            union=union,
        )
        for i, union in enumerate(unions[:union_admins])
    ]
    return county_admin, admins, tokens


def _period(county, created: dict):
    from rollup.models import ReportingPeriod
    from rollup.periods import period_open

    label = str(date.today().year - 1)
    period = ReportingPeriod.objects.filter(owner_node=county, label=label).first()
    if period is None:
        period = period_open(node=county, label=label)
        created["periods"] += 1
    return period


def build_county(
    unions: int = 1000,
    members_per_union: int = 300,
    *,
    townships: int = 20,
    seed: int = 2026,
    name: str = "规模压测县",
    union_admins: int = UNION_ADMINS,
    log=print,
) -> ScaleCounty:
    """Build (or top up, or just look up) the county described in the module docstring. Needs Django set up on
    the bench database (bench.common.bootstrap). `log` receives progress lines; pass `lambda line: None` to mute."""
    from django.db import connection

    from federations.services import union_host

    created = dict.fromkeys(
        (
            "nodes",
            "unions",
            "branches",
            "members",
            "drives",
            "rounds",
            "model_workers",
            "users",
            "grants",
            "tokens",
            "periods",
            "recounts",
        ),
        0,
    )
    phases = _Phases(log)
    started = time.perf_counter()
    log(f"scale county {name}: {unions} unions x {members_per_union} members, {townships} townships")
    rng = random.Random(seed)
    county, towns = phases.run("tree", _tree, name, townships, created)
    union_rows = phases.run("unions", _unions, county, towns, unions, members_per_union, rng, created, log)
    phases.run("members", _members, county, union_rows, members_per_union, seed, created, log)
    drive_ids = phases.run("drives", _drives, county, union_rows, created)
    rnd = phases.run("assessment", _assessment, county, union_rows, created, log)
    model_workers = phases.run(
        "model_workers", _model_workers, county, union_rows, members_per_union, created
    )
    county_admin, admins, tokens = phases.run("logins", _logins, county, union_rows, union_admins, created)
    period = phases.run("period", _period, county, created)
    if created["members"]:
        with connection.cursor() as cursor:  # fresh statistics for the planner after bulk writes
            cursor.execute("ANALYZE rollup_livefact")
            cursor.execute("ANALYZE people_personmembership")
    phases.timings["total"] = round(time.perf_counter() - started, 2)
    wrote = {key: value for key, value in created.items() if value}
    log(f"scale county {name}: {phases.timings['total']:.1f} s; created {wrote or 'nothing'}")
    return ScaleCounty(
        name=name,
        county_id=county.pk,
        county_path=county.path,
        township_ids=[t.pk for t in towns],
        union_ids=[u.pk for u in union_rows],
        union_slugs=[u.slug for u in union_rows],
        schema_names=[u.schema_name for u in union_rows],
        union_hosts=[union_host(u.slug) for u in union_rows],
        public_host=_public_host(),
        members_per_union=members_per_union,
        password=BENCH_PASSWORD,
        county_admin=county_admin,
        union_admins=admins,
        tokens=tokens,
        drive_ids=drive_ids,
        standard_id=rnd.standard_id,
        round_id=rnd.pk,
        reporting_year=rnd.reporting_year,
        period_id=period.pk,
        period_label=period.label,
        model_workers=model_workers,
        created=created,
        timings=phases.timings,
    )


def _public_host() -> str:
    from django.conf import settings

    return settings.UNIONHUB_BASE_DOMAIN


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unions", type=int, default=1000)
    parser.add_argument("--members", type=int, default=300, help="members per union")
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--name", default="规模压测县")
    parser.add_argument("--json", help="also write the ScaleCounty description to this file")
    args = parser.parse_args()

    import os

    url = bootstrap(DEFAULT_DB)
    load_before = os.getloadavg()
    county = build_county(args.unions, args.members, townships=args.townships, seed=args.seed, name=args.name)
    load_after = os.getloadavg()
    print(
        f"database {url.rsplit('/', 1)[-1]}; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}"
    )
    print("phase seconds:", json.dumps(county.timings))
    if args.json:
        # Through bench.common.write_result like every bench JSON: revision, machine and load come with it.
        print(f"wrote {write_result('scale', json.loads(county.to_json()), args.json)}")


if __name__ == "__main__":
    main()
