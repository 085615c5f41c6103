"""The dependency tiers (docs/architecture.md §1) are enforced: `lint-imports` keeps the real tree and breaks on an
upward import, and every package of the source roots is placed in a tier."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = ("platform", "tenants", "graphql", "workers")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(tree / root) for root in SOURCE_ROOTS)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def scratch(tmp_path) -> Path:
    """A copy of the source roots (Python files only) and pyproject.toml."""
    for root in SOURCE_ROOTS:
        shutil.copytree(
            ROOT / root,
            tmp_path / root,
            ignore=shutil.ignore_patterns("static", "templates", "__pycache__", "*.html", "*.graphql"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_real_tree_keeps_the_tiers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_tiers(scratch):
    assert lint_imports(scratch).returncode == 0
    # A register (federations) reaching up into the union side (membership).
    selectors = scratch / "platform" / "federations" / "selectors.py"
    selectors.write_text("from membership.models import Member  # noqa: F401\n" + selectors.read_text())
    result = lint_imports(scratch)
    assert result.returncode != 0
    assert "federations is not allowed to import membership" in result.stdout
    assert "federations.selectors -> membership.models" in result.stdout


def test_a_function_local_upward_import_breaks_the_tiers_too(scratch):
    # The kernel importing a workflow inside a function is still an upward dependency.
    copy = scratch / "platform" / "unionhub" / "copy.py"
    copy.write_text(
        copy.read_text() + "\n\ndef _probe():\n    from transfers import services  # noqa: F401\n"
    )
    result = lint_imports(scratch)
    assert result.returncode != 0
    assert "unionhub.copy -> transfers.services" in result.stdout


def test_every_package_of_the_source_roots_is_in_a_tier():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "tiers"]
    layered = {name.strip() for layer in contract["layers"] for name in layer.split(":")}
    packages = {path.parent.name for root in SOURCE_ROOTS for path in (ROOT / root).glob("*/__init__.py")}
    assert packages == set(config["root_packages"])
    for package in packages:
        directory = next(ROOT / root / package for root in SOURCE_ROOTS if (ROOT / root / package).is_dir())
        if package in layered:
            continue
        # A package split over tiers (the roll-up, the workers): each of its modules is placed on its own.
        modules = {f"{package}.{path.stem}" for path in directory.glob("*.py") if path.name != "__init__.py"}
        assert modules <= layered, f"not in a tier: {sorted(modules - layered)}"
