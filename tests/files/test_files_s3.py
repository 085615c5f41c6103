"""Files on a real S3-compatible server (moto in server mode, reached over HTTP through boto3/django-storages)."""

import os
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from files.checks import file_check_upload
from files.keys import federation_file_key, tenant_file_key
from files.models import StoredFile
from files.selectors import SENT_OUTSIDE, file_download_url, file_exists, file_read
from files.services import file_store
from tests.support.files import S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY, make_xlsx

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fetch(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_store_and_read_back_through_s3(s3_bucket, s3_client):
    content = make_xlsx()
    checked = file_check_upload(area="imports", filename="C:\\fakepath\\2024年会员名单.xlsx", content=content)
    key = tenant_file_key("u_acme", "imports", ("member-roster", "2024-09"), checked.filename)

    record = file_store(
        key=key, content=checked.content, content_type=checked.content_type, original_name="名单"
    )

    # Looked at with an independent client: the object is in the bucket under the deterministic key.
    head = s3_client.head_object(
        Bucket=s3_bucket, Key="tenants/u_acme/imports/member-roster/2024-09/2024年会员名单.xlsx"
    )
    assert head["ContentType"] == XLSX_TYPE and head["ContentLength"] == len(content)
    assert s3_client.get_object(Bucket=s3_bucket, Key=key)["Body"].read() == content
    assert file_read(key=key) == content and file_exists(key=key)
    assert (record.size, record.content_type) == (len(content), XLSX_TYPE)
    assert StoredFile.objects.get(key=key).sha256 == record.sha256


def test_retry_overwrites_the_same_object(s3_bucket, s3_client):
    key = federation_file_key(7, "reports", "2024-Q3", "统计表.csv")
    file_store(key=key, content="第一次\n".encode(), content_type="text/csv; charset=utf-8")
    file_store(key=key, content="第二次\n".encode(), content_type="text/csv; charset=utf-8")

    listed = s3_client.list_objects_v2(Bucket=s3_bucket, Prefix="federations/7/")
    assert [obj["Key"] for obj in listed["Contents"]] == [key]
    assert file_read(key=key) == "第二次\n".encode()
    record = StoredFile.objects.get(key=key)
    assert StoredFile.objects.filter(key=key).count() == 1 and record.size == len("第二次\n".encode())


def test_presigned_url_serves_the_bytes_and_is_short_lived(s3_bucket, s3_endpoint):
    content = make_xlsx()
    key = tenant_file_key("u_acme", "exports", "roster", "会员名单.xlsx")
    file_store(key=key, content=content, content_type=XLSX_TYPE)

    before = datetime.now(UTC).replace(microsecond=0)
    url = file_download_url(user=SENT_OUTSIDE, key=key, expires=2, download_name="会员名单.xlsx")
    status, body, headers = fetch(url)
    assert status == 200 and body == content
    assert headers["Content-Disposition"].endswith(
        "filename*=UTF-8''%E4%BC%9A%E5%91%98%E5%90%8D%E5%8D%95.xlsx"
    )

    parsed = urlparse(url)
    query = {name: values[0] for name, values in parse_qs(parsed.query).items()}
    assert url.startswith(s3_endpoint) and unquote(parsed.path) == f"/{s3_bucket}/{key}"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256" and len(query["X-Amz-Signature"]) == 64
    # Valid from the signing time for X-Amz-Expires seconds: 2 s here, 5 minutes by default.
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert 0 <= (signed_at - before).total_seconds() <= 5
    assert query["X-Amz-Expires"] == "2"
    default_query = parse_qs(urlparse(file_download_url(user=SENT_OUTSIDE, key=key)).query)
    assert default_query["X-Amz-Expires"] == ["300"]


def test_reading_a_missing_key_raises(s3_bucket):
    assert not file_exists(key="tenants/u_acme/imports/none.csv")
    with pytest.raises(FileNotFoundError):
        file_read(key="tenants/u_acme/imports/none.csv")


def test_s3_is_configured_from_the_environment(s3_endpoint, s3_client):
    """Production wiring: settings.py builds STORAGES["unionhub"] from UNIONHUB_S3_* and AWS_* variables."""
    bucket = "uh-env-configured"
    s3_client.create_bucket(Bucket=bucket)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "UNIONHUB_S3_"))},
        "UNIONHUB_S3_BUCKET": bucket,
        "UNIONHUB_S3_ENDPOINT_URL": s3_endpoint,
        "UNIONHUB_S3_REGION": S3_REGION,
        "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "unionhub.settings",
        "PYTHONPATH": str(REPO_ROOT / "platform"),
    }
    script = (
        "import django; django.setup()\n"
        "from django.core.files.base import ContentFile\n"
        "from files.selectors import SENT_OUTSIDE, file_download_url\n"
        "from files.storage import file_storage, is_s3\n"
        "assert is_s3(file_storage())\n"
        "file_storage().save('tenants/u_env/imports/1/名单.csv', ContentFile('姓名\\n'.encode()))\n"
        "print(file_download_url(user=SENT_OUTSIDE, key='tenants/u_env/imports/1/名单.csv', expires=30))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip().splitlines()[-1]
    assert url.startswith(f"{s3_endpoint}/{bucket}/tenants/u_env/imports/1/") and "X-Amz-Expires=30" in url
    assert fetch(url)[:2] == (200, "姓名\n".encode())
    assert s3_client.head_object(Bucket=bucket, Key="tenants/u_env/imports/1/名单.csv")["ContentLength"] == 7
