"""Delivering a county's report to the higher-level union: e-mail with download links and/or a signed webhook.

- Scheduling (`deliveries_schedule`, Celery beat) creates one Delivery per (report version, channel) with
  INSERT ... ON CONFLICT DO NOTHING on a deterministic idempotency key: running it twice schedules nothing new.
- An attempt (`delivery_attempt`) locks its row (SKIP LOCKED: a concurrent worker skips it), makes sure the files
  are in storage (re-rendering them if not), sends, and records the attempt in the same transaction as the new
  status. So a delivered report is never sent again, and S3 or the webhook being down costs an attempt (logged with
  the error) and a retry later with exponential backoff, up to MAX_ATTEMPTS.
- The webhook body is signed: header X-UnionHub-Signature = "sha256=" + HMAC-SHA256(secret, "<timestamp>.<body>"),
  X-UnionHub-Timestamp (unix seconds, so receivers can refuse old replays) and Idempotency-Key (the same on every
  attempt, so a receiver that saw an attempt whose answer got lost can ignore the retry).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from files.selectors import SENT_OUTSIDE, file_download_url, file_exists
from unionhub.errors import DomainValidationError

from .files import report_files_generate
from .models import (
    Delivery,
    DeliveryAttempt,
    DeliveryChannel,
    DeliveryStatus,
    ReportFile,
    ReportRecipient,
    Submission,
    SubmissionLevel,
    SubmissionStatus,
)
from .services import webhook_secret_decrypt

logger = logging.getLogger("reporting.delivery")

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 60  # doubled per failed attempt
BACKOFF_MAX_SECONDS = 3600
LINK_EXPIRES_SECONDS = 7 * 24 * 3600  # the longest an S3 SigV4 presigned URL may live
WEBHOOK_TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-UnionHub-Signature"
TIMESTAMP_HEADER = "X-UnionHub-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class DeliveryFailed(Exception):
    """The receiver did not take the report (a non-2xx answer)."""

    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


def idempotency_key(submission: Submission, channel: str) -> str:
    version = f"v{submission.snapshot.version}" if submission.snapshot_id else "live"
    return f"report-{submission.node_id}-{submission.period_id}-{version}-r{submission.rounds}-{channel}"


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def deliveries_schedule(*, now: datetime | None = None) -> int:
    """Schedule delivery of every county report that went up (submitted or accepted) to its active recipient.
    Returns how many deliveries were new."""
    now = now or timezone.now()
    submissions = list(
        Submission.objects.filter(
            level=SubmissionLevel.COUNTY,
            status__in=(SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED),
        ).select_related("snapshot")
    )
    if not submissions:
        return 0
    recipients = {
        r.node_id: r
        for r in ReportRecipient.objects.filter(active=True, node_id__in={s.node_id for s in submissions})
    }
    rows = []
    for submission in submissions:
        recipient = recipients.get(submission.node_id)
        if recipient is None:
            continue
        targets = []
        if recipient.emails:
            targets.append((DeliveryChannel.EMAIL, ",".join(recipient.emails)))
        if recipient.webhook_url:
            targets.append((DeliveryChannel.WEBHOOK, recipient.webhook_url))
        for channel, target in targets:
            rows.append(
                Delivery(
                    node_id=submission.node_id,
                    period_id=submission.period_id,
                    submission=submission,
                    channel=channel,
                    target=target[:1000],
                    idempotency_key=idempotency_key(submission, channel),
                    next_attempt_at=now,
                )
            )
    if not rows:
        return 0
    keys = [row.idempotency_key for row in rows]
    before = set(Delivery.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)  # ON CONFLICT DO NOTHING
    return len(set(keys) - before)


def deliveries_due(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def _absolute(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    scheme = getattr(settings, "UNIONHUB_LINK_SCHEME", "https")
    return f"{scheme}://{settings.UNIONHUB_BASE_DOMAIN}{url}"


def _files_ready(delivery: Delivery) -> list[ReportFile]:
    """The report files of the delivered version, in storage (rendered again when missing or stale)."""
    submission = delivery.submission
    snapshot_id = submission.snapshot_id if submission else None
    rows = list(ReportFile.objects.filter(node_id=delivery.node_id, period_id=delivery.period_id))
    fresh = len(rows) == 2 and all(row.snapshot_id == snapshot_id for row in rows)
    if fresh and all(file_exists(key=row.key) for row in rows):  # a HEAD each: S3 down fails here
        return sorted(rows, key=lambda row: row.kind)
    rows = report_files_generate(
        node=delivery.node, period=delivery.period, snapshot=submission.snapshot if submission else None
    )
    return sorted(rows, key=lambda row: row.kind)


def _file_entries(files: list[ReportFile], now: datetime) -> list[dict]:
    expires_at = (now + timedelta(seconds=LINK_EXPIRES_SECONDS)).replace(microsecond=0)
    return [
        {
            "kind": row.kind,
            "filename": row.filename,
            "size": row.size,
            "sha256": row.sha256,
            "url": _absolute(
                file_download_url(
                    # Sent to the higher-level union by mail or webhook: no user of ours to bind it to.
                    key=row.key,
                    user=SENT_OUTSIDE,
                    expires=LINK_EXPIRES_SECONDS,
                    download_name=row.filename,
                )
            ),
            "url_expires_at": expires_at.isoformat(),
        }
        for row in files
    ]


def webhook_body(delivery: Delivery, files: list[dict]) -> bytes:
    period = delivery.period
    node = delivery.node
    submission = delivery.submission
    payload = {
        "event": "report.submitted",
        "idempotency_key": delivery.idempotency_key,
        "sender": {"id": node.pk, "name": node.name, "division_code": node.division_code},
        "period": {
            "kind": period.kind,
            "label": period.label,
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat(),
        },
        "snapshot_version": submission.snapshot.version if submission and submission.snapshot_id else None,
        "submitted_at": submission.submitted_at.isoformat() if submission else None,
        "files": files,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _post_webhook(delivery: Delivery, recipient: ReportRecipient, body: bytes, attempt: int) -> int:
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        delivery.target,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "UnionHub-Reports/1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: webhook_signature(webhook_secret_decrypt(recipient), timestamp, body),
            IDEMPOTENCY_HEADER: delivery.idempotency_key,
            "X-UnionHub-Attempt": str(attempt),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code}", status_code=exc.code) from None


def _send_email(delivery: Delivery, files: list[dict]) -> None:
    node, period = delivery.node, delivery.period
    lines = [
        _("%(recipient)s："),
        "",
        _("%(node)s %(period)s 工会统计报表已报送，请通过以下链接下载（%(days)s天内有效）："),
        "",
    ]
    text = "\n".join(lines) % {
        "recipient": (delivery.submission.reviewer_name if delivery.submission else "") or _("上级工会"),
        "node": node.name,
        "period": period.label,
        "days": LINK_EXPIRES_SECONDS // 86400,
    }
    for entry in files:
        text += f"{entry['filename']}（SHA-256 {entry['sha256'][:16]}…）\n{entry['url']}\n\n"
    text += _("此邮件由工会云系统自动发送，请勿直接回复。")
    message = EmailMessage(
        subject=_("【工会统计】%(node)s %(period)s 统计报表") % {"node": node.name, "period": period.label},
        body=text,
        to=delivery.target.split(","),
        headers={
            "Message-ID": f"<{delivery.idempotency_key}@unionhub>",
            "X-UnionHub-Idempotency-Key": delivery.idempotency_key,
        },
    )
    message.send(fail_silently=False)


def delivery_attempt(
    *, delivery_id: int, now: datetime | None = None, force: bool = False
) -> Delivery | None:
    """Try a pending delivery once (when due, or at once with `force`). None when there is nothing to do: it was
    delivered or given up, or another worker holds it right now."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("node", "period", "submission__snapshot")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None or (not force and delivery.next_attempt_at > now):
            return None
        number = delivery.attempts + 1
        started = timezone.now()
        clock = time.monotonic()
        status_code = None
        error = ""
        try:
            with transaction.atomic():  # a database error while rendering must not poison the log write below
                files = _file_entries(_files_ready(delivery), started)
                if delivery.channel == DeliveryChannel.EMAIL:
                    _send_email(delivery, files)
                else:
                    recipient = ReportRecipient.objects.get(node_id=delivery.node_id)
                    status_code = _post_webhook(delivery, recipient, webhook_body(delivery, files), number)
        except DeliveryFailed as exc:
            status_code, error = exc.status_code, str(exc)
        except Exception as exc:  # S3, SMTP, network: all logged and retried
            error = f"{type(exc).__name__}: {exc}"[:2000]
        ok = not error
        if not ok:
            logger.warning("report delivery %s attempt %s failed: %s", delivery.pk, number, error)
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started,
            duration_ms=int((time.monotonic() - clock) * 1000),
            ok=ok,
            status_code=status_code,
            error=error,
        )
        delivery.attempts = number
        delivery.last_error = error
        if ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = timezone.now()
        elif number % MAX_ATTEMPTS == 0:  # a manual retry grants another MAX_ATTEMPTS
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + backoff(number)
        delivery.save(update_fields=["attempts", "last_error", "status", "delivered_at", "next_attempt_at"])
    return delivery


def delivery_retry(*, delivery: Delivery, now: datetime | None = None) -> Delivery:
    """Put a failed (given up) delivery back in the queue for another round of attempts."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.DELIVERED:
        raise DomainValidationError.single("id", "delivered", _("该报送已送达，无需重发。"))
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now or timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    return delivery
