#!/usr/bin/env bash
# Schemathesis in GraphQL mode against a running gunicorn with the demo county: every query and mutation of the
# committed SDL (graphql/schema.graphql) with generated arguments, as a county admin on the public host and as a
# union admin on a union's host (API tokens with read and write scopes), and optionally as anonymous clients. Fails
# on any 5xx answer and on any GraphQL error the server labels `internal_error` (an unexpected exception).
#
#   bash bench/schemathesis_graphql.sh            # DATABASE_URL (default: uh_schemathesis on the local server)
#   MAX_TIME=600 bash bench/schemathesis_graphql.sh
#   MAX_TIME=300 MAX_EXAMPLES=200 ANON_MAX_TIME=90 bash bench/schemathesis_graphql.sh   # the long run
#
# MAX_TIME: seconds per authenticated run; MAX_EXAMPLES: cases per operation (schemathesis' default otherwise);
# ANON_MAX_TIME > 0 adds a run without a token on each host (anonymous client) of that many seconds.
#
# Not part of the default test run (minutes, and it needs a server); tests/fuzz is the fast in-process check.
# Needs schemathesis (dev extras). Results: bench/results/schemathesis-*.txt; the recorded runs: bench/results/schemathesis.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python
PORT="${PORT:-8765}"
MAX_TIME="${MAX_TIME:-120}"
MAX_EXAMPLES="${MAX_EXAMPLES:-}"
ANON_MAX_TIME="${ANON_MAX_TIME:-0}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/uh_schemathesis}"
export DJANGO_DEBUG=0 GRAPHQL_INTROSPECTION=0 LOG_FORMAT=plain
export CELERY_TASK_ALWAYS_EAGER=1 CELERY_BROKER_URL=memory://
export UNIONHUB_MEDIA_ROOT="${UNIONHUB_MEDIA_ROOT:-$(mktemp -d)}"
# Joining-link limits would answer most generated joinByLink calls with "rate_limited"; raise them for the run.
export UNIONHUB_JOIN_RATE_PER_ADDRESS=100000 UNIONHUB_JOIN_RATE_PER_LINK=100000 UNIONHUB_JOIN_RATE_PER_LINK_ADDRESS=100000

"$PY" - <<'PYEOF'
import os
from urllib.parse import urlparse

import psycopg

url = urlparse(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
with psycopg.connect(os.environ["DATABASE_URL"].replace(f"/{name}", "/postgres", 1), autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
PYEOF
"$PY" manage.py migrate --noinput >/dev/null
"$PY" manage.py load_demo >/dev/null
tokens=$("$PY" manage.py shell -c "
from accounts.models import User
from accounts.services import api_token_create
for name in ('county_admin', 'huarui_admin'):
    print(api_token_create(user=User.objects.get(username=name), name='schemathesis', scopes=['read', 'write'])[1])
" | grep -E '^uh_')  # `manage.py shell` prints a banner line first: take the tokens only
COUNTY_TOKEN=$(echo "$tokens" | sed -n 1p)
UNION_TOKEN=$(echo "$tokens" | sed -n 2p)
[ -n "$COUNTY_TOKEN" ] && [ -n "$UNION_TOKEN" ] || { echo "no API tokens: $tokens" >&2; exit 1; }
# Anonymous clients send a CSRF cookie and the matching header, as the web page does; without them every POST is
# refused by the CSRF check and nothing behind it is exercised.
CSRF=$("$PY" -c "import secrets, string; print(''.join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32)))")

.venv/bin/gunicorn unionhub.wsgi:application --pythonpath platform,tenants,graphql,workers \
    -b "127.0.0.1:$PORT" -w 2 --log-level warning >bench/results/schemathesis-server.log 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

export SCHEMATHESIS_HOOKS=bench.schemathesis_hooks PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD"
status=0
run() {  # run <label> <host> <token, or "" for an anonymous client> <seconds>
    echo "== $1 (Host: $2)"
    # no_internal_error (bench/schemathesis_hooks.py): a 5xx or an `internal_error`; the built-in
    # not_a_server_error also counts our typed client errors (invalid_page_size, ...) as server errors.
    local args=(-H "Host: $2" --checks no_internal_error --max-time "$4" --workers 2 --no-color
        --generation-database none)
    if [ -n "$3" ]; then args+=(-H "Authorization: Bearer $3"); else args+=(-H "Cookie: csrftoken=$CSRF" -H "X-CSRFToken: $CSRF"); fi
    [ -n "$MAX_EXAMPLES" ] && args+=(--max-examples "$MAX_EXAMPLES")
    .venv/bin/st run graphql/schema.graphql --url "http://127.0.0.1:$PORT/graphql/" "${args[@]}" \
        | tee "bench/results/schemathesis-$1.txt" || status=1
}
run public unionhub.localhost "$COUNTY_TOKEN" "$MAX_TIME"
run union huarui-jixie.unionhub.localhost "$UNION_TOKEN" "$MAX_TIME"
if [ "$ANON_MAX_TIME" -gt 0 ]; then
    run anonymous-public unionhub.localhost "" "$ANON_MAX_TIME"
    run anonymous-union huarui-jixie.unionhub.localhost "" "$ANON_MAX_TIME"
fi
grep -c " 500 " bench/results/schemathesis-server.log || true
exit $status
