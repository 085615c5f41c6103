"""Delivery to the higher-level union: a signed webhook against a real local HTTP server that fails at first, e-mail
with download links, retries with backoff, exactly one delivery, and S3 being down for a while."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from reporting.delivery import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    deliveries_due,
    deliveries_schedule,
    delivery_attempt,
)
from reporting.models import Delivery, DeliveryStatus
from reporting.services import recipient_update
from tests.support.worlds.reporting import county_submitted

pytestmark = pytest.mark.django_db

SECRET = "城市总工会-webhook-secret-0123456789"


class FlakyReceiver:
    """A real HTTP server on a free local port: answers 503 to the first `failures` requests, then 200; keeps what
    it received and which idempotency keys it accepted."""

    def __init__(self, failures: int):
        self.failures = failures
        self.requests: list[dict] = []
        self.accepted: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": self.headers, "body": body})  # case-insensitive
                if len(receiver.requests) <= receiver.failures:
                    self.send_response(503)
                    self.end_headers()
                    return
                key = self.headers[IDEMPOTENCY_HEADER]
                if key not in receiver.accepted:
                    receiver.accepted.append(key)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/reports"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def run_beat(rounds: int, start, step=timedelta(hours=2)):
    """What beat + workers do: schedule, then attempt every due delivery; `rounds` times, `step` apart."""
    now = start
    for _ in range(rounds):
        deliveries_schedule(now=now)
        for delivery_id in deliveries_due(now=now):
            delivery_attempt(delivery_id=delivery_id, now=now)
        now += step
    return now


def test_flaky_webhook_is_retried_and_delivered_once(world, local_storage):
    county_submitted(world)
    with FlakyReceiver(failures=2) as receiver:
        recipient_update(node=world.county, webhook_url=receiver.url, webhook_secret=SECRET)
        start = timezone.now()
        assert deliveries_schedule(now=start) == 1
        assert deliveries_schedule(now=start) == 0  # scheduling twice is a no-op
        run_beat(6, start)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    log = list(delivery.attempt_log.values_list("number", "ok", "status_code"))
    assert log == [(1, False, 503), (2, False, 503), (3, True, 200)]
    assert delivery.attempt_log.first().error == "HTTP 503"
    assert len(receiver.requests) == 3 and receiver.accepted == [delivery.idempotency_key]

    for request in receiver.requests:
        headers = request["headers"]
        assert headers[IDEMPOTENCY_HEADER] == delivery.idempotency_key
        expected = hmac.new(
            SECRET.encode(), headers[TIMESTAMP_HEADER].encode() + b"." + request["body"], hashlib.sha256
        ).hexdigest()
        assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
    payload = json.loads(receiver.requests[-1]["body"])
    assert payload["sender"]["name"] == "示范县总工会" and payload["period"]["label"] == "2026"
    assert sorted(entry["kind"] for entry in payload["files"]) == ["pdf", "xlsx"]
    assert all(entry["url"].startswith("https://") for entry in payload["files"])


def test_backoff_spaces_the_attempts(world, local_storage):
    county_submitted(world)
    with FlakyReceiver(failures=100) as receiver:
        recipient_update(node=world.county, webhook_url=receiver.url, webhook_secret=SECRET)
        start = timezone.now()
        deliveries_schedule(now=start)
        delivery_id = deliveries_due(now=start)[0]
        delivery_attempt(delivery_id=delivery_id, now=start)
        # Not due again before the backoff has passed: a beat run in between does nothing.
        assert delivery_attempt(delivery_id=delivery_id, now=start + timedelta(seconds=30)) is None
        delivery = delivery_attempt(delivery_id=delivery_id, now=start + timedelta(seconds=61))
        assert delivery.attempts == 2
        assert delivery.next_attempt_at == start + timedelta(seconds=61) + timedelta(seconds=120)
        # Given up after MAX_ATTEMPTS, logged.
        run_beat(10, start + timedelta(hours=1))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 8
    assert delivery.attempt_log.filter(ok=False).count() == 8 and delivery.last_error == "HTTP 503"


def test_email_carries_download_links_and_is_sent_once(world, local_storage):
    county_submitted(world)
    recipient_update(node=world.county, emails=["tongji@city.example.cn", "tongji@city.example.cn"])
    start = timezone.now()
    run_beat(3, start)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["tongji@city.example.cn"]
    assert "示范县总工会" in message.subject and "2026" in message.subject
    # Links to the signed download view (local storage here; presigned S3 URLs in production), which serve the files.
    import re

    from django.conf import settings
    from django.test import Client

    links = re.findall(r"https://\S+", message.body)
    assert len(links) == 2
    for link in links:
        host, _, path = link.removeprefix("https://").partition("/")
        assert host == settings.UNIONHUB_BASE_DOMAIN
        response = Client().get("/" + path, HTTP_HOST=host)
        assert response.status_code == 200
        content = b"".join(response.streaming_content)
        assert content.startswith((b"PK", b"%PDF"))
    assert message.extra_headers["Message-ID"] == f"<{delivery.idempotency_key}@unionhub>"


def test_s3_down_then_recovered(world, s3_bucket, s3_endpoint, settings):
    """The first attempts meet an unreachable S3 endpoint (the files cannot be stored or checked): logged, retried;
    once S3 answers again the files are stored and the report goes out exactly once."""
    import socket

    county_submitted(world)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    working = settings.STORAGES["unionhub"]
    from botocore.config import Config

    settings.STORAGES = {
        **settings.STORAGES,
        "unionhub": {
            **working,
            "OPTIONS": {
                **working["OPTIONS"],
                "endpoint_url": f"http://127.0.0.1:{dead_port}",
                "client_config": Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=1),
            },
        },
    }
    with FlakyReceiver(failures=0) as receiver:
        recipient_update(node=world.county, webhook_url=receiver.url, webhook_secret=SECRET)
        start = timezone.now()
        now = run_beat(2, start, step=timedelta(minutes=5))
        delivery = Delivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 2
        errors = list(delivery.attempt_log.values_list("error", "status_code"))
        # files.storage reports an unreachable store as ServiceUnavailable (older code: botocore's own error)
        assert len(errors) == 2 and all(
            code is None and ("ServiceUnavailable" in error or "EndpointConnectionError" in error)
            for error, code in errors
        ), errors
        assert receiver.requests == []  # nothing was sent without the files

        settings.STORAGES = {**settings.STORAGES, "unionhub": working}  # S3 is back
        run_beat(4, now + timedelta(hours=1))

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    assert len(receiver.requests) == 1 and receiver.accepted == [delivery.idempotency_key]
    files = json.loads(receiver.requests[0]["body"])["files"]
    for entry in files:  # the presigned links serve the stored files
        import urllib.request

        with urllib.request.urlopen(entry["url"], timeout=10) as response:
            assert hashlib.sha256(response.read()).hexdigest() == entry["sha256"]


def test_beat_task_running_twice_delivers_once(world, local_storage, monkeypatch):
    from jobs.celery_app import app
    from jobs.reporting import deliveries_dispatch_task

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    county_submitted(world)
    with FlakyReceiver(failures=0) as receiver:
        recipient_update(node=world.county, webhook_url=receiver.url, webhook_secret=SECRET)
        first = deliveries_dispatch_task.apply().get()
        second = deliveries_dispatch_task.apply().get()
    assert first == {"scheduled": 1, "sent_to_workers": 1}
    assert second == {"scheduled": 0, "sent_to_workers": 0}
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_an_amended_snapshot_is_delivered_as_a_new_version(world, local_storage):
    from rollup.models import PeriodStatus
    from rollup.periods import snapshot_amend, snapshot_freeze

    snapshot_freeze(period=world.period, version=1, reason="")
    world.period.status = PeriodStatus.CLOSED
    world.period.save(update_fields=["status"])
    county = county_submitted(world)
    recipient_update(node=world.county, emails=["tongji@city.example.cn"])
    run_beat(1, timezone.now())
    from reporting.services import submission_submit
    from unionhub.errors import DomainValidationError

    with pytest.raises(DomainValidationError):  # nothing changed: no second submission
        submission_submit(period=world.period, unit=world.county)
    snapshot_amend(period=world.period, reason="城关纺织厂工会更正会员人数")
    again = submission_submit(period=world.period, unit=world.county)
    assert again.pk == county.pk and again.rounds == 2 and again.snapshot.version == 2
    run_beat(1, timezone.now())
    keys = sorted(Delivery.objects.values_list("idempotency_key", flat=True))
    assert [key.split("-")[3] for key in keys] == ["v1", "v2"]
    assert len(mail.outbox) == 2


def test_webhook_still_signs_after_key_rotation_and_the_old_key_dropped(
    world, local_storage, settings, capsys
):
    from cryptography.fernet import Fernet, InvalidToken
    from django.core.management import call_command

    from reporting.models import ReportRecipient
    from unionhub.secrets import derived_dev_key, secret_decrypt

    old_keys = list(settings.UNIONHUB_PII_ENCRYPTION_KEYS) or [derived_dev_key(settings.SECRET_KEY)]
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = old_keys
    county_submitted(world)
    with FlakyReceiver(failures=0) as receiver:
        recipient_update(node=world.county, webhook_url=receiver.url, webhook_secret=SECRET)
        before = ReportRecipient.objects.get(node=world.county).webhook_secret_encrypted

        # Rotate: the new key first, the old ones still listed; then the old ones are dropped.
        new_key = Fernet.generate_key().decode()
        settings.UNIONHUB_PII_ENCRYPTION_KEYS = [new_key, *old_keys]
        call_command("secrets_reencrypt")
        assert "reporting.ReportRecipient 1" in capsys.readouterr().out
        settings.UNIONHUB_PII_ENCRYPTION_KEYS = [new_key]
        with pytest.raises(InvalidToken):
            secret_decrypt(before)

        start = timezone.now()
        run_beat(1, start)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    (request,) = receiver.requests
    expected = hmac.new(
        SECRET.encode(),
        request["headers"][TIMESTAMP_HEADER].encode() + b"." + request["body"],
        hashlib.sha256,
    ).hexdigest()
    assert request["headers"][SIGNATURE_HEADER] == f"sha256={expected}"
