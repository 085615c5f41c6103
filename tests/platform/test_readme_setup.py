"""The README's set-up section and what the scripts need stay one story (issue 23).

The prerequisites the README lists are the ones scripts/_common.sh and scripts/devenv.py check for, with the same
versions, commands, packages and variables; .ci/run runs the README's test command the README's way. Also the
behaviour the README promises: where the browser tests' Chromium comes from, the stop before pytest when there is
none, and the PostgreSQL client tools of the server's own version.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import devenv

ROOT = Path(__file__).resolve().parents[2]
COMMON = (ROOT / "scripts" / "_common.sh").read_text()
SCRIPTS = {
    path.name: path.read_text() for path in (ROOT / "scripts").iterdir() if path.suffix in {"", ".sh", ".py"}
}
CI = (ROOT / ".ci" / "run").read_text()


def setup_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("\n## Set up")
    return readme[start : readme.index("\n## ", start + 1)]


def prerequisites() -> dict[str, str]:
    """{bold name: the whole bullet} of the README's "You need:" list."""
    section = setup_section()
    listing = section[section.index("You need:") :].split("\n\n")[1]
    bullets = re.split(r"\n(?=- )", listing.strip())
    return {re.match(r"- \*\*(.+?)\*\*", bullet).group(1): " ".join(bullet.split()) for bullet in bullets}


def bullet(word: str) -> tuple[str, str]:
    matches = [(name, text) for name, text in prerequisites().items() if word in name]
    assert len(matches) == 1, f"the README's prerequisites list has no (or several) '{word}' entries"
    return matches[0]


def test_the_readme_lists_exactly_the_prerequisites_the_scripts_check():
    # Python (uh_ensure_venv), Node.js/npm (uh_ensure_assets), Chromium (devenv.py web-tests-ready): a new entry on
    # either side needs its counterpart (and a check here).
    assert [name.split()[0] for name in prerequisites()] == ["Python", "Node.js", "Chromium"]
    commands_checked = set(re.findall(r"command -v (\w+)", COMMON))
    assert commands_checked == {"npm", "node"}, "scripts/_common.sh checks a command the README does not list"
    _, node = bullet("Node.js")
    for command in commands_checked:
        assert command in node


def test_python_version_is_the_same_everywhere():
    name, text = bullet("Python")
    wanted = tuple(int(part) for part in re.search(r"Python (\d+)\.(\d+)", name).groups())
    checks = {tuple(map(int, found)) for found in re.findall(r"sys\.version_info < \((\d+), (\d+)\)", COMMON)}
    assert checks == {wanted}
    assert f"python{wanted[0]}.{wanted[1]}" in COMMON  # uh_find_python looks for it by name
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'requires-python = ">={wanted[0]}.{wanted[1]}"' in pyproject
    assert "venv" in text and "UNIONHUB_PYTHON" in text


def test_node_version_is_the_same_everywhere():
    name, text = bullet("Node.js")
    wanted = int(re.search(r"Node\.js (\d+)", name).group(1))
    assert json.loads((ROOT / "package.json").read_text())["engines"]["node"] == f">={wanted}"
    assert re.search(rf"< {wanted} \? 1 : 0", COMMON), "uh_ensure_assets checks another Node.js version"
    assert f"Node.js {wanted} or newer" in devenv.NO_CHART_ASSETS  # the stop line names it too
    assert "without charts" in text and "stops before the browser tests" in text


def test_browser_lookup_and_installs_are_the_ones_the_readme_names():
    _, text = bullet("Chromium")
    assert "UNIONHUB_CHROMIUM" in text and "UNIONHUB_BROWSER_INSTALL=0" in text
    assert ", ".join(f"`{name}`" for name in devenv.SYSTEM_BROWSERS) in text
    for package in devenv.APT_BROWSER_PACKAGES:
        assert f"`{package}`" in text
    assert "playwright install chromium" in text and "playwright install chromium" in devenv.NO_BROWSER
    assert "apt-get install " + " ".join(devenv.APT_BROWSER_PACKAGES) in devenv.NO_BROWSER


def test_every_variable_the_scripts_read_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    used = set().union(*(re.findall(r"\bUNIONHUB_[A-Z_]+\b", text) for text in SCRIPTS.values()))
    assert used, "no UNIONHUB_* variable found in scripts/: the pattern is out of date"
    assert sorted(name for name in used if name not in readme) == []


def test_ci_runs_the_readme_test_command_the_readme_way():
    section = setup_section()
    command = re.search(r"```bash\n(bash scripts/test)\b", section).group(1)
    runs = [line for line in CI.splitlines() if re.match(rf"\s*\(?[^#\"]*{command}", line)]
    assert len(runs) == 1, runs
    run = runs[0]
    assert "unset DATABASE_URL" in run, "CI must run the suite on the embedded PostgreSQL, as the README does"
    assert not re.search(r"^\s*export DATABASE_URL", CI, re.M)
    assert "--create-db" in run
    assert 'rm -rf "$UNIONHUB_PGDATA"' in CI.split(run)[0], "CI starts from a fresh embedded cluster"
    assert '[ "$status" = 5 ]' in CI.split(run)[1]  # no tests collected fails CI
    # scripts/test checks for the browser before it starts anything, let alone pytest.
    test_script = SCRIPTS["test"]
    assert test_script.index('uh_ensure_web_tests "$@"') < test_script.index('bin/pytest" "$@"')


