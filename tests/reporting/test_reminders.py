"""Reminders before deadlines: each one sent once, however often the beat task runs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail

from reporting.models import ReminderClaim
from reporting.reminders import OVERDUE, reminder_threshold, reminders_send
from reporting.services import deadlines_set, submission_submit

pytestmark = pytest.mark.django_db


def test_thresholds():
    assert [reminder_threshold(days) for days in (10, 7, 5, 3, 2, 1, 0, -1, -9)] == [
        None,
        7,
        7,
        3,
        3,
        1,
        0,
        OVERDUE,
        OVERDUE,
    ]


def test_each_reminder_is_sent_once(world, monkeypatch):
    from django.utils import timezone

    today = date(2026, 10, 7)
    monkeypatch.setattr(timezone, "localdate", lambda *args: today)
    deadlines_set(
        period=world.period,
        deadlines={"union": today + timedelta(days=3), "township": today + timedelta(days=8)},
    )
    submission_submit(period=world.period, unit=world.u2)  # submitted: no reminder

    from jobs.reporting import reminders_send_task

    assert reminders_send_task() == 2  # 华锐 and 县直机关 (the hospital's officer has no e-mail address)
    assert reminders_send_task() == 0  # the beat task ran twice: nothing again
    assert reminders_send(today=today) == 0
    assert sorted(message.to[0] for message in mail.outbox) == ["u1@example.cn", "u4@example.cn"]
    assert all("将于2026-10-10截止" in message.subject for message in mail.outbox)
    assert ReminderClaim.objects.count() == 2

    # Two days later the unions' 1-day reminder is due, and the township level's 7-day one (6 days to go).
    assert reminders_send(today=today + timedelta(days=2)) == 4
    assert reminders_send(today=today + timedelta(days=2)) == 0
    # After the unions' deadline: one overdue notice each (the townships' 7-day reminder is not repeated).
    assert reminders_send(today=today + timedelta(days=4)) == 2
    assert {m.to[0] for m in mail.outbox[-2:]} == {"u1@example.cn", "u4@example.cn"}
    assert all("逾期" in m.subject for m in mail.outbox[-2:])
    assert reminders_send(today=today + timedelta(days=4)) == 0
    # Three days before the townships' deadline: their 3-day reminder, once.
    assert reminders_send(today=today + timedelta(days=5)) == 2
    assert reminders_send(today=today + timedelta(days=5)) == 0
    assert {m.to[0] for m in mail.outbox[-2:]} == {"town@example.cn", "street@example.cn"}


def test_a_failed_send_is_retried_next_run(world, monkeypatch):
    from django.core.mail import EmailMessage

    today = date(2026, 10, 9)
    deadlines_set(period=world.period, deadlines={"union": today + timedelta(days=1)})
    real_send = EmailMessage.send
    monkeypatch.setattr(
        EmailMessage, "send", lambda self, fail_silently=False: (_ for _ in ()).throw(OSError("SMTP down"))
    )
    assert reminders_send(today=today) == 0
    assert ReminderClaim.objects.count() == 0  # claims rolled back with the failed sends
    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert reminders_send(today=today) == 3
    assert len(mail.outbox) == 3
