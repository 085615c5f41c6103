"""The task outbox: tasks enqueued inside a transaction are written with it and sent after it commits.

`jobs.celery_app.enqueue_on_commit` writes a `TaskOutbox` row in the caller's transaction and, on commit, sends
the message and deletes the row. When the broker is down the send fails, the caller's work stays committed, and
the row stays; `outbox_sweep` (Celery beat, every minute, and `manage.py outbox_sweep`) sends what is left once
the broker is back. A process that dies between commit and send is covered the same way.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from jobs.celery_app import resolve_task

from .models import TaskOutbox

logger = logging.getLogger("jobs")

# Rows younger than this belong to a send in progress (the on-commit hook); the sweep leaves them alone.
SWEEP_GRACE_SECONDS = 60


def outbox_send(record: TaskOutbox) -> None:
    """Publish one outbox row's message (same task id); raises what the broker raises."""
    options = dict(record.options or {})
    countdown = options.pop("countdown", None)
    if countdown:
        # A countdown runs from the original enqueue, not from this (possibly much later) send.
        due = record.created_at + timedelta(seconds=float(countdown))
        options["countdown"] = max((due - timezone.now()).total_seconds(), 0)
    resolve_task(record.task_name).apply_async(
        args=record.args, kwargs=record.kwargs, task_id=record.task_id, **options
    )


def outbox_sweep(*, grace_seconds: float = SWEEP_GRACE_SECONDS, limit: int = 500) -> int:
    """Send outbox rows older than `grace_seconds`, oldest first; returns how many were sent. Stops at the first
    broker failure (the rest would fail the same way) and records it on that row."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    sent = 0
    with transaction.atomic():
        # SKIP LOCKED: two sweeps (two beat schedulers by mistake) never send the same row at the same time.
        records = list(
            TaskOutbox.objects.filter(created_at__lte=cutoff)
            .order_by("pk")
            .select_for_update(skip_locked=True)[:limit]
        )
        for record in records:
            try:
                outbox_send(record)
            except Exception as exc:
                TaskOutbox.objects.filter(pk=record.pk).update(
                    attempts=record.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
                )
                logger.warning(
                    "outbox sweep: broker still unavailable (%s); %s left", exc, len(records) - sent
                )
                break
            TaskOutbox.objects.filter(pk=record.pk).delete()
            sent += 1
    if sent:
        logger.warning("outbox sweep sent %s task(s) left behind by a failed send", sent)
    return sent
