"""/healthz: 200 with every check ok against the real database, Redis and storage; 503 when one is down."""

import json

from django.test import override_settings

from .conftest import make_union


def test_healthz_ok_on_public_host(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "storage": "ok"},
    }
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_healthz_ok_on_union_host(client, county):
    from federations.middleware import forget_host
    from federations.models import Domain

    union = make_union(county)
    Domain.objects.create(domain=f"{union.slug}.unionhub.localhost", tenant=union, is_primary=True)
    forget_host()
    response = client.get("/healthz", HTTP_HOST=f"{union.slug}.unionhub.localhost")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_503_when_broker_is_down_without_details(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body == {"status": "fail", "checks": {"database": "ok", "broker": "fail", "storage": "ok"}}
    raw = json.dumps(body)
    for leak in ("Traceback", "Error", "127.0.0.1", "redis"):
        assert leak not in raw


def test_healthz_times_out_a_hung_check(client, db, monkeypatch):
    import time

    from unionhub import health

    monkeypatch.setattr(health, "check_storage", lambda: time.sleep(1.5) or "ok")
    with override_settings(UNIONHUB_HEALTH_TIMEOUT=0.3):
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "timeout"
    assert elapsed < 1.2


def test_healthz_refuses_writes(client, db):
    assert client.post("/healthz").status_code == 405
