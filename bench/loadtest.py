"""Load test on loopback: gunicorn as production runs it, many concurrent clients mixing dashboard, list and
mutation traffic for a fixed time (issue 9, item 3).

    .venv/bin/python bench/loadtest.py --unions 1000 --clients 50 --duration 60
    .venv/bin/python bench/loadtest.py --unions 1000 --think 0 --output-name loadtest-saturation   # closed loop

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uh_loadtest; created if missing)
with a county built (or reused) by `bench.scale.build_county(--unions, --members)`.

Server: `gunicorn unionhub.wsgi:application` with the production settings (DEBUG off, persistent database
connections DATABASE_CONN_MAX_AGE=60 as docker-compose.yml sets them) on 127.0.0.1, `--workers`/`--threads`
(default 3 sync workers on 2 cores; see `choose_workers` for why). No access log (the client records every
request).

Clients: one asyncio process with `--clients` virtual users, each on its own keep-alive HTTP/1.1 connection (a
minimal stdlib client: no HTTP library in the hot path, responses checked by byte markers rather than parsed, so
the client uses as little of the shared 2 cores as possible; its CPU time is reported). Each user picks an
operation by weight (MIX), sends it, waits for the answer, then "thinks" `--think` seconds (uniform 0.5x-1.5x;
0 = closed loop, i.e. saturation). Who sends what, authenticated as the API really is:

  dashboard  GraphQL `rollup(node, period, indicators, depth)`, 11 dashboard indicators: the county with its
             townships (depth 1, what its dashboard shows) and a township with every unit below it, as a
             federation staff member of the county (bearer token);
             the web dashboard page (GET /) for a township as the same person (session cookie)
  list       `members(first: 50)` and `members(first: 50, search: ...)` (name prefix or phone) on a union's host,
             `driveProgress` of a county drive on a union's host (union admins' bearer tokens), and the
             `assessmentRanking(first: 20)` page of the county's round as federation staff
  mutation   `memberCreate` with a fresh valid identity number and `memberUpdate` of a member's phone, as union
             admins (bearer tokens with the write scope)

Any non-200 answer, a GraphQL `errors` entry, a null root field or a mutation payload with errors counts as an
error. Prints a table and writes bench/results/<output-name>.json (throughput, p50/p95/p99 per operation, per kind
and overall, errors, CPU seconds of the client and of the gunicorn workers, machine load).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import DASHBOARD_INDICATORS, bootstrap, summary, write_result  # noqa: E402 - the repository root first

DEFAULT_DB = "uh_loadtest"
# Operation -> (kind, weight). Weights are relative; about 35% dashboard, 45% list, 20% mutations.
MIX = {
    "rollup_county": ("dashboard", 8),
    "rollup_township": ("dashboard", 22),
    "web_dashboard_township": ("dashboard", 5),
    "members_page": ("list", 18),
    "members_search": ("list", 12),
    "drive_progress": ("list", 8),
    "assessment_ranking": ("list", 7),
    "member_create": ("mutation", 8),
    "member_update_phone": ("mutation", 12),
}
# Identity numbers of members the load test creates: bench.scale.identity_number(county, n) for n from here up
# (the county's own members use n < unions x 1,000).
CREATED_IDENTITY_BASE = 10_000_000
STAFF_TOKEN_NAME = "负载测试"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"

ROLLUP_QUERY = (
    "query($n: ID!, $p: String!, $i: [String!], $d: Int) { rollup(node: $n, period: $p, indicators: $i, depth: $d) "
    "{ indicators root { key name values } units { key parentKey depth kind name values } } }"
)
MEMBERS_QUERY = (
    "query($s: String) { members(first: 50, search: $s) { totalCount pageInfo { endCursor hasNextPage } "
    "edges { node { id name sexLabel phone employmentTypeLabel idNumberMasked status joinDate "
    "branch { name } } } } }"
)
DRIVE_PROGRESS_QUERY = (
    "query($d: ID!) { driveProgress(drive: $d) { level name newMembers newMembersTarget members staff "
    "ratePermille rateTargetPermille } }"
)
RANKING_QUERY = (
    "query($r: ID!) { assessmentRanking(round: $r, first: 20) { totalCount pageInfo { endCursor hasNextPage } "
    "edges { node { rank unionName branchName total grade basePoints bonusPoints deductionPoints } } } }"
)
MEMBER_CREATE_MUTATION = (
    "mutation($input: MemberCreateInput!) { memberCreate(input: $input) "
    "{ errors { field code message } member { id name idNumberMasked } transfer { id } } }"
)
MEMBER_UPDATE_MUTATION = (
    "mutation($id: ID!, $phone: String) { memberUpdate(id: $id, input: {phone: $phone}) "
    "{ errors { field code message } member { id phone } } }"
)


# --- what the clients address (built in-process, before the server starts) ----------------------------------------


def plan_build(county, *, staff_username: str | None = None) -> dict:
    """Everything the virtual users need, as plain data: hosts, tokens, global ids, member ids, search terms and
    the first free identity-number counter. `county` is a bench.scale.ScaleCounty (Django set up on its database).

    Makes (idempotently) a federation staff login on the county for the dashboard traffic and gives it a new API
    token and a session (earlier load-test tokens of that user are revoked)."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_tenants.utils import schema_context

    from accounts.access import actor_for
    from accounts.models import ApiToken, Role, RoleGrant, TokenScope
    from accounts.services import api_token_create, api_token_revoke, role_grant_create
    from api.core.ids import FEDERATION_NODE, UNION, to_global_id, to_tenant_global_id
    from bench.scale import BENCH_PASSWORD
    from drives.models import DriveTarget
    from federations.models import Union
    from membership.models import Member

    User = get_user_model()
    staff_username = staff_username or f"scale{county.county_id}_loadtest_staff"
    staff = User.objects.filter(username=staff_username).first()
    if staff is None:
        from accounts.services import user_create

        staff = user_create(username=staff_username, password=BENCH_PASSWORD, full_name="负载测试县工作人员")
    if not RoleGrant.objects.active().filter(user=staff, role=Role.FEDERATION_STAFF).exists():
        platform_admin = User.objects.get(username="scale_platform_admin")
        role_grant_create(
            actor=actor_for(platform_admin),
            user=staff,
            role=Role.FEDERATION_STAFF,
            node=_node(county.county_id),
        )
    for old in ApiToken.objects.filter(user=staff, name=STAFF_TOKEN_NAME, revoked_at__isnull=True):
        api_token_revoke(token=old)
    # Both scopes: the ranking is read under the inspect permission, which a read-only token does not carry.
    _, staff_token = api_token_create(user=staff, name=STAFF_TOKEN_NAME, scopes=list(TokenScope.values))
    browser = Client()
    browser.force_login(staff)  # a real session row, as the login form would write
    staff_session = browser.cookies["sessionid"].value

    unions = []
    admin_unions = Union.objects.in_bulk(county.union_ids[: len(county.union_admins)])
    for index, username in enumerate(county.union_admins):
        union = admin_unions[county.union_ids[index]]
        with schema_context(union.schema_name):
            members = list(
                Member.objects.filter(status="active").order_by("pk").values_list("pk", "name", "phone")[:200]
            )
        rng = random.Random(index)
        sample = rng.sample(members, min(20, len(members)))
        searched_phones = {pk for pk, _, _ in sample[10:]}
        unions.append(
            {
                "host": county.union_hosts[index],
                "union": to_global_id(UNION, union.pk),
                "token": county.tokens[username],
                # Members whose phone the updates change: not those whose phone is searched for.
                "members": [
                    to_tenant_global_id("Member", union.pk, pk)
                    for pk, _, _ in members
                    if pk not in searched_phones
                ],
                # The county drives this union has targets in (driveProgress is empty for the others).
                "drives": [
                    to_global_id("Drive", pk)
                    for pk in sorted(
                        set(
                            DriveTarget.objects.filter(
                                drive_id__in=county.drive_ids, union=union
                            ).values_list("drive_id", flat=True)
                        )
                    )
                ],
                # Name prefixes (a surname: many hits) and full phone numbers (one hit), as officers search.
                "searches": [name[:1] for _, name, _ in sample[:10]]
                + [phone for _, _, phone in sample[10:] if phone],
            }
        )
    analyze_tables(["public", *(county.schema_names[: len(county.union_admins)])])
    return {
        "public_host": county.public_host,
        "period": county.reporting_year,
        "staff_token": staff_token,
        "staff_session": staff_session,
        "county": to_global_id(FEDERATION_NODE, county.county_id),
        "townships": [to_global_id(FEDERATION_NODE, pk) for pk in county.township_ids],
        "township_pks": county.township_ids,
        "round": to_global_id("AssessmentRound", county.round_id),
        "unions": unions,
        "identity_county": county.county_id,
        "identity_next": created_identity_start(county.county_id),
    }


