"""Fixtures for files: the storage fixtures of tests/support/storage.py."""

from tests.support.storage import local_storage, s3_bucket, s3_client, s3_endpoint  # noqa: F401
