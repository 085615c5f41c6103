"""Storage fixtures: a real S3-compatible server (moto in server mode, over HTTP) and local disk storage."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.support.files import S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY, s3_storage


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _moto_server_command() -> str:
    candidate = Path(sys.executable).parent / "moto_server"
    found = str(candidate) if candidate.exists() else shutil.which("moto_server")
    if not found:
        pytest.fail("moto_server not found: install the dev extras (moto[server])")
    return found


@pytest.fixture(scope="session")
def s3_endpoint():
    """URL of a moto S3 server running as a separate process for the whole session."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen(
        [_moto_server_command(), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def s3_client(s3_endpoint):
    """An independent boto3 client, to look at the bucket without going through UnionHub's code."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name=S3_REGION,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


@pytest.fixture
def s3_bucket(s3_endpoint, s3_client, settings):
    """A fresh bucket, with STORAGES["unionhub"] pointed at it (S3Storage, as production configures it)."""
    bucket = f"uh-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "unionhub": s3_storage(bucket, s3_endpoint, querystring_auth=True, querystring_expire=300),
    }
    return bucket


@pytest.fixture
def local_storage(tmp_path, settings):
    """STORAGES["unionhub"] on a temporary directory, as configured when no bucket is set."""
    settings.STORAGES = {
        **settings.STORAGES,
        "unionhub": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "allow_overwrite": True},
        },
    }
    return tmp_path