def analyze_tables(schemas: list[str]) -> None:
    """Planner statistics for the tables the traffic reads, as autovacuum keeps them in production. (This
    machine's PostgreSQL runs with autovacuum off; never-analysed tables get 1-row estimates and, e.g., the
    ranking page chose nested loops: 72 ms instead of 6 ms.)"""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format('%%I.%%I', schemaname, relname) FROM pg_stat_user_tables "
            "WHERE schemaname = ANY(%s) AND last_analyze IS NULL AND last_autoanalyze IS NULL",
            [schemas],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"ANALYZE {table}")


def _node(pk: int):
    from federations.models import FederationNode

    return FederationNode.objects.get(pk=pk)


def created_identity_start(county_id: int, block: int = 5000) -> int:
    """The first counter above CREATED_IDENTITY_BASE after every number earlier runs registered (blocks are
    probed in the cross-union person index by hash, so numbers stay unique across runs)."""
    from bench.scale import identity_number
    from people.identity import id_hash
    from people.models import PersonMembership

    start = CREATED_IDENTITY_BASE
    while True:
        hashes = {id_hash(identity_number(county_id, n)): n for n in range(start, start + block)}
        used = PersonMembership.objects.filter(id_hash__in=list(hashes)).values_list("id_hash", flat=True)
        if not used:
            return start
        start = max(hashes[h] for h in used) + 1


