"""The scheduled term end of continuation management."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modelworkers import services as registry
from modelworkers.models import (
    ModelWorker,
    WorkerStatus,
)

logger = logging.getLogger(__name__)


# --- the scheduled term end --------------------------------------------------------------------------------------


def terms_end_run(*, today: date | None = None) -> list[int]:
    """Beat task body: every worker still managed after the last day of the term changes to ended, effective the
    day after that last day (not the day the task ran, so a late or missed run dates it right). Each worker in its
    own transaction with the row locked and re-checked, so a second or concurrent run changes nothing more."""
    today = today or timezone.localdate()
    candidates = list(
        ModelWorker.objects.filter(status=WorkerStatus.MANAGED, continuation_last_day__lt=today)
        .order_by("continuation_last_day", "pk")
        .values_list("pk", flat=True)
    )
    ended = []
    for worker_id in candidates:
        with transaction.atomic():
            worker = (
                ModelWorker.objects.select_for_update(of=("self",))
                .filter(pk=worker_id, status=WorkerStatus.MANAGED, continuation_last_day__lt=today)
                .first()
            )
            if worker is None:  # another run got there first
                continue
            registry.modelworker_transition(
                worker=worker,
                to_status=WorkerStatus.ENDED,
                on=worker.continuation_last_day + timedelta(days=1),
                reason=_("延续管理期已于%(day)s届满。") % {"day": worker.continuation_last_day.isoformat()},
                actor=None,
            )
            ended.append(worker_id)
    if ended:
        logger.info("continuation terms ended", extra={"count": len(ended)})
    return ended
