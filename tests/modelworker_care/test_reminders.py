"""Reminders before due dates and before terms end: each (worker, kind, due date, offset) sent exactly once, by
e-mail and as an in-app notification, however often or concurrently the beat task runs."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core import mail
from django.db import connection

from tests.support.modelworker_care import freeze, register_worker


def _run(monkeypatch, day):
    from jobs.modelworker_care import modelworker_reminders_send

    freeze(monkeypatch, day)
    return modelworker_reminders_send.apply().get()


def test_stages():
    from modelworker_care.reminders import reminder_stage

    due = date(2027, 1, 31)
    assert reminder_stage(due_on=due, today=date(2026, 12, 31)) is None  # 31 days ahead
    assert reminder_stage(due_on=due, today=date(2027, 1, 1)) == 30
    assert reminder_stage(due_on=due, today=date(2027, 1, 20)) == 30
    assert reminder_stage(due_on=due, today=date(2027, 1, 24)) == 7
    assert reminder_stage(due_on=due, today=due) == 7
    assert reminder_stage(due_on=due, today=date(2027, 2, 1)) is None  # past due


@pytest.fixture
def ending(world, monkeypatch):
    """A worker whose term ends 2027-01-31, with every annual item of 2026 already given or filed."""
    from modelworker_care.services.assessments import assessment_sign
    from modelworker_care.services.benefits import benefit_give

    freeze(monkeypatch, date(2026, 11, 20))
    worker = register_worker(node=world.county, union=world.u1, awarded_on=date(2022, 1, 31), name="李劳模")
    benefit_give(worker=worker, kind="health_check", given_on=date(2026, 5, 1), amount_fen=1)
    benefit_give(worker=worker, kind="rest_stay", given_on=date(2026, 6, 1), amount_fen=1)
    assessment_sign(worker=worker, year=2026, side="federation", result="pass", actor=world.staff)
    assessment_sign(worker=worker, year=2026, side="employer", result="pass", actor=world.u1_admin)
    return worker


def test_each_reminder_is_sent_once_when_the_task_runs_twice(world, ending, monkeypatch):
    from modelworker_care.models import Notification, Reminder

    mail.outbox.clear()
    # 2027-01-01: 30 days before the term end; the 2027 annual items (due 2027-01-31 too) are in the same stage.
    assert _run(monkeypatch, date(2027, 1, 1)) == 4
    keys = set(Reminder.objects.values_list("kind", "due_on", "offset_days"))
    assert keys == {
        ("term_end", date(2027, 1, 31), 30),
        ("assessment", date(2027, 1, 31), 30),
        ("health_check", date(2027, 1, 31), 30),
        ("rest_stay", date(2027, 1, 31), 30),
    }
    sent = len(mail.outbox)
    # Recipients: the awarding county's staff and admin (with an address) and the union's admin; not the city
    # above, not the union's officer, not other federations.
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {"mwc_staff@example.cn", "mwc_admin@example.cn", "mwc_u1_admin@example.cn"}
    assert sent == 4 * 3
    term_mail = next(m for m in mail.outbox if "届满" in m.subject)
    assert "李劳模" in term_mail.subject and "2027-01-31" in term_mail.subject
    # In-app: also the staff member without an e-mail address.
    assert Notification.objects.filter(user=world.no_mail_staff).count() == 4
    assert Notification.objects.count() == 4 * 4

    assert _run(monkeypatch, date(2027, 1, 1)) == 0
    assert _run(monkeypatch, date(2027, 1, 10)) == 0  # still the 30-day stage: already sent
    assert len(mail.outbox) == sent and Notification.objects.count() == 16

    # Seven days before: the next stage, once.
    assert _run(monkeypatch, date(2027, 1, 24)) == 4
    assert _run(monkeypatch, date(2027, 1, 24)) == 0
    assert Reminder.objects.filter(offset_days=7).count() == 4
    assert len(mail.outbox) == sent * 2


def test_given_items_are_not_reminded(world, ending, monkeypatch):
    from modelworker_care.models import Reminder
    from modelworker_care.services.allowances import allowance_rule_create

    allowance_rule_create(
        node=world.county, level="city", effective_from=date(2026, 1, 1), monthly_amount_fen=10000
    )
    assert _run(monkeypatch, date(2026, 12, 1)) == 1  # December's allowance (2026 annual items all done)
    assert list(Reminder.objects.values_list("kind", "due_on", "offset_days")) == [
        ("allowance", date(2026, 12, 31), 30)
    ]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_once(monkeypatch):
    from accounts.models import RoleGrant, User
    from federations.services import node_create
    from modelworker_care.models import Notification, Reminder
    from modelworker_care.reminders import reminders_send

    county = node_create(level="county", name="并发提醒县总工会", division_code="330122")
    staff = User.objects.create_user(username="mwc_conc_staff", password="x", email="conc@example.cn")
    RoleGrant.objects.create(user=staff, role="federation_staff", node=county)
    workers = [
        register_worker(
            node=county, awarded_on=date(2021, 12, day), today=date(2022, 1, 1), employer_name="某厂"
        )
        for day in range(1, 11)
    ]
    # Terms end 2026-12-01 .. 2026-12-10: on 2026-11-20 each has its term end and its 2026 annual items ahead.
    freeze(monkeypatch, date(2026, 11, 20))
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def run():
        try:
            barrier.wait()
            counts.append(reminders_send(today=date(2026, 11, 20)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    expected = len(workers) * 4  # term end, assessment, health check, rest stay
    assert sum(counts) == expected
    assert Reminder.objects.count() == expected
    assert Notification.objects.count() == expected
    assert len(mail.outbox) == expected
    assert len({m.subject for m in mail.outbox}) == expected


def test_a_failed_send_is_retried_by_the_next_run(world, ending, monkeypatch):
    from modelworker_care.models import Reminder

    calls = {"n": 0}
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("SMTP down")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    mail.outbox.clear()
    assert _run(monkeypatch, date(2027, 1, 1)) == 3  # the first reminder's send failed: claim rolled back
    assert Reminder.objects.count() == 3
    assert _run(monkeypatch, date(2027, 1, 2)) == 1
    assert Reminder.objects.count() == 4
