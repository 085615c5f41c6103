"""docs/benchmarks.md is generated from the result files and says no more than they hold: the committed page is
what bench/page.py makes of bench/results/*.json; every number in its generated part is a value of one of those
files (or of bench/goals.json); the hand-written findings state no number the generated part does not show; runs
are called quiet only under the threshold; every bench JSON carries its revision and load."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation

import pytest

from bench import page

NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\w)")
CODE_SPAN = re.compile(r"`[^`\n]*`")
FENCE = re.compile(r"```.*?```", re.DOTALL)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def numbers_in_text(text: str) -> list[str]:
    """Number tokens of markdown prose and tables; code (names, commands, revisions, dates as recorded) is not
    a figure and is left out."""
    for pattern in (COMMENT, FENCE, CODE_SPAN):
        text = pattern.sub(" ", text)
    return NUMBER.findall(text)


def value(token: str) -> Decimal:
    return Decimal(token.replace(",", "")).normalize()


def values_in_json(data) -> set[Decimal]:
    """Every number a JSON document holds: numeric leaves, and numbers inside its strings and keys."""
    found: set[Decimal] = set()

    def walk(node) -> None:
        if isinstance(node, bool) or node is None:
            return
        if isinstance(node, int | float):
            try:
                found.add(Decimal(str(node)).normalize())
            except InvalidOperation:
                pass
        elif isinstance(node, str):
            found.update(value(token) for token in NUMBER.findall(node))
        elif isinstance(node, dict):
            for key, item in node.items():
                walk(key)
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return found


def untraced(generated: str, documents: list) -> list[str]:
    known = set().union(*(values_in_json(document) for document in documents))
    return sorted({token for token in numbers_in_text(generated) if value(token) not in known})


def unsupported(handwritten: str, generated: str) -> list[str]:
    shown = {value(token) for token in numbers_in_text(generated)}
    return sorted({token for token in numbers_in_text(handwritten) if value(token) not in shown})


def _sources() -> list:
    return [*page.results().values(), page.goals()]


def _parts() -> tuple[str, str]:
    text = page.DOCS.read_text()
    generated = page.generated_part(text)
    return generated, text.replace(generated, "")


def test_the_committed_page_is_what_the_result_files_give():
    assert page.page() == page.DOCS.read_text(), "run .venv/bin/python bench/page.py and commit the page"


def test_every_number_in_the_generated_part_is_a_value_of_a_result_file():
    generated, _ = _parts()
    assert len(numbers_in_text(generated)) > 500  # the figures are really there
    assert untraced(generated, _sources()) == []


def test_each_file_section_shows_only_values_of_its_own_file():
    """Stronger than the page-wide check: the table under "From `bench/results/<name>.json`" traces to that one
    file, so a figure cannot be borrowed from another run."""
    generated, _ = _parts()
    all_results = page.results()
    sections = re.split(r"^(?=From `bench/results/|## )", generated, flags=re.MULTILINE)
    checked = 0
    for section in sections:
        found = re.match(r"From `bench/results/([\w-]+)\.json`", section)
        if found:
            assert untraced(section, [all_results[found.group(1)]]) == [], found.group(1)
            checked += 1
    assert checked >= len(page.SECTIONS)


def test_the_findings_state_no_number_the_generated_part_does_not_show():
    generated, handwritten = _parts()
    assert unsupported(handwritten, generated) == []


def test_the_checks_catch_an_invented_figure():
    """Controls: the figures the old page stated without a JSON behind them are caught by both checks."""
    generated, handwritten = _parts()
    assert untraced(generated + "\n| provisioning | speed-up | 12.2 x |", _sources()) == ["12.2"]
    assert unsupported(handwritten + "\nThe migration took 1,169 s.", generated) == ["1,169"]
    # Code spans are names, not figures; a number outside them is checked.
    assert numbers_in_text("`loadtest-4x2.json` `--unions 3000` took 3.5 s") == ["3.5"]


def test_every_result_file_is_on_the_page_with_its_revision_date_and_load():
    generated, _ = _parts()
    for name, data in page.results().items():
        row = next(line for line in generated.splitlines() if line.startswith(f"| `{name}.json` |"))
        origin = page.provenance(data)
        assert (f"`{origin['revision']}`" if origin["revision"] else "not recorded") in row
        assert (f"`{origin['measured_at']}`" if origin["measured_at"] else "not recorded") in row
        assert page.load_text(origin["load"]) in row


@pytest.mark.parametrize(
    ("readings", "label"),
    [
        ({"start": 0.4, "end": 0.8, "max": 0.9}, "**quiet**"),
        ({"start": 0.8, "end": 1.7, "max": None}, "loaded (up to 1.7)"),
        ({"start": 0.4, "end": 0.5, "max": 1.3}, "loaded (up to 1.3)"),  # a peak between the readings
        ({"start": None, "end": 0.6, "max": None}, "not labelled quiet (one reading only)"),
        ({"start": None, "end": 2.38, "max": None}, "loaded (2.38 when written)"),
        ({"start": None, "end": None, "max": None}, "load not recorded"),
    ],
)
def test_a_run_is_quiet_only_when_every_load_reading_stayed_under_the_threshold(readings, label):
    assert page.conditions(readings, quiet_below=1.0) == label


def test_load_readings_of_every_writer_vintage():
    assert page.load_readings({"load": {"start_1min": 0.5, "end_1min": 0.7, "max_1min": 0.9}}) == {
        "start": 0.5,
        "end": 0.7,
        "max": 0.9,
    }
    assert (
        page.load_readings({"load_average_before": [1.85, 2], "load_average_after": [2.72, 2]})["end"] == 2.72
    )
    assert page.load_readings({"load_average_at_start": 1.1, "load_average_at_end": 1.2})["start"] == 1.1
    assert page.load_readings({"machine": {"load_average": [3.07, 2.79, 4.4]}}) == {
        "start": None,
        "end": 3.07,
        "max": None,
    }


def test_write_result_records_revision_times_and_load(tmp_path):
    from bench.common import write_result

    path = write_result("trial", {"figure": 1.5}, tmp_path / "trial.json")
    document = json.loads(path.read_text())

    assert document["figure"] == 1.5
    assert document["git_revision"] and document["started_at"] <= document["measured_at"]
    load = document["load"]
    assert load["max_1min"] >= max(load["start_1min"], load["end_1min"]) and load["samples"] >= 2
    assert page.conditions(page.load_readings(document), 1.0) in (
        "**quiet**",
        f"loaded (up to {load['max_1min']})",
    )


def test_small_runs_are_not_read(tmp_path):
    (tmp_path / "quick").mkdir()
    (tmp_path / "quick" / "rollup.json").write_text(json.dumps({"unions": 20}))
    (tmp_path / "members.json").write_text(json.dumps({"unions": 1000}))

    assert list(page.results(tmp_path)) == ["members"]
