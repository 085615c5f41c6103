"""Benchmark: scoring and ranking a 职工之家 round of 1,000 unions, and paging its results over GraphQL.

    .venv/bin/python bench/assessment.py --unions 1000

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uh_assess_bench; created if
missing). Tops up N unions (template clones, as bench/provisioning.py), gives them staff counts and member figures
(live facts), publishes the 100+3-point Fujian sheet (26 items) and opens a fresh round over all of them. Setup,
through the services: each union's self-assessment, member-appraisal counts, inspection scores on two items for
every union, a spot-check deduction for every fifth and a veto for every fiftieth. Then it times
  * `round_score` (load every input in a constant number of queries, run the pure engine per union, competition
    ranking, replace the result rows), with its query count: the target is <= 5 s for 1,000 unions;
  * the engine alone (score + rank in memory);
  * `assessmentRanking(first: 50)` pages in-process (Django test client, full middleware; no socket) as the county's
    federation admin, walking the cursor to the last page, with the queries of each page: the count must not
    grow with the page or the round.
Prints the figures and writes bench/results/assessment.json. `--reuse-round` skips the setup and times the newest
bench round again.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from decimal import Decimal as D
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
for source_root in ("platform", "tenants", "graphql", "workers"):
    sys.path.insert(0, str(ROOT / source_root))
sys.path.insert(0, str(ROOT))
from bench.common import write_result  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/uh_assess_bench"
RANKING = """query($round: ID!, $after: String) {
  assessmentRanking(round: $round, first: 50, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { rank unionName total grade reason breakdown { code awarded source } } } } }"""


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "n": len(values),
        "mean_ms": round(statistics.mean(values) * 1000, 1),
        "median_ms": round(statistics.median(values) * 1000, 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unions", type=int, default=1000)
    parser.add_argument(
        "--reuse-round", action="store_true", help="time the newest bench round again (no setup)"
    )
    parser.add_argument(
        "--output", help="the JSON (default bench/results/assessment.json, or $BENCH_RESULTS_DIR)"
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionhub.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from bench.provisioning import ensure_database, top_up
    from bench.scale import sample_self_scores

    ensure_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from graphql_relay import to_global_id

    from accounts.models import RoleGrant, User
    from assessment import engine, scoring
    from assessment.models import Result, Round, RoundParticipant, Standard, StandardStatus
    from assessment.services import results
    from assessment.services.inspection import deduction_add, inspection_scores_set, veto_record
    from assessment.services.rounds import UnitRef, participant_self_scores_submit, round_open
    from assessment.services.standards import standard_create, standard_publish
    from assessment.sheets import fujian_home_standard
    from federations.models import FederationNode, Union
    from federations.services import node_create
    from rollup.facts import facts_replace

    settings.ALLOWED_HOSTS = ["*"]
    print(f"database {urlparse(url).path.lstrip('/')}: migrate")
    call_command("migrate", interactive=False, verbosity=0)
    county = FederationNode.objects.filter(name="压测县总工会").first() or node_create(
        level="county", name="压测县总工会", division_code="330122"
    )
    top_up(args.unions, county)
    unions = list(Union.objects.filter(slug__startswith="bench-").order_by("slug")[: args.unions])

    # Staff counts and member figures (入会率 between 84% and 100%), once.
    for index, union in enumerate(unions):
        if union.staff_count == 0:
            union.staff_count = 100 + index % 400
            union.save(update_fields=["staff_count"])
            members = union.staff_count * (84 + index % 17) // 100
            facts_replace(union=union, indicators=["members"], facts={(0, "members", ""): members})

    standard = Standard.objects.filter(
        issuer=county, code="bench-fj", status=StandardStatus.PUBLISHED
    ).first()
    if standard is None:
        draft = standard_create(issuer=county, content=fujian_home_standard(code="bench-fj"), actor=None)
        standard = standard_publish(standard=draft, actor=None, at=timezone.now())

    now = timezone.now()
    setup_started = time.perf_counter()
    previous = Round.objects.filter(organiser=county, name__startswith="压测验收").order_by("-pk").first()
    if args.reuse_round and previous is not None:
        Round.objects.filter(pk=previous.pk).update(status="open")
        rnd = Round.objects.get(pk=previous.pk)
        participants = list(RoundParticipant.objects.filter(round=rnd))
        items = list(standard.items.order_by("position"))
    else:
        rnd = round_open(
            organiser=county,
            standard=standard,
            name=f"压测验收{int(time.time())}",
            self_assessment_due=now + timezone.timedelta(days=1),
            appraisal_due=now + timezone.timedelta(days=1),
            inspection_due=now + timezone.timedelta(days=2),
            units=[UnitRef(union) for union in unions],
            actor=None,
        )
        participants = list(
            RoundParticipant.objects.filter(round=rnd).select_related("round", "union").order_by("id")
        )
        items = list(standard.items.order_by("position"))
        for index, participant in enumerate(participants):
            participant_self_scores_submit(
                participant=participant, scores=sample_self_scores(items, index), actor=None, at=now
            )
            inspection_scores_set(
                participant=participant,
                scores={"6.3": D(5 - index % 4), "2.3": D(4 - index % 3)},
                actor=None,
                at=now,
            )
            if index % 5 == 0:
                deduction_add(participant=participant, reason="抽查台账缺失", actor=None, at=now)
            if index % 50 == 49:
                veto_record(participant=participant, reason="拖欠职工工资", actor=None, at=now)
        # Appraisal counts as the tenant side maintains them (one update per participant, no facts needed here).
        for index, participant in enumerate(participants):
            responses = 30 + index % 70
            RoundParticipant.objects.filter(pk=participant.pk).update(
                appraisal_invited=responses + 5,
                appraisal_responses=responses,
                appraisal_satisfied=responses - index % 6,
            )
    setup_seconds = time.perf_counter() - setup_started
    print(f"setup: {len(participants)} participants in {setup_seconds:.1f} s")

    score_runs, score_cpu = [], []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            results.round_score(round=rnd, actor=None, at=timezone.now())
            score_runs.append(time.perf_counter() - started)
            score_cpu.append(time.process_time() - cpu_started)
        score_queries = len(queries)
    print(
        f"round_score: {[round(s, 2) for s in score_runs]} s, {score_queries} queries; CPU of this process "
        f"(not PostgreSQL's) {[round(s, 2) for s in score_cpu]} s"
    )

    # Phases of round_score, timed apart (the write in a transaction rolled back).
    phases: dict[str, float] = {}
    started = time.perf_counter()
    spec = scoring.standard_spec(standard)
    inputs = scoring.round_inputs(rnd, on=timezone.localdate())
    phases["load inputs (standard + round, constant queries)"] = time.perf_counter() - started
    started = time.perf_counter()
    outcomes = [(p.pk, engine.score(spec, i)) for p, i in inputs]
    engine.competition_ranks([(pk, outcome.total) for pk, outcome in outcomes])
    engine_seconds = time.perf_counter() - started
    phases["engine (score + rank, in memory)"] = engine_seconds
    started = time.perf_counter()
    computed = results._compute_results(rnd, timezone.now())
    phases["results with breakdowns (inputs + engine + rows)"] = time.perf_counter() - started
    with transaction.atomic():
        started = time.perf_counter()
        results._results_replace(rnd, computed)
        phases["write results (DELETE + COPY)"] = time.perf_counter() - started
        transaction.set_rollback(True)
    phases = {name: round(seconds, 3) for name, seconds in phases.items()}
    print("round_score phases (s):", json.dumps(phases, ensure_ascii=False))
    grades: dict[str, int] = {}
    for _, outcome in outcomes:
        grades[outcome.grade or "none"] = grades.get(outcome.grade or "none", 0) + 1
    print(f"engine only: {engine_seconds:.3f} s; grades {grades}")

    admin = User.objects.filter(username="bench_assess_admin").first()
    if admin is None:
        admin = User.objects.create_user(username="bench_assess_admin", password="x")
        RoleGrant.objects.create(user=admin, role="federation_admin", node=county)
    client = Client()
    client.force_login(admin)
    round_id = to_global_id("AssessmentRound", rnd.pk)
    # Warm-up: the first request builds per-process caches (schema, host lookup).
    # The federations' public host (the test client's default "testserver" is a host of the test settings only).
    public_host = settings.UNIONHUB_BASE_DOMAIN
    client.post(
        "/graphql/",
        data=json.dumps({"query": RANKING, "variables": {"round": round_id, "after": None}}),
        content_type="application/json",
        HTTP_HOST=public_host,
    )
    page_seconds, page_cpu, page_queries, after, pages, ranks = [], [], [], None, 0, []
    while True:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            cpu_started = time.process_time()
            response = client.post(
                "/graphql/",
                data=json.dumps({"query": RANKING, "variables": {"round": round_id, "after": after}}),
                content_type="application/json",
                HTTP_HOST=public_host,
            )
            page_seconds.append(time.perf_counter() - started)
            page_cpu.append(time.process_time() - cpu_started)
        page_queries.append(len(queries))
        data = response.json()["data"]["assessmentRanking"]
        ranks += [edge["node"]["rank"] for edge in data["edges"]]
        pages += 1
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert len(ranks) == len(participants) and ranks == sorted(ranks), "ranking pages out of order"
    assert Result.objects.filter(round=rnd).count() == len(participants)
    print(
        f"ranking pages: {pages}, queries per page {sorted(set(page_queries))}, wall {summary(page_seconds)}, "
        f"cpu {summary(page_cpu)}"
    )

    result = {
        "unions": len(participants),
        "items_per_standard": len(items),
        "setup_seconds": round(setup_seconds, 1),
        "round_score_seconds": [round(s, 3) for s in score_runs],
        "round_score_cpu_seconds_this_process": [round(s, 3) for s in score_cpu],
        "round_score_queries": score_queries,
        "engine_only_seconds": round(engine_seconds, 3),
        "round_score_phases_seconds": phases,
        "grades": grades,
        "ranking_pages": pages,
        "ranking_page_size": 50,
        "ranking_queries_per_page": sorted(set(page_queries)),
        "ranking_page_latency": summary(page_seconds),
        # CPU of this process (Django + GraphQL execution, no waiting): what a quiet machine's latency approaches.
        "ranking_page_cpu": summary(page_cpu),
        "target_seconds": 5,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    print(f"wrote {write_result('assessment', result, args.output)}")


if __name__ == "__main__":
    main()
