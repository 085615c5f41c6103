"""The Celery app. tenant-schemas-celery carries the schema in each message, so a task sent inside a union
runs in that union's schema.

Every task in the project is defined with `@app.task` (or `@job`) and so inherits `UnionHubTask`: late acks,
re-queued when the worker dies, retried with exponential backoff on transient failures. Code that starts
background work calls `enqueue_on_commit(task, ...)`, never `task.delay()` inside a transaction.
"""

import gc
import importlib
import logging
import os
import sys
import uuid
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
for _source_root in ("platform", "tenants", "graphql", "workers"):
    if str(_ROOT / _source_root) not in sys.path:
        sys.path.insert(0, str(_ROOT / _source_root))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionhub.settings")

from celery.signals import celeryd_after_setup, task_postrun, task_prerun, worker_process_init  # noqa: E402
from django.db import (  # noqa: E402
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from kombu.exceptions import OperationalError as BrokerOperationalError  # noqa: E402
from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp  # noqa: E402
from tenant_schemas_celery.task import TenantTask  # noqa: E402

from unionhub.errors import ServiceUnavailable  # noqa: E402

logger = logging.getLogger("jobs")


class TransientJobError(Exception):
    """Raise from task code for a failure worth retrying later (a remote service is down, a lock is busy)."""


# Failures that usually go away on their own. Anything else (bad data, bugs) fails at once instead of being
# retried five times; DomainValidationError in particular is never retried.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    BrokerOperationalError,
    ConnectionError,
    TimeoutError,
    TransientJobError,
    ServiceUnavailable,
)


class UnionHubTask(TenantTask):
    """Defaults for every task: idempotent tasks may run twice, so ack late and retry with backoff."""

    abstract = True
    acks_late = True
    # A worker killed mid-task (OOM, SIGKILL, deploy) puts the message back instead of losing it.
    reject_on_worker_lost = True
    autoretry_for = TRANSIENT_ERRORS
    dont_autoretry_for = ()
    retry_backoff = 2  # seconds, doubled per attempt
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5


class UnionHubCeleryApp(TenantAwareCeleryApp):
    task_cls = UnionHubTask


app = UnionHubCeleryApp("unionhub")
app.config_from_object("django.conf:settings", namespace="CELERY")

# Several deployments (or test runs) may share one Redis: an optional prefix keeps their keys apart.
_key_prefix = os.environ.get("CELERY_REDIS_KEY_PREFIX", "").strip()
if _key_prefix:
    app.conf.broker_transport_options = {
        **(app.conf.broker_transport_options or {}),
        "global_keyprefix": _key_prefix,
    }
    app.conf.result_backend_transport_options = {
        **(app.conf.result_backend_transport_options or {}),
        "global_keyprefix": _key_prefix,
    }

# Task modules, one per area (each helper/domain adds its module here).
app.conf.include = [
    "jobs.provisioning",
    "jobs.fanout",
    "jobs.imports",
    "jobs.outbox",
    "jobs.rollup",
    "jobs.modelworker_care",
    "jobs.reporting",
    "jobs.membership",
    "jobs.assessment",
]


OUTBOX_SEND_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def enqueue_on_commit(task, *args, task_options: dict | None = None, **kwargs) -> str:
    """Send `task(*args, **kwargs)` once the current transaction commits; returns the task id at once.

    Outside a transaction the task is sent immediately (a broker failure raises to the caller). Inside one, the
    message is first written to the task outbox in the same transaction (operations.outbox): if the transaction
    rolls back nothing is sent; once it commits the message is sent and the row deleted; if the broker is down
    then, the committed work stands, the row stays and the outbox sweep sends it when the broker is back. The
    tenant schema is captured now, not at commit time: code that enqueues inside `tenant_context(A)` and commits
    after leaving it still gets the task run in A. `task` is a task object or a registered task name;
    `task_options` go to apply_async (countdown, queue, headers; headers["_schema_name"] picks the schema).
    """
    if isinstance(task, str):
        task = resolve_task(task)
    options = dict(task_options or {})
    task_id = options.pop("task_id", None) or str(uuid.uuid4())
    headers = dict(options.pop("headers", None) or {})
    headers.setdefault("_schema_name", connection.schema_name)

    if not transaction.get_connection().in_atomic_block:
        task.apply_async(args=args, kwargs=kwargs, task_id=task_id, headers=headers, **options)
        return task_id

    # Upward on purpose (a declared exception of the tiers, docs/architecture.md §1): the outbox table belongs to
    # operations, whose models the kernel cannot import while the app registry loads.
    from operations.models import TaskOutbox

    record = TaskOutbox.objects.create(
        task_id=task_id,
        task_name=task.name,
        args=list(args),
        kwargs=kwargs,
        options={**{k: v for k, v in options.items() if v is not None}, "headers": headers},
    )

    def send():
        try:
            # One quick retry only: the outbox has the message, so a request never waits seconds for a broker
            # that is down (Celery's default policy took 2-4 s per send here).
            task.apply_async(
                args=args,
                kwargs=kwargs,
                task_id=task_id,
                headers=headers,
                **{"retry_policy": OUTBOX_SEND_RETRY_POLICY, **options},
            )
        except Exception as exc:
            # The caller's work is committed; the outbox row keeps the message for the sweep.
            logger.warning("task %s (%s) not sent, kept in the outbox: %s", task.name, task_id, exc)
            return
        try:
            TaskOutbox.objects.filter(pk=record.pk).delete()
        except Exception:  # the sweep will send it again under the same id; tasks are idempotent
            logger.warning("outbox row %s not deleted after sending", record.pk, exc_info=True)

    transaction.on_commit(send)
    return task_id


def resolve_task(name: str):
    """The registered task called `name`, importing the task modules first if this process has not yet."""
    if name not in app.tasks:
        # Task names here are "<module>.<function>": importing that module registers the task.
        module_name = name.rpartition(".")[0]
        try:
            importlib.import_module(module_name)
        except ImportError:
            app.loader.import_default_modules()
    try:
        return app.tasks[name]
    except KeyError:
        raise LookupError(f"unknown task {name!r}") from None


def log_execution_mode(*, quiet: bool = False) -> None:
    """Say at startup where background work runs (operations' AppConfig.ready, and the worker).

    `quiet` skips the normal case so every manage.py command does not repeat it; eager mode always warns.
    """
    if app.conf.task_always_eager:
        logger.warning(
            "CELERY_TASK_ALWAYS_EAGER is on: background work runs EAGERLY inside the calling process "
            "(demo mode: no worker or broker; countdowns are ignored and retries run inline). Never use this in production."
        )
    elif not quiet:
        logger.info(
            "Background work goes to the broker for Celery workers (queue %s).", app.conf.task_default_queue
        )


@task_prerun.connect
@task_postrun.connect
def _recycle_database_connection(sender=None, **kwargs):
    """With CELERY_DB_REUSE_MAX set (settings: when CONN_MAX_AGE > 0) Celery keeps the connection between tasks;
    as Django does around a request, close it when it is unusable (after an error) or older than CONN_MAX_AGE.
    Eager tasks run inside their caller's work and are left alone."""
    if not app.conf.get("db_reuse_max") or getattr(getattr(sender, "request", None), "is_eager", False):
        return
    close_old_connections()


@celeryd_after_setup.connect
def _worker_started(sender, instance, **kwargs):
    log_execution_mode()


@worker_process_init.connect
def _freeze_startup_objects(**kwargs):
    # Django, the apps and the schema are loaded once and live as long as the process: keeping them out of the
    # cyclic collector's passes removes ~100 ms pauses seen in one report render in three (reporting benchmark).
    gc.freeze()