# --- the server ---------------------------------------------------------------------------------------------------


def choose_workers(cores: int) -> tuple[int, int]:
    """gunicorn processes and threads for this machine: sync workers, cores + 1 (3 on 2 cores, as
    docker-compose.yml runs production).

    A request is mostly Python (middleware, GraphQL execution, serialisation: CPU-bound, one GIL per process)
    with a dozen short PostgreSQL round trips, and PostgreSQL (and here the load client) share the same cores. One
    process per core keeps the cores busy and one more covers the database waits; gunicorn's usual 2 x cores + 1
    would oversubscribe cores that PostgreSQL needs too. No threads: they only add GIL contention to CPU-bound
    requests, and with gthread each process queues the requests of the keep-alive connections it accepted, so a
    slow request (a county roll-up) delays the ones queued behind it in that process while another idles; sync
    workers take requests from the shared accept queue in arrival order. Measured with 50 clients under the same
    contention: gthread 4 x 2 p95 7.7 s and 27 ms of server CPU per request, sync 3 p95 4.2 s and 25 ms
    (docs/benchmarks.md, "Load test")."""
    return cores + 1, 1


def start_gunicorn(
    port: int, workers: int, threads: int, *, log_path: Path, database_url: str | None = None
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url or os.environ["DATABASE_URL"],
        "DJANGO_DEBUG": "0",
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        # Tasks sent after a member is created go to a queue of their own, so no other worker on this Redis
        # picks them up (the load test runs no worker; the outbox keeps what the broker refuses).
        "CELERY_TASK_DEFAULT_QUEUE": os.environ.get("LOADTEST_CELERY_QUEUE", "unionhub-loadtest"),
    }
    env.pop("PYTHONPATH", None)
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "unionhub.wsgi:application",
        "--pythonpath",
        "platform,tenants,graphql,workers",
        "--chdir",
        str(ROOT),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--backlog",
        "256",
        "--timeout",
        "60",
        # Several servers may run on this machine; the default control socket path would be shared.
        "--no-control-socket",
    ]
    log = log_path.open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        stop_gunicorn(process)
        raise RuntimeError(f"gunicorn did not listen on port {port}; see {log_path}")
    return process


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)  # graceful: the master stops its workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of one process (/proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pids(master: int) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving the database (all but our own connection), sampled every
    `interval` seconds in a thread so backends that close during the run (DATABASE_CONN_MAX_AGE) still count up
    to their last sample."""

    def __init__(self, database_url: str, interval: float = 2.0):
        import threading

        self.url, self.interval = database_url, interval
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, conn) -> dict[int, float]:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return {pid: process_cpu_seconds(pid) for (pid,) in pids}

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            self.start = self._sample(conn)
            self.last = dict(self.start)
            while not self.stopping.wait(self.interval):
                for pid, seconds in self._sample(conn).items():
                    if seconds:
                        self.last[pid] = seconds
            for pid, seconds in self._sample(conn).items():
                if seconds:
                    self.last[pid] = seconds

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)

    @property
    def seconds(self) -> float:
        return sum(value - self.start.get(pid, 0.0) for pid, value in self.last.items())


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# --- the client ---------------------------------------------------------------------------------------------------


class _NothingReceived(Exception):
    """The server closed a reused connection before answering: safe to send the request again."""


class HttpConnection:
    """One keep-alive HTTP/1.1 connection to the server (reconnects when the server closes it).

    Like every HTTP client library, a request that fails on a reused connection before any byte of the answer
    arrived (the server closed the idle connection as the request went out: gunicorn's keep-alive timeout) is
    sent once more on a new connection; such resends are counted (`stale_resends`), never hidden."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reused = False
        self.stale_resends = 0

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is not None and self.reused:
            try:
                return await self._exchange(raw)
            except _NothingReceived:
                self.stale_resends += 1
        return await self._exchange(raw)

    async def _exchange(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.reused = False
        try:
            self.writer.write(raw)
            try:
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError) as exc:
                if self.reused and not getattr(exc, "partial", b""):
                    raise _NothingReceived from exc
                raise
            status_line, _, header_block = head.partition(b"\r\n")
            status = int(status_line.split(b" ", 2)[1])
            headers = {}
            for line in header_block.split(b"\r\n"):
                name, sep, value = line.partition(b":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            if b"content-length" in headers:
                body = await self.reader.readexactly(int(headers[b"content-length"]))
            elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
                body = await self._chunked()
            else:
                body = await self.reader.read()
                headers[b"connection"] = b"close"
        except BaseException:
            self.close()
            raise
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        else:
            self.reused = True
        return status, body

    async def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def http_request(
    method: str, host: str, path: str, *, body: bytes = b"", headers: dict | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Accept-Language: zh-hans"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def graphql_request(host: str, token: str, query: str, variables: dict) -> bytes:
    body = json.dumps({"query": query, "variables": variables}, ensure_ascii=False).encode()
    return http_request("POST", host, "/graphql/", body=body, headers={"Authorization": f"Bearer {token}"})


def graphql_ok(body: bytes, field: str, *, mutation: bool = False) -> bool:
    """A GraphQL answer without `errors`, with a non-null, non-empty root field (a list page with no rows means
    the viewer saw nothing: an access or data problem, not a result); a mutation's payload errors empty too.
    Byte markers on the compact JSON graphene writes, so the client never parses the large dashboard answers."""
    prefix = b'{"data":{"' + field.encode() + b'":'
    if not body.startswith(prefix) or body.startswith(prefix + b"null") or body.startswith(prefix + b"[]"):
        return False
    if mutation:
        return b'"errors":[]' in body and body.count(b'"errors":') == 1
    return b'"errors":' not in body and b'"edges":[]' not in body


@dataclass
class Operation:
    name: str
    kind: str
    raw: bytes
    check: object  # (status, body) -> bool


class Traffic:
    """Builds the next request of each operation from the plan (random unions, members, terms)."""

    def __init__(self, plan: dict, seed: int):
        self.plan = plan
        self.rng = random.Random(seed)
        self.identity_next = plan["identity_next"]
        self.created = 0
        self.names = list(MIX)
        self.weights = [MIX[name][1] for name in self.names]

    def next(self) -> Operation:
        name = self.rng.choices(self.names, self.weights)[0]
        return getattr(self, name)()

    def _staff_graphql(self, name: str, field: str, query: str, variables: dict) -> Operation:
        raw = graphql_request(self.plan["public_host"], self.plan["staff_token"], query, variables)
        return Operation(name, MIX[name][0], raw, lambda s, b: s == 200 and graphql_ok(b, field))

    def _union_graphql(self, name: str, field: str, query: str, variables: dict, union=None) -> Operation:
        union = union or self.rng.choice(self.plan["unions"])
        raw = graphql_request(union["host"], union["token"], query, variables)
        mutation = MIX[name][0] == "mutation"
        return Operation(
            name, MIX[name][0], raw, lambda s, b: s == 200 and graphql_ok(b, field, mutation=mutation)
        )

    def rollup_county(self) -> Operation:
        # The county dashboard shows the county and its townships (their figures cover all their unions).
        variables = {"n": self.plan["county"], "p": self.plan["period"], "i": DASHBOARD_INDICATORS, "d": 1}
        return self._staff_graphql("rollup_county", "rollup", ROLLUP_QUERY, variables)

    def rollup_township(self) -> Operation:
        town = self.rng.choice(self.plan["townships"])
        variables = {"n": town, "p": self.plan["period"], "i": DASHBOARD_INDICATORS}
        return self._staff_graphql("rollup_township", "rollup", ROLLUP_QUERY, variables)

    def web_dashboard_township(self) -> Operation:
        town = self.rng.choice(self.plan["township_pks"])
        raw = http_request(
            "GET",
            self.plan["public_host"],
            f"/?node={town}",
            headers={"Cookie": f"sessionid={self.plan['staff_session']}"},
        )
        return Operation("web_dashboard_township", MIX["web_dashboard_township"][0], raw, web_ok)

    def members_page(self) -> Operation:
        return self._union_graphql("members_page", "members", MEMBERS_QUERY, {"s": None})

    def members_search(self) -> Operation:
        union = self.rng.choice(self.plan["unions"])
        term = self.rng.choice(union["searches"])
        return self._union_graphql("members_search", "members", MEMBERS_QUERY, {"s": term}, union)

    def drive_progress(self) -> Operation:
        union = self.rng.choice([union for union in self.plan["unions"] if union["drives"]])
        drive = self.rng.choice(union["drives"])
        return self._union_graphql(
            "drive_progress", "driveProgress", DRIVE_PROGRESS_QUERY, {"d": drive}, union
        )

    def assessment_ranking(self) -> Operation:
        return self._staff_graphql(
            "assessment_ranking", "assessmentRanking", RANKING_QUERY, {"r": self.plan["round"]}
        )

    def member_create(self) -> Operation:
        from bench.scale import identity_number

        number = identity_number(self.plan["identity_county"], self.identity_next)
        self.identity_next += 1
        self.created += 1
        member = {
            "name": self.rng.choice(SURNAMES) + self.rng.choice(GIVEN) + self.rng.choice(GIVEN),
            "idNumber": number,
            "employmentType": self.rng.choice(("regular", "migrant", "agency")),
            "joinDate": date.today().isoformat(),
            "phone": self._phone(),
        }
        op = self._union_graphql("member_create", "memberCreate", MEMBER_CREATE_MUTATION, {"input": member})
        # A transfer request instead of a member would mean the number was taken: an error here.
        op.check = lambda s, b: (
            s == 200 and graphql_ok(b, "memberCreate", mutation=True) and b'"transfer":null' in b
        )
        return op

    def member_update_phone(self) -> Operation:
        union = self.rng.choice(self.plan["unions"])
        variables = {"id": self.rng.choice(union["members"]), "phone": self._phone()}
        return self._union_graphql(
            "member_update_phone", "memberUpdate", MEMBER_UPDATE_MUTATION, variables, union
        )

    def _phone(self) -> str:
        return f"13{self.rng.randrange(10**9):09d}"

    def every_operation(self) -> list[Operation]:
        return [getattr(self, name)() for name in self.names]


def web_ok(status: int, body: bytes) -> bool:
    # The dashboard page, not the login page a lost session would redirect to (302) or an error page.
    return status == 200 and b"<html" in body[:500].lower()


@dataclass
class Record:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    stale_resends: int = 0

    def add(self, name: str, seconds: float, ok: bool, detail: str = "") -> None:
        self.latencies.setdefault(name, []).append(seconds)
        if not ok:
            self.errors[name] = self.errors.get(name, 0) + 1
            if len(self.error_samples) < 20:
                self.error_samples.append(f"{name}: {detail[:300]}")


async def virtual_user(traffic: Traffic, port: int, deadline: float, think: float, record: Record) -> None:
    connection = HttpConnection(port)
    rng = random.Random(id(connection))
    await asyncio.sleep(rng.uniform(0, max(think, 0.05)))  # stagger the start
    try:
        while time.monotonic() < deadline:
            op = traffic.next()
            started = time.perf_counter()
            try:
                status, body = await connection.request(op.raw)
                ok, detail = op.check(status, body), f"HTTP {status} {body[:300]!r}"
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                ok, detail = False, f"{type(exc).__name__}: {exc}"
            record.add(op.name, time.perf_counter() - started, ok, detail)
            if think:
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
    finally:
        record.stale_resends += connection.stale_resends
        connection.close()


async def run_clients(
    plan: dict, port: int, *, clients: int, duration: float, think: float, seed: int
) -> Record:
    traffic = Traffic(plan, seed)
    record = Record()
    deadline = time.monotonic() + duration
    await asyncio.gather(*(virtual_user(traffic, port, deadline, think, record) for _ in range(clients)))
    plan["identity_next"] = traffic.identity_next
    return record


async def preflight(plan: dict, port: int, *, connections: int) -> list[str]:
    """Every operation once on each of `connections` concurrent connections, answers parsed in full: a broken
    query fails loudly before the timed run, and every gunicorn thread has loaded what it loads lazily (URL
    resolvers, schema, templates, its database connection) so the first timed requests are not cold."""
    traffic = Traffic(plan, seed=0)

    async def one_pass() -> list[str]:
        problems = []
        connection = HttpConnection(port)
        try:
            for op in traffic.every_operation():
                status, body = await connection.request(op.raw)
                if not op.check(status, body):
                    problems.append(f"{op.name}: HTTP {status} {body[:400]!r}")
                elif body.startswith(b"{"):
                    json.loads(body)
        finally:
            connection.close()
        return problems

    passes = await asyncio.gather(*(one_pass() for _ in range(connections)))
    plan["identity_next"] = traffic.identity_next
    return sorted({problem for problems in passes for problem in problems})


def figures(record: Record, duration: float) -> dict:
    per_operation, per_kind = {}, {}
    everything = []
    for name, values in sorted(record.latencies.items()):
        kind = MIX[name][0]
        per_operation[name] = {
            "kind": kind,
            **summary(values),
            "errors": record.errors.get(name, 0),
            "rps": round(len(values) / duration, 2),
        }
        per_kind.setdefault(kind, []).extend(values)
        everything.extend(values)
    kinds = {
        kind: {
            **summary(values),
            "errors": sum(record.errors.get(n, 0) for n in record.latencies if MIX[n][0] == kind),
            "rps": round(len(values) / duration, 2),
        }
        for kind, values in sorted(per_kind.items())
    }
    overall = {
        **summary(everything),
        "errors": sum(record.errors.values()),
        "rps": round(len(everything) / duration, 2),
    }
    return {"overall": overall, "kinds": kinds, "operations": per_operation}


def load_test(
    plan: dict,
    *,
    clients: int,
    duration: float,
    think: float,
    workers: int,
    threads: int,
    seed: int = 1,
    log_path: Path | None = None,
    database_url: str | None = None,
) -> dict:
    """Start gunicorn (on `database_url`, default DATABASE_URL), warm it up with every operation, run the clients
    for `duration` seconds, stop the server. Returns the figures (see the module docstring)."""
    port = free_port()
    log_path = log_path or Path(f"/tmp/loadtest-gunicorn-{port}.log")
    server = start_gunicorn(port, workers, threads, log_path=log_path, database_url=database_url)
    try:
        problems = asyncio.run(preflight(plan, port, connections=workers * threads))
        if problems:
            raise RuntimeError("preflight failed:\n  " + "\n  ".join(problems))
        created_before = plan["identity_next"]
        workers_pids = worker_pids(server.pid)
        server_cpu_before = sum(process_cpu_seconds(pid) for pid in workers_pids)
        client_before = resource.getrusage(resource.RUSAGE_SELF)
        machine_before = machine_cpu()
        load_before = os.getloadavg()
        started = time.perf_counter()
        with BackendCpu(database_url or os.environ["DATABASE_URL"]) as database_cpu:
            record = asyncio.run(
                run_clients(plan, port, clients=clients, duration=duration, think=think, seed=seed)
            )
        elapsed = time.perf_counter() - started
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        machine_after = machine_cpu()
        server_cpu = sum(process_cpu_seconds(pid) for pid in workers_pids) - server_cpu_before
        load_after = os.getloadavg()
    finally:
        stop_gunicorn(server)
    client_cpu = (client_after.ru_utime - client_before.ru_utime) + (
        client_after.ru_stime - client_before.ru_stime
    )
    busy = machine_after[0] - machine_before[0]
    total = machine_after[1] - machine_before[1]
    return {
        "config": {
            "clients": clients,
            "duration_s": duration,
            "elapsed_s": round(elapsed, 1),
            "think_s": think,
            "gunicorn": {
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread" if threads > 1 else "sync",
            },
            "database_conn_max_age": int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
            "mix": {name: {"kind": kind, "weight": weight} for name, (kind, weight) in MIX.items()},
        },
        **figures(record, elapsed),
        "error_samples": record.error_samples,
        "stale_keepalive_resends": record.stale_resends,
        "cpu": {
            "cores": os.cpu_count(),
            "machine_busy_percent": round(100 * busy / total, 1) if total else None,
            "gunicorn_workers_s": round(server_cpu, 1),
            "postgresql_backends_s": round(database_cpu.seconds, 1),
            # What one request costs the server (app + database), whatever else runs on the machine: the basis
            # for the capacity of these cores when nothing else runs on them.
            "server_ms_per_request": round(
                1000 * (server_cpu + database_cpu.seconds) / max(1, sum(map(len, record.latencies.values()))),
                1,
            ),
            "client_s": round(client_cpu, 1),
            "client_percent_of_one_core": round(100 * client_cpu / elapsed, 1),
        },
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in load_after],
        "members_created": plan["identity_next"] - created_before,
    }


def print_table(result: dict) -> None:
    print(
        f"{'operation':<26} {'kind':<10} {'n':>6} {'err':>5} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}"
    )
    rows = [(name, f["kind"], f) for name, f in result["operations"].items()]
    rows += [(f"[{kind}]", "", f) for kind, f in result["kinds"].items()]
    rows.append(("[overall]", "", result["overall"]))
    for name, kind, f in rows:
        print(
            f"{name:<26} {kind:<10} {f['n']:>6} {f['errors']:>5} {f['rps']:>7} {f['p50_ms']:>7} {f['p95_ms']:>7} "
            f"{f['p99_ms']:>7} {f['max_ms']:>7}"
        )
    print(
        "cpu:",
        json.dumps(result["cpu"]),
        "load before/after:",
        result["load_average_before"],
        result["load_average_after"],
    )
    for sample in result["error_samples"][:5]:
        print("error:", sample)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--unions", type=int, default=1000, help="county size (built or reused by bench.scale)"
    )
    parser.add_argument("--members", type=int, default=300, help="members per union")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds (at most a few minutes)")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean seconds between a user's requests; 0 = none"
    )
    default_workers, default_threads = choose_workers(os.cpu_count() or 2)
    parser.add_argument("--workers", type=int, default=default_workers)
    parser.add_argument("--threads", type=int, default=default_threads)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output-name", default="loadtest", help="bench/results/<name>.json")
    args = parser.parse_args()
    if not 1 <= args.duration <= 600:
        parser.error("--duration: 1 to 600 seconds")

    url = bootstrap(DEFAULT_DB)
    from django.db import connections

    from bench.scale import build_county

    county = build_county(args.unions, args.members)
    plan = plan_build(county)
    connections.close_all()
    print(
        f"database {url.rsplit('/', 1)[-1]}: {county.unions} unions; {args.clients} clients for {args.duration:.0f} s, "
        f"think {args.think} s, gunicorn {args.workers} workers x {args.threads} threads; load {os.getloadavg()[0]:.2f}"
    )
    result = load_test(
        plan,
        clients=args.clients,
        duration=args.duration,
        think=args.think,
        workers=args.workers,
        threads=args.threads,
        seed=args.seed,
    )
    result = {"unions": county.unions, "members_per_union": county.members_per_union, **result}
    print_table(result)
    path = write_result(args.output_name, result)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
