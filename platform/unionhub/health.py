"""GET /healthz on every host, for load balancers and monitoring: database, broker, file storage.

Public on purpose, so it says only "ok"/"fail" per check: no hosts, versions, error texts or stack traces
(details go to the log). 200 when everything is up, 503 otherwise.
"""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.files.storage import InvalidStorageError, storages
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

logger = logging.getLogger(__name__)

OK, FAIL, TIMEOUT, SKIPPED = "ok", "fail", "timeout", "skipped"
# Broker and storage run side by side in these threads, each bounded by UNIONHUB_HEALTH_TIMEOUT; a hung check
# occupies a worker until it ends, so a stuck backend cannot pile up threads.
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")


def _timeout() -> float:
    return float(getattr(settings, "UNIONHUB_HEALTH_TIMEOUT", 3))


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_broker() -> str:
    url = getattr(settings, "CELERY_BROKER_URL", None)
    if not url:
        return SKIPPED
    seconds = _timeout()
    options = {"socket_connect_timeout": seconds, "socket_timeout": seconds, "max_retries": 0}
    with Connection(url, connect_timeout=seconds, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=seconds)
    return OK


def check_storage() -> str:
    alias = "unionhub" if "unionhub" in settings.STORAGES else "default"
    try:
        storage = storages[alias]
    except InvalidStorageError:
        return SKIPPED
    # A tiny round trip (HEAD on S3, stat on disk); the answer does not matter, reaching the storage does.
    storage.exists("healthz-probe")
    return OK


def _run(name: str, check) -> str:
    try:
        return check()
    except Exception:
        logger.warning("healthz: %s check failed", name, exc_info=True)
        return FAIL


def run_checks() -> dict[str, str]:
    pending = {
        # Each in a copy of this context, so its log lines carry the request id.
        name: _executor.submit(contextvars.copy_context().run, _run, name, check)
        for name, check in (("broker", check_broker), ("storage", check_storage))
    }
    # The database check uses this request's own connection, so it runs here, not in a worker thread.
    checks = {"database": _run("database", check_database)}
    for name, future in pending.items():
        try:
            checks[name] = future.result(timeout=_timeout())
        except FutureTimeout:
            logger.warning("healthz: %s check timed out", name)
            checks[name] = TIMEOUT
    return checks


@never_cache
@require_safe
def healthz(request):
    checks = run_checks()
    healthy = all(state in (OK, SKIPPED) for state in checks.values())
    return JsonResponse({"status": OK if healthy else FAIL, "checks": checks}, status=200 if healthy else 503)
