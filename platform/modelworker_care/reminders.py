"""Reminders before due dates and before terms end, sent by a daily beat task, each exactly once.

For every item of the due calendar (modelworker_care.due) falling due within the largest offset, the reminder
stage is the smallest offset that still covers the days left (30 days before, then 7 days before; an item first
seen 20 days ahead gets the 30-day stage). The stage's key (worker, kind, due date, offset) is claimed with
INSERT ... ON CONFLICT DO NOTHING in the same transaction that writes the in-app notifications and sends the
e-mails: a second or concurrent run finds the key taken (a concurrent one waits on the uncommitted row, then sees
the conflict) and sends nothing; a failed send rolls the claim back so the next run retries.

Recipients: federation staff and admins of the awarding node (that node itself; above it is not their register)
and the admins of the employing union; active users only; e-mail to those with an address.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, RoleGrant
from modelworkers.models import ModelWorker, WorkerStatus

from .due import DueItem
from .models import DueKind, Notification
from .selectors import due_calendar

logger = logging.getLogger(__name__)

REMINDER_OFFSETS = (30, 7)


def reminder_stage(*, due_on: date, today: date, offsets=REMINDER_OFFSETS) -> int | None:
    """The offset whose reminder is due today for an item due on `due_on`, or None (too early or past due)."""
    days_left = (due_on - today).days
    if days_left < 0:
        return None
    stages = [offset for offset in offsets if days_left <= offset]
    return min(stages) if stages else None


def _recipients(workers: list[ModelWorker]) -> dict[int, list]:
    """{worker id: [users]} in one query over the active role grants."""
    node_ids = {w.awarding_node_id for w in workers}
    union_ids = {w.employing_union_id for w in workers if w.employing_union_id}
    grants = (
        RoleGrant.objects.active()
        .filter(user__is_active=True)
        .filter(
            Q(role__in=[Role.FEDERATION_STAFF, Role.FEDERATION_ADMIN], node_id__in=sorted(node_ids))
            | Q(role=Role.UNION_ADMIN, union_id__in=sorted(union_ids))
        )
        .select_related("user")
        .order_by("user_id")
    )
    by_node: dict[int, dict[int, object]] = defaultdict(dict)
    by_union: dict[int, dict[int, object]] = defaultdict(dict)
    for grant in grants:
        if grant.node_id is not None:
            by_node[grant.node_id][grant.user_id] = grant.user
        else:
            by_union[grant.union_id][grant.user_id] = grant.user
    result = {}
    for worker in workers:
        users = dict(by_node.get(worker.awarding_node_id, {}))
        if worker.employing_union_id:
            users.update(by_union.get(worker.employing_union_id, {}))
        result[worker.pk] = [users[key] for key in sorted(users)]
    return result


def _message(worker: ModelWorker, item: DueItem, offset: int) -> tuple[str, str]:
    values = {
        "name": worker.name,
        "due": item.due_on.isoformat(),
        "year": item.year,
        "employer": worker.employer_name,
    }
    if item.kind == DueKind.TERM_END:
        title = _("劳模%(name)s的延续管理期将于%(due)s届满") % values
        body = (
            _(
                "%(name)s（%(employer)s）的延续管理期将于%(due)s届满，届满次日状态自动变更为“管理期满”。"
                "请在届满前完成当年度考核和待遇发放。"
            )
            % values
        )
    elif item.kind == DueKind.ALLOWANCE:
        values["month"] = _("%(y)s年%(m)s月") % {"y": item.month.year, "m": item.month.month}
        values["amount"] = f"{item.amount_fen / 100:.2f}"
        title = _("劳模%(name)s %(month)s的荣誉津贴应于%(due)s前发放") % values
        body = _("%(name)s（%(employer)s）%(month)s的荣誉津贴%(amount)s元应于%(due)s前发放并登记。") % values
    else:
        values["what"] = DueKind(item.kind).label
        title = _("劳模%(name)s %(year)s年度%(what)s应于%(due)s前完成") % values
        body = _("%(name)s（%(employer)s）%(year)s年度%(what)s应于%(due)s前完成并在系统中登记。") % values
    return str(title), str(body)


_CLAIM_SQL = """
INSERT INTO public.modelworker_care_reminder (worker_id, kind, due_on, offset_days, recipients, emails, sent_at)
VALUES (%s, %s, %s, %s, %s, %s, now())
ON CONFLICT (worker_id, kind, due_on, offset_days) DO NOTHING
RETURNING id
"""


def _send_one(worker: ModelWorker, item: DueItem, offset: int, users: list) -> bool:
    """Claim the reminder's key and send it, in one transaction; False when another run already has it."""
    title, body = _message(worker, item, offset)
    addresses = [user.email for user in users if user.email]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _CLAIM_SQL, [worker.pk, item.kind, item.due_on, offset, len(users), len(addresses)]
            )
            row = cursor.fetchone()
        if row is None:
            return False
        Notification.objects.bulk_create(
            [Notification(user=user, reminder_id=row[0], title=title, body=body) for user in users]
        )
        if addresses:
            # One message per person: recipients do not see each other's addresses.
            with get_connection() as mail:
                mail.send_messages(
                    [EmailMessage(subject=title, body=body, to=[address]) for address in addresses]
                )
    return True


def reminders_send(*, today: date | None = None, offsets=REMINDER_OFFSETS) -> int:
    """Beat task body: send every reminder whose stage is due today and was not sent yet; returns how many."""
    today = today or timezone.localdate()
    start, end = today, date.fromordinal(today.toordinal() + max(offsets))
    workers_qs = ModelWorker.objects.filter(status=WorkerStatus.MANAGED)
    items = due_calendar(workers=workers_qs, start=start, end=end)
    staged = []
    for item in items:
        offset = reminder_stage(due_on=item.due_on, today=today, offsets=offsets)
        if offset is not None:
            staged.append((item, offset))
    if not staged:
        return 0
    workers = {
        w.pk: w
        for w in ModelWorker.objects.filter(pk__in={item.worker_id for item, _ in staged}).only(
            "pk", "name", "employer_name", "awarding_node_id", "employing_union_id"
        )
    }
    recipients = _recipients(list(workers.values()))
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for item, offset in staged:
            worker = workers[item.worker_id]
            try:
                if _send_one(worker, item, offset, recipients.get(worker.pk, [])):
                    sent += 1
            except Exception:
                # The claim rolled back with the failed send: the next run tries again.
                logger.exception("model-worker reminder not sent", extra={"worker_id": worker.pk})
    return sent
