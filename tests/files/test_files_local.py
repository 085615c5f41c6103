"""Local-disk storage: deterministic overwrite, and downloads through a signed, expiring link."""

import time

import pytest
from django.core import signing

from files.keys import tenant_file_key
from files.selectors import DOWNLOAD_SALT, SENT_OUTSIDE, file_download_url, file_read
from files.services import file_store
from tests.support.files import PDF

pytestmark = pytest.mark.django_db

KEY = tenant_file_key("u_acme", "evidence", ("drive", 3), "入会证明.pdf")


def download(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_local_store_overwrites_in_place(local_storage):
    file_store(key=KEY, content=b"%PDF-old", content_type="application/pdf")
    file_store(key=KEY, content=PDF, content_type="application/pdf")
    stored = local_storage / KEY
    assert stored.read_bytes() == PDF and file_read(key=KEY) == PDF
    assert [path.name for path in stored.parent.iterdir()] == ["入会证明.pdf"]


def test_signed_link_downloads_the_file(local_storage, client):
    file_store(key=KEY, content=PDF, content_type="application/pdf")
    url = file_download_url(user=SENT_OUTSIDE, key=KEY, expires=60, download_name="张三入会证明.pdf")
    assert url.startswith("/files/download/")

    response, body = download(client, url)
    assert response.status_code == 200 and body == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''%E5%BC%A0%E4%B8%89" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


def test_tampered_link_is_refused(local_storage, client):
    file_store(key=KEY, content=PDF, content_type="application/pdf")
    url = file_download_url(user=SENT_OUTSIDE, key=KEY, expires=60)
    token = url.removeprefix("/files/download/").rstrip("/")
    value, signature = token.rsplit(":", 1)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert download(client, f"/files/download/{value}:{flipped}/")[0].status_code == 403

    # A payload naming another union's file, signed with another key or salt, gets nothing.
    other = {"k": tenant_file_key("u_other", "evidence", 1, "x.pdf"), "e": time.time() + 60}
    for forged in (
        signing.dumps(other, salt="something-else"),
        signing.dumps(other, key="x" * 50, salt=DOWNLOAD_SALT),
    ):
        assert download(client, f"/files/download/{forged}/")[0].status_code == 403


def test_expired_link_is_refused(local_storage, client, monkeypatch):
    file_store(key=KEY, content=PDF, content_type="application/pdf")
    url = file_download_url(user=SENT_OUTSIDE, key=KEY, expires=300)
    assert download(client, url)[0].status_code == 200

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 301)
    response, body = download(client, url)
    assert response.status_code == 410 and "过期".encode() in body


def test_link_to_a_missing_file_is_404(local_storage, client):
    url = file_download_url(
        user=SENT_OUTSIDE, key=tenant_file_key("u_acme", "evidence", 1, "none.pdf"), expires=60
    )
    assert download(client, url)[0].status_code == 404


def test_download_view_only_answers_get(local_storage, client):
    file_store(key=KEY, content=PDF, content_type="application/pdf")
    assert client.post(file_download_url(user=SENT_OUTSIDE, key=KEY)).status_code == 405
