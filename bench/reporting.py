"""Benchmark: the submission board and the report files of a county of 1,000 unions.

    .venv/bin/python bench/reporting.py --unions 1000

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uh_rollup_bench, shared with
bench/rollup.py, whose `build_live_county` builds the county: 20 townships, `--unions` union rows with live facts).
Half the unions get a submission (a third of those accepted) and deadlines are set, so the board has every state.
Timed in-process: `reporting.selectors.board` for the county and for one township; `report_files_generate` for the
county (XLSX of six tables + PDF with a chart, stored on a temporary local directory) from live figures and from a
frozen snapshot, first run and regeneration (unchanged: nothing uploaded). Writes bench/results/reporting.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bootstrap, summary, timed, write_result  # noqa: E402

DEFAULT_DB = "uh_rollup_bench"
LABEL = "2031"  # a reporting year of its own, so runs never meet bench/rollup.py's periods


def _prepare(county):
    from django.db import transaction
    from django.utils import timezone

    from federations.models import Union
    from reporting.models import Submission, SubmissionLevel, SubmissionStatus
    from reporting.services import deadlines_set
    from rollup.models import ReportingPeriod
    from rollup.periods import period_open

    period = ReportingPeriod.objects.filter(owner_node=county, label=LABEL).first() or period_open(
        node=county, label=LABEL
    )
    deadlines_set(
        period=period,
        deadlines={"union": date(2031, 10, 10), "township": date(2031, 10, 15), "county": date(2031, 10, 20)},
    )
    if not Submission.objects.filter(period=period).exists():
        unions = list(Union.objects.filter(node_path__startswith=county.path).select_related("parent_node"))
        now = timezone.now()
        rows = [
            Submission(
                period=period,
                level=SubmissionLevel.UNION,
                union=union,
                unit_name=union.name,
                unit_path=union.node_path,
                reviewer_node=union.parent_node,
                reviewer_name=union.parent_node.name,
                status=SubmissionStatus.ACCEPTED if i % 3 == 0 else SubmissionStatus.SUBMITTED,
                submitted_at=now,
            )
            for i, union in enumerate(unions[::2])
        ]
        with transaction.atomic():
            Submission.objects.bulk_create(rows)
    return period


def _timed(func, repeat: int) -> dict:
    return summary(timed(func, repeat, warmup=1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unions", type=int, default=1000)
    parser.add_argument("--per-union", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    bootstrap(DEFAULT_DB)
    from django.conf import settings

    media = tempfile.mkdtemp(prefix="uh-reporting-bench-")
    settings.STORAGES = {
        **settings.STORAGES,
        "unionhub": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media, "allow_overwrite": True},
        },
    }
    from django.core.files.storage import storages

    storages._storages = {}

    from bench.rollup import build_live_county
    from federations.models import FederationNode
    from reporting.files import report_files_generate
    from reporting.selectors import board
    from rollup.models import Snapshot
    from rollup.periods import snapshot_freeze

    county = build_live_county(args.unions, args.per_union)
    town = FederationNode.objects.filter(parent=county).order_by("pk").first()
    period = _prepare(county)
    counts = board(node=county, period=period).counts()
    results = {
        "unions": counts["total"],
        "board_counts": counts,
        "board_county": _timed(lambda: board(node=county, period=period), args.repeat),
        "board_township": _timed(lambda: board(node=town, period=period), args.repeat),
    }
    started = time.perf_counter()
    files = report_files_generate(node=county, period=period, snapshot=None)
    results["files_live_first_ms"] = round((time.perf_counter() - started) * 1000, 1)
    results["files_live_regenerate"] = _timed(
        lambda: report_files_generate(node=county, period=period, snapshot=None), 5
    )
    results["file_sizes"] = {row.kind: row.size for row in files}
    snapshot = Snapshot.objects.filter(period=period, is_current=True).first()
    if snapshot is None:
        snapshot = snapshot_freeze(period=period, version=1, reason="")
    started = time.perf_counter()
    report_files_generate(node=county, period=period, snapshot=snapshot)
    results["files_snapshot_first_ms"] = round((time.perf_counter() - started) * 1000, 1)
    results["files_snapshot_regenerate"] = _timed(
        lambda: report_files_generate(node=county, period=period, snapshot=snapshot), 5
    )
    print(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"written {write_result('reporting', results)}")


if __name__ == "__main__":
    main()
