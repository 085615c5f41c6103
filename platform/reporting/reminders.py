"""Reminders before submission deadlines (Celery beat, daily or more often).

For every period with a deadline coming up (or just passed), the board of the period's owner tells which units have
not submitted (or were returned); their officers get one e-mail per threshold (7, 3, 1 and 0 days before, and
once when overdue). Each reminder is claimed first with INSERT ... ON CONFLICT DO NOTHING on a unique key and sent in
the same transaction: a second run (or a concurrent one, which waits on the key) sends nothing again, and a failed
send rolls its claim back so the next run tries again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import RoleGrant

from .models import SubmissionDeadline, SubmissionLevel, SubmissionStatus
from .selectors import board

logger = logging.getLogger("reporting.reminders")

REMINDER_DAYS = (7, 3, 1, 0)
OVERDUE = -1
# Deadlines further back than this get no overdue notice (the board still flags them).
OVERDUE_WINDOW_DAYS = 30
UNION_ROLES = ("union_admin", "union_officer")
NODE_ROLES = ("federation_admin",)


def reminder_threshold(days_left: int) -> int | None:
    """Which reminder is due with `days_left` days to go: the smallest threshold not yet passed, so a run that
    missed a day still sends the reminder it owes; OVERDUE after the deadline; None when it is too early."""
    if days_left < 0:
        return OVERDUE
    passed = [t for t in REMINDER_DAYS if days_left <= t]
    return min(passed) if passed else None


def reminder_key(
    *, period_id: int, level: str, unit_kind: str, unit_id: int, due_on: date, threshold: int
) -> str:
    return f"{period_id}:{level}:{unit_kind}:{unit_id}:{due_on.isoformat()}:{threshold}"


def _recipients(union_ids: set[int], node_ids: set[int]) -> dict[tuple[str, int], list[str]]:
    """E-mail addresses of the officers of each unit (one query)."""
    rows = (
        RoleGrant.objects.active()
        .filter(
            Q(union_id__in=union_ids, role__in=UNION_ROLES) | Q(node_id__in=node_ids, role__in=NODE_ROLES),
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("union_id", "node_id", "user__email")
        .order_by("user__email")
    )
    found: dict[tuple[str, int], list[str]] = defaultdict(list)
    for union_id, node_id, email in rows:
        key = ("union", union_id) if union_id else ("node", node_id)
        if email not in found[key]:
            found[key].append(email)
    return found


def _claim(
    *, key: str, period_id: int, level: str, unit_kind: str, unit_id: int, threshold: int, count: int
) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reporting_reminderclaim (key, period_id, level, unit_kind, unit_id, days_before, recipients,
                                                 sent_at)
            VALUES (%s, %s, %s, %s, %s, %s, %s, now())
            ON CONFLICT (key) DO NOTHING
            RETURNING id
            """,
            [key, period_id, level, unit_kind, unit_id, threshold, count],
        )
        return cursor.fetchone() is not None


def _message(row, period, threshold: int, emails: list[str]) -> EmailMessage:
    values = {"unit": row.name, "period": period.label, "due": row.due_on.isoformat()}
    if threshold == OVERDUE:
        subject = _("【统计报送提醒】%(period)s报表已逾期未报送") % values
        lead = _("%(unit)s：%(period)s工会统计报表的报送截止日期（%(due)s）已过，请尽快报送。") % values
    else:
        values["days"] = (row.due_on - timezone.localdate()).days
        subject = _("【统计报送提醒】%(period)s报表将于%(due)s截止") % values
        lead = _("%(unit)s：%(period)s工会统计报表将于%(due)s截止报送，请及时核对数据并报送。") % values
    if row.status == SubmissionStatus.RETURNED:
        lead += _("您单位的报表已被退回，请按审核意见修改后重新报送。")
    body = lead + "\n\n" + _("此邮件由工会云系统自动发送，请勿直接回复。")
    return EmailMessage(subject=subject, body=body, to=emails)


def reminders_send(*, today: date | None = None) -> int:
    """Send the reminders due today; returns how many were sent (0 on a repeated run)."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    deadlines = SubmissionDeadline.objects.filter(
        due_on__gte=today - timedelta(days=OVERDUE_WINDOW_DAYS), due_on__lte=horizon
    ).select_related("period__owner_node")
    periods = {row.period_id: row.period for row in deadlines}
    candidates = []
    for period in periods.values():
        for row in board(node=period.owner_node, period=period, today=today).rows:
            if row.due_on is None or row.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED):
                continue
            threshold = reminder_threshold((row.due_on - today).days)
            if threshold is not None:
                candidates.append((period, row, threshold))
    if not candidates:
        return 0
    emails = _recipients(
        {row.id for _p, row, _t in candidates if row.kind == "union"},
        {row.id for _p, row, _t in candidates if row.kind == "node"},
    )
    sent = 0
    for period, row, threshold in candidates:
        to = emails.get((row.kind, row.id))
        if not to:
            continue  # nobody to tell yet; an officer added later still gets the next reminder
        key = reminder_key(
            period_id=period.pk,
            level=row.level,
            unit_kind=row.kind,
            unit_id=row.id,
            due_on=row.due_on,
            threshold=threshold,
        )
        try:
            with transaction.atomic():
                if not _claim(
                    key=key,
                    period_id=period.pk,
                    level=row.level,
                    unit_kind=row.kind,
                    unit_id=row.id,
                    threshold=threshold,
                    count=len(to),
                ):
                    continue
                _message(row, period, threshold, to).send(fail_silently=False)
        except OSError as exc:  # SMTP down: the claim rolled back, the next run sends it
            logger.warning("reminder %s not sent: %s", key, exc)
            continue
        sent += 1
    return sent


__all__ = ["reminders_send", "reminder_threshold", "REMINDER_DAYS", "SubmissionLevel"]