@pytest.mark.parametrize(
    ("args", "runs"),
    [
        ([], True),
        (["-x", "--create-db"], True),
        (["tests"], True),
        (["-x", "tests/web"], True),
        (["tests/web/test_browser.py::test_union_admin_pages"], True),
        (["tests/platform"], False),
        (["-k", "backup", "tests/security/test_backup_restore.py", "tests/web/test_pages.py"], False),
    ],
)
def test_browser_needed_only_when_the_run_includes_the_browser_tests(args, runs):
    assert devenv.runs_browser_tests(args) is runs


def executable(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def no_browser(tmp_path, monkeypatch):
    """A machine without any Chromium: an empty PATH and an empty Playwright browser folder."""
    for name in ("UNIONHUB_CHROMIUM", "UNIONHUB_BROWSER_INSTALL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "bin").mkdir()
    (tmp_path / "ms-playwright").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "ms-playwright"))
    return tmp_path


def test_browser_comes_from_the_variable_then_path_then_playwright(no_browser, monkeypatch):
    with pytest.raises(devenv.BrowserError, match="apt-get install chromium fonts-noto-cjk"):
        devenv.find_browser()
    # Where `playwright install chromium` would put it (under PLAYWRIGHT_BROWSERS_PATH).
    ask = "from playwright.sync_api import sync_playwright\nwith sync_playwright() as p: print(p.chromium.executable_path)"
    where = subprocess.run(
        [sys.executable, "-c", ask], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert where.startswith(str(no_browser / "ms-playwright"))
    Path(where).parent.mkdir(parents=True)
    playwright_own = executable(Path(where), "exit 0")
    assert devenv.find_browser() == str(playwright_own)
    system = executable(no_browser / "bin" / "chromium-browser", "exit 0")
    assert devenv.find_browser() == str(system)
    configured = executable(no_browser / "chrome", "exit 0")
    monkeypatch.setenv("UNIONHUB_CHROMIUM", str(configured))
    assert devenv.find_browser() == str(configured)
    monkeypatch.setenv("UNIONHUB_CHROMIUM", str(no_browser / "missing"))
    with pytest.raises(devenv.BrowserError, match="UNIONHUB_CHROMIUM=.*missing is not an executable file"):
        devenv.find_browser()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the apt-get path is for root")
def test_as_root_with_apt_get_debians_chromium_is_installed_once_and_said(no_browser, capsys):
    calls = no_browser / "apt-get.calls"
    # An apt-get that records its arguments and, on install, puts a chromium on PATH as Debian's package does.
    executable(
        no_browser / "bin" / "apt-get",
        f'echo "$*" >> {calls}\n'
        f'[ "$1" = install ] && printf "#!/bin/sh\\n" > {no_browser}/bin/chromium && /bin/chmod +x {no_browser}/bin/chromium'
        "\nexit 0",
    )
    assert devenv.provide_browser() == str(no_browser / "bin" / "chromium")
    assert calls.read_text().splitlines() == ["update -qq", "install -y -qq chromium fonts-noto-cjk"]
    said = capsys.readouterr().err.splitlines()
    assert said == [
        "[unionhub] no Chromium found: installing Debian's chromium fonts-noto-cjk with apt-get "
        "(once; log in .data/browser-install-apt.log)"
    ]
    assert devenv.provide_browser() == str(
        no_browser / "bin" / "chromium"
    )  # found now: apt-get not run again
    assert len(calls.read_text().splitlines()) == 2 and capsys.readouterr().err == ""


def test_without_a_browser_the_run_stops_with_one_line(no_browser):
    env = dict(os.environ, UNIONHUB_BROWSER_INSTALL="0")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "devenv.py"), "web-tests-ready", "-x", "tests/web"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"[unionhub] error: {devenv.NO_BROWSER}"]
    # A run without the browser tests goes on.
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "devenv.py"), "web-tests-ready", "tests/platform"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_pg_tool_from_path_must_have_the_servers_major_version(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(devenv.PgToolError, match=r"pg_dump not found on PATH.*postgresql-client-16"):
        devenv.pg_tool("pg_dump", host="127.0.0.1", server_version=160002)
    tool = executable(tmp_path / "pg_dump", 'echo "pg_dump (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)"')
    with pytest.raises(devenv.PgToolError) as refused:
        devenv.pg_tool("pg_dump", host="127.0.0.1", server_version=160002)
    assert str(refused.value) == (
        f"{tool} is PostgreSQL 15.10 but the server is PostgreSQL 16.2: put the PostgreSQL 16 client tools first "
        "on PATH (Debian/Ubuntu: apt-get install postgresql-client-16)"
    )
    assert devenv.pg_tool("pg_dump", host="127.0.0.1", server_version=150010) == str(tool)


@pytest.mark.django_db
def test_pg_tool_for_the_test_database_has_its_servers_version():
    from django.db import connection

    host = connection.settings_dict["HOST"] or None
    for name in ("pg_dump", "pg_restore"):
        path = devenv.pg_tool(name, host=host, server_version=connection.pg_version)
        version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
        assert re.search(rf"\(PostgreSQL\) {connection.pg_version // 10000}\.", version)
        if devenv.is_embedded(host):  # the embedded server's own binaries, whatever PATH holds
            assert Path(path).parent == devenv._pgserver_bindir()
