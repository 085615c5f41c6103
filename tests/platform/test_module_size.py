"""No module in the source roots grows past MAX_LINES: a module past ~500 lines becomes a package by sub-domain
(docs/architecture.md). Migrations are generated; the allow-list holds data, not logic, each with its reason."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = ("platform", "tenants", "graphql", "workers")
MAX_LINES = 600

# path -> why it may stay one module. Data only: logic never goes here.
ALLOWED = {
    "platform/federations/demo.py": "demo data: the demo county's federation tree, unions and people, in one table",
}


def _line_count(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def _modules():
    for root in SOURCE_ROOTS:
        for path in sorted((ROOT / root).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or "/static/" in relative:
                continue
            yield relative, path


def test_no_module_is_over_the_limit():
    too_long = {
        relative: lines
        for relative, path in _modules()
        if relative not in ALLOWED and (lines := _line_count(path)) > MAX_LINES
    }
    assert not too_long, (
        f"split these modules into packages by sub-domain (limit {MAX_LINES} lines): {too_long}"
    )


def test_the_allow_list_names_existing_modules_that_need_it():
    # An entry for a module that was split or shrank would silently allow the next one of that name to grow.
    for relative in ALLOWED:
        path = ROOT / relative
        assert path.exists(), relative
        assert _line_count(path) > MAX_LINES, f"{relative} is under the limit now: drop it from ALLOWED"


def test_the_scan_sees_the_source_roots():
    found = {relative.split("/")[0] for relative, _ in _modules()}
    assert found == set(SOURCE_ROOTS)
