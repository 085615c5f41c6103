"""Benchmark: the model-worker registry list and the award of a large public notice.

    .venv/bin/python bench/modelworkers.py --unions 100 --workers 10000 --nominees 300

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uh_mw_bench; created if missing).
Tops up `unions` unions under a county (template clones, as bench/provisioning.py) and `workers` model workers
registered through modelworkers.awards.modelworker_register (history row and live facts each), then
  * times `modelWorkers(first: 50)` with history, batch and node names in-process (Django test client, full
    middleware) as the county's admin on the public host, and as a union admin on its own host;
  * nominates `nominees` active members (a fresh batch without quotas), accepts them, posts the notice and times
    `notice_approve`, which creates one model worker per nominee (row, history, facts) in one transaction.
Prints the figures and writes bench/results/modelworkers.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bootstrap, summary, write_result  # noqa: E402

DEFAULT_DB = "uh_mw_bench"
QUERY = """{ modelWorkers(first: 50) { totalCount edges { node { name status levelLabel categoryLabel
    awardingNodeName batchName employerName continuationLastDay history { toStatus effectiveOn } } } } }"""
CATEGORIES = (
    "frontline",
    "enterprise_staff",
    "enterprise_head",
    "farmer",
    "public_institution",
    "government",
)


def bench_id(n: int) -> str:
    from people.identity import check_character

    seq, rest = n % 1000, n // 1000
    day, rest = 1 + rest % 28, rest // 28
    month, rest = 1 + rest % 12, rest // 12
    year = 1960 + rest % 40
    first17 = f"330122{year:04d}{month:02d}{day:02d}{seq:03d}"
    return first17 + check_character(first17)


def timed_requests(client, host: str, count: int) -> list[float]:
    latencies = []
    for i in range(count + 10):
        t0 = time.perf_counter()
        response = client.post(
            "/graphql/", data=json.dumps({"query": QUERY}), content_type="application/json", HTTP_HOST=host
        )
        elapsed = time.perf_counter() - t0
        assert "errors" not in response.json(), response.content[:300]
        if i >= 10:  # warm-up
            latencies.append(elapsed)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unions", type=int, default=100)
    parser.add_argument("--workers", type=int, default=10_000)
    parser.add_argument("--nominees", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    bootstrap(DEFAULT_DB)
    from django.conf import settings
    from django.db import transaction
    from django.test import Client

    from accounts.models import RoleGrant, User
    from bench.provisioning import top_up
    from federations.models import FederationNode, Union
    from federations.services import node_create, union_host
    from membership.services import member_create
    from modelworkers.awards.batches import batch_create
    from modelworkers.awards.nominations import nomination_accept, nomination_submit
    from modelworkers.awards.notices import notice_approve, notice_publish
    from modelworkers.awards.registry import modelworker_register
    from modelworkers.models import ModelWorker

    settings.ALLOWED_HOSTS = ["*"]
    county = FederationNode.objects.filter(name="压测县总工会").first() or node_create(
        level="county", name="压测县总工会", division_code="330122"
    )
    top_up(args.unions, county)
    unions = list(Union.objects.filter(slug__startswith="bench-").order_by("slug")[: args.unions])

    present = ModelWorker.objects.count()
    rng = random.Random(11)
    register_started = time.perf_counter()
    today = date(2026, 11, 1)
    for n in range(present, args.workers):
        modelworker_register(
            awarding_node=county,
            id_number=bench_id(n),
            name=f"劳模{n:05d}",
            level="county",
            title="model_worker",
            category=CATEGORIES[n % len(CATEGORIES)],
            awarded_on=today - timedelta(days=rng.randrange(1, 3000)),
            employing_union=unions[n % len(unions)],
            today=today,
        )
        if n % 500 == 0:
            print(f"  registered {n}/{args.workers}", end="\r", flush=True)
    registered = args.workers - present
    register_seconds = time.perf_counter() - register_started
    print()

    admin = User.objects.filter(username="bench_mw_admin").first()
    if admin is None:
        admin = User.objects.create_user(username="bench_mw_admin", password="x")
        RoleGrant.objects.create(user=admin, role="federation_admin", node=county)
    union_admin = User.objects.filter(username="bench_mw_union_admin").first()
    if union_admin is None:
        union_admin = User.objects.create_user(username="bench_mw_union_admin", password="x")
        RoleGrant.objects.create(user=union_admin, role="union_admin", union=unions[0])
    county_client, union_client = Client(), Client()
    county_client.force_login(admin)
    union_client.force_login(union_admin)
    # The federations' public host ("testserver" is a host of the test settings only).
    county_list = summary(timed_requests(county_client, settings.UNIONHUB_BASE_DOMAIN, args.requests))
    union_list = summary(timed_requests(union_client, union_host(unions[0].slug), args.requests))
    print(f"modelWorkers(first: 50), county admin: {county_list}")
    print(f"modelWorkers(first: 50), union admin on its host: {union_list}")

    # A large notice: nominees from the first unions, one batch without quotas, approved at once.
    session = 100 + int(time.time()) % 800
    batch = batch_create(
        awarding_node=county,
        name=f"压测评选{session}",
        session=session,
        year=2026,
        places=args.nominees,
        rules=[],
    )
    for n in range(args.nominees):
        union = unions[n % len(unions)]
        member = member_create(
            union=union,
            name=f"候选{n:04d}",
            id_number=bench_id(5_000_000 + session * 1000 + n),
            employment_type="regular",
            join_date="2020-01-01",
        )
        nomination, _ = nomination_submit(
            batch=batch,
            union=union,
            member_id=member.pk,
            title="model_worker",
            category=CATEGORIES[n % len(CATEGORIES)],
            deeds="事迹",
            congress_date=date(2026, 9, 1),
            congress_attendance=50,
            congress_votes_for=45,
        )
        nomination_accept(nomination=nomination)
    notice = notice_publish(batch=batch, starts_on=date(2026, 10, 1))
    started = time.perf_counter()
    with transaction.atomic():
        workers = notice_approve(notice=notice, on=date(2026, 10, 20))
    approve_seconds = time.perf_counter() - started
    print(f"notice_approve: {len(workers)} awarded in {approve_seconds:.2f}s")

    result = {
        "unions": len(unions),
        "model_workers": ModelWorker.objects.count(),
        "registered_this_run": registered,
        "register_ms_each": round(register_seconds * 1000 / registered, 2) if registered else None,
        "model_workers_first_50_county_admin": county_list,
        "model_workers_first_50_union_admin": union_list,
        "notice_approve": {
            "nominees": len(workers),
            "seconds": round(approve_seconds, 2),
            "ms_each": round(approve_seconds * 1000 / max(len(workers), 1), 2),
        },
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    print(f"written {write_result('modelworkers', result)}")


if __name__ == "__main__":
    main()
