"""Benchmark: rows per second for a tabular import, end to end (upload check + store, streaming parse, row
validation, batched writes, error file).

    .venv/bin/python bench/imports.py --rows 100000

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uh_imports_bench; created if
missing) and a temporary directory for files. Imports into a fresh union, which is removed afterwards, so runs
repeat with the same data present. The members importer is used when it is registered (it is the heavy one:
identity numbers validated, encrypted and hashed, the cross-union person index and live facts kept), else
branches. The file is an .xlsx written as Excel writes it (shared strings); a CSV of the same rows is timed too.
0.5% of the rows are bad (wrong check character, repeats) so the error-file path is part of the figure.
Prints the figures and writes bench/results/imports.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bootstrap, write_result  # noqa: E402

DEFAULT_DB = "uh_imports_bench"
SLUG_PREFIX = "bench-import"
BRANCHES = [f"第{i}车间分会" for i in range(1, 21)]
EMPLOYMENT = ["正式职工", "劳务派遣", "农民工", "新就业形态劳动者"]


def identity_number(i: int) -> str:
    from people.identity import check_character

    born = date(1960, 1, 1) + timedelta(days=i // 500)
    first17 = f"330122{born:%Y%m%d}{i % 500:03d}"
    return first17 + check_character(first17)


def member_rows(n: int) -> tuple[list[str], list[list], int]:
    header = ["姓名", "身份证号码", "手机号", "用工类型", "所在分会", "入会日期", "民族", "会员证号"]
    rows, bad = [], 0
    for i in range(n):
        number = identity_number(i)
        if i % 200 == 199:  # 0.5% bad: alternately a wrong check character and a repeat of the row above
            bad += 1
            number = number[:17] + ("0" if number[17] != "0" else "1") if bad % 2 else rows[-1][1]
        rows.append(
            [
                f"职工{i}",
                number,
                f"139{i:08d}",
                EMPLOYMENT[i % 4],
                BRANCHES[i % len(BRANCHES)],
                "2021-03-01",
                "汉族",
                f"HY{i:08d}",
            ]
        )
    return header, rows, bad


def branch_rows(n: int, *, tops: bool = False) -> tuple[list[str], list[list], int]:
    """Groups under the 20 top branches (which fresh_union creates; `tops` puts them in the file instead)."""
    header = ["名称", "类型", "上级名称", "职工小家"]
    rows, bad = [[name, "分会", "", "否"] for name in BRANCHES] if tops else [], 0
    for i in range(n - len(rows)):
        if i % 200 == 199:
            bad += 1
            rows.append([f"小组{i}", "委员会", BRANCHES[i % 20], "否"])
        else:
            rows.append([f"小组{i}", "工会小组", BRANCHES[i % 20], "否"])
    return header, rows, bad


def xlsx_file(header, rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()  # not write_only: shared strings, as Excel and WPS save
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(header, rows) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("gbk")


def fresh_union(county, n: int):
    from federations.services import union_provision
    from imports.services import import_job_create, import_job_run

    union = union_provision(
        parent_node=county,
        slug=f"{SLUG_PREFIX}-{n}",
        name=f"导入压测{n}号工会",
        credit_code=bench_credit_code(n),
        unit_type="enterprise",
        ownership_type="private",
        staff_count=120_000,
    )
    header, rows, _bad = branch_rows(len(BRANCHES), tops=True)
    job = import_job_create(kind="branches", filename="分会.csv", content=csv_file(header, rows), union=union)
    assert import_job_run(job_id=job.pk).accepted_rows == len(BRANCHES)
    return union


def bench_credit_code(n: int) -> str:
    from federations.validators import credit_code_check_character

    first17 = f"91330122MP{n:07d}"
    return first17 + credit_code_check_character(first17)


def drop_bench_unions() -> None:
    from django.db import connection

    from federations.models import Union
    from people.models import PersonMembership

    for union in Union.objects.filter(slug__startswith=SLUG_PREFIX):
        PersonMembership.objects.filter(union=union).delete()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{union.schema_name}" CASCADE')
        union.delete()


def timed_import(union, kind: str, filename: str, content: bytes) -> dict:
    from imports.services import import_job_create, import_job_run

    started = time.perf_counter()
    job = import_job_create(kind=kind, filename=filename, content=content, union=union)
    uploaded = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        job = profile.runcall(import_job_run, job_id=job.pk)
        pstats.Stats(profile).sort_stats(os.environ["BENCH_PROFILE"]).print_stats(25)
    else:
        job = import_job_run(job_id=job.pk)
    finished = time.perf_counter()
    assert job.status == "done", job.error_message
    seconds = finished - started
    return {
        "file": filename,
        "file_mb": round(len(content) / 1024 / 1024, 2),
        "rows": job.total_rows,
        "accepted": job.accepted_rows,
        "rejected": job.rejected_rows,
        "upload_check_s": round(uploaded - started, 3),
        "run_s": round(finished - uploaded, 3),
        "total_s": round(seconds, 3),
        "rows_per_s": round(job.total_rows / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kind", choices=["members", "branches"], help="default: members when registered")
    args = parser.parse_args()

    media = tempfile.TemporaryDirectory(prefix="uh-imports-bench-")
    os.environ["UNIONHUB_MEDIA_ROOT"] = media.name
    os.environ.pop("UNIONHUB_S3_BUCKET", None)
    url = bootstrap(DEFAULT_DB)
    from django.conf import settings

    from federations.models import FederationNode
    from federations.services import node_create
    from imports.registry import importer_kinds

    # A 100,000-row file is larger than the default upload limit for some layouts; the bench measures speed.
    settings.UNIONHUB_FILE_MAX_BYTES = {**settings.UNIONHUB_FILE_MAX_BYTES, "imports": 200 * 1024 * 1024}
    print(f"database {url.rsplit('/', 1)[-1]}")
    county = FederationNode.objects.filter(name="导入压测县总工会").first() or node_create(
        level="county", name="导入压测县总工会", division_code="330122"
    )
    drop_bench_unions()

    kind = args.kind or ("members" if "members" in importer_kinds() else "branches")
    header, rows, bad = (member_rows if kind == "members" else branch_rows)(args.rows)
    print(f"importer: {kind}; {len(rows):,} rows ({bad} bad); writing the files...")
    xlsx, csv_content = xlsx_file(header, rows), csv_file(header, rows)

    results = []
    for n, (filename, content) in enumerate(((f"{kind}.xlsx", xlsx), (f"{kind}.csv", csv_content)), start=1):
        drop_bench_unions()  # the person index would otherwise hold every member in the previous union
        union = fresh_union(county, n)
        result = timed_import(union, kind, filename, content)
        assert result["accepted"] == len(rows) - bad and result["rejected"] == bad, result
        results.append(result)
        print(
            f"{filename:>14}: {result['rows']:,} rows in {result['total_s']:.1f} s = {result['rows_per_s']:,} rows/s "
            f"(upload check {result['upload_check_s']:.2f} s, {result['file_mb']} MB; "
            f"{result['accepted']:,} written, {result['rejected']} rejected)"
        )
    drop_bench_unions()
    media.cleanup()

    report = {
        "benchmark": "imports",
        "importer": kind,
        "rows": len(rows),
        "bad_rows": bad,
        "target_rows_per_s": 5000,
        "results": results,
    }
    print(f"wrote {write_result('imports', report)}")


if __name__ == "__main__":
    main()
