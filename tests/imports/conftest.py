"""Fixtures for imports: a provisioned union, files on a temporary directory, and spreadsheet builders."""

import pytest


@pytest.fixture(autouse=True)
def local_files(tmp_path, settings):
    """STORAGES["unionhub"] on a temporary directory (the S3 path is proven in tests/files)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "unionhub": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files", "allow_overwrite": True},
        },
    }
    return tmp_path / "files"


@pytest.fixture
def union(county):
    from federations.services import union_provision
    from tests.factories import union_kwargs

    return union_provision(parent_node=county, **union_kwargs(slug="import-union", name="导入测试机械厂工会"))
