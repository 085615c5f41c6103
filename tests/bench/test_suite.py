"""The benchmark suite's machinery: each step runs as a subprocess whose JSON is collected (or whose failure is
recorded without stopping the suite), and the page's figures are regenerated from the result files between their
markers (bench/page.py), leaving the hand-written prose alone. The benchmarks themselves are not run here (they take minutes)."""

import json
import sys
import textwrap
from dataclasses import replace

import pytest

from bench import page, suite

TINY = replace(suite.Sizes.quick(3), step_timeout_s=20)


def _script(tmp_path, name: str, body: str) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    return str(path)  # absolute: run_step joins it to the repository root, which keeps an absolute path


def _step(tmp_path, name, body, **kwargs) -> suite.Step:
    return suite.Step(
        name,
        _script(tmp_path, name, body),
        lambda sizes: ["--unions", str(sizes.unions)],
        rows=lambda result: [("unions seen", str(result["unions"]))],
        **kwargs,
    )


def _env():
    import os

    return {**os.environ}


def test_a_step_gets_its_size_and_its_json_is_collected_through_the_output_flag(tmp_path):
    step = _step(
        tmp_path,
        "flagged",
        """
        import json, sys
        args = sys.argv[1:]
        unions = int(args[args.index("--unions") + 1])
        open(args[args.index("--output") + 1], "w").write(json.dumps({"unions": unions}))
        """,
        output_flag="--output",
    )

    outcome = suite.run_step(step, TINY, env=_env(), out_dir=tmp_path / "out", python=sys.executable)

    assert outcome.status == "ok"
    assert outcome.result == {"unions": 3}
    assert outcome.rows == [("unions seen", "3")]


def test_a_step_writing_with_write_result_is_read_from_the_results_dir(tmp_path):
    out = tmp_path / "out"
    step = _step(
        tmp_path,
        "plain",
        """
        import sys
        sys.path.insert(0, sys.argv[-1])
        from bench.common import write_result
        write_result("plain", {"unions": 3})
        """,
    )
    step = replace(step, args=lambda sizes: [str(suite.ROOT)])

    outcome = suite.run_step(
        step, TINY, env={**_env(), "BENCH_RESULTS_DIR": str(out)}, out_dir=out, python=sys.executable
    )

    assert outcome.status == "ok", (out / "logs" / "plain.log").read_text()
    assert outcome.result["unions"] == 3
    assert "machine" in outcome.result  # write_result describes the machine


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("import sys; print('boom: no database'); sys.exit(3)", "failed"),
        ("print('forgot to write the results')", "failed"),  # exit 0 without JSON is a failure too
    ],
)
def test_a_failing_step_is_recorded_with_its_log(tmp_path, body, status):
    step = _step(tmp_path, "broken", body, output_flag="--output")

    outcome = suite.run_step(step, TINY, env=_env(), out_dir=tmp_path / "out", python=sys.executable)

    assert outcome.status == status
    assert outcome.result is None and outcome.rows == []
    assert body.split("'")[1] in suite.log_tail(outcome.log)


def test_a_step_over_its_time_limit_is_killed(tmp_path):
    step = _step(tmp_path, "slow", "import time; time.sleep(60)", output_flag="--output")

    outcome = suite.run_step(
        step, replace(TINY, step_timeout_s=1), env=_env(), out_dir=tmp_path / "out", python=sys.executable
    )

    assert outcome.status == "timeout"
    assert outcome.seconds < 30


def test_a_missing_script_is_reported_not_raised(tmp_path):
    step = suite.Step("ghost", str(tmp_path / "nope.py"), lambda sizes: [])

    assert suite.run_step(step, TINY, env=_env(), out_dir=tmp_path).status == "missing"


def test_figures_a_script_no_longer_writes_show_as_not_available():
    rows = dict(
        suite._rollup_rows({"live": {"rollup_tree_dashboard": {"n": 5, "p50_ms": 7.5, "p95_ms": 9.0}}})
    )

    assert rows["live `rollup_tree`, dashboard indicators"] == "p50 7.5 ms, p95 9.0 ms (n=5)"
    assert rows["live `rollup_tree`, whole catalogue"] == "n/a"
    # Older scripts' summaries in seconds read the same.
    assert suite.latency({"n": 2, "median_s": 0.0123, "p95_s": 0.02}) == "p50 12.3 ms, p95 20.0 ms (n=2)"


def test_the_suite_regenerates_the_page_between_the_markers_from_the_result_files(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "members.json").write_text(
        json.dumps({"members_first_50": {"n": 3, "p50_ms": 9.5}, "git_revision": "abc1234"})
    )
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# Benchmarks\n\nProse above.\n\n{page.BEGIN}\nold table\n{page.END}\n\nProse below.\n")

    suite.docs_update(docs, results)
    suite.docs_update(docs, results)  # a second run replaces, never appends

    text = docs.read_text()
    assert text.startswith("# Benchmarks\n\nProse above.\n\n") and text.endswith("\n\nProse below.\n")
    assert "old table" not in text and text.count(page.BEGIN) == 1 and text.count(page.END) == 1
    assert "| `members.json` | `abc1234` |" in text and "p50 9.5 ms (n=3)" in text


def test_markers_are_added_once_to_a_page_without_them(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\nProse.\n")

    suite.docs_update(docs, tmp_path)
    suite.docs_update(docs, tmp_path)

    text = docs.read_text()
    assert text.startswith("# Benchmarks\n\nProse.\n") and text.count(page.BEGIN) == 1


def test_the_project_page_carries_the_markers():
    text = suite.DOCS.read_text()

    assert text.count(page.BEGIN) == 1 and text.index(page.BEGIN) < text.index(page.END)


def test_a_partial_run_keeps_the_other_steps_of_the_previous_run_in_suite_order(tmp_path):
    previous = tmp_path / "suite.json"
    previous.write_text(
        json.dumps({"steps": [{"name": "scale", "status": "ok"}, {"name": "members", "status": "failed"}]})
    )

    merged = suite.merge_steps(
        previous, [{"name": "members", "status": "ok"}, {"name": "memory", "status": "ok"}]
    )

    assert [(s["name"], s["status"]) for s in merged] == [
        ("scale", "ok"),
        ("members", "ok"),
        ("memory", "ok"),
    ]


def test_every_step_script_exists():
    for step in suite.STEPS:
        assert (suite.ROOT / step.script).exists(), step.script
