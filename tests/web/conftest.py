import pytest

from .worlds import build_world


@pytest.fixture
def world(db):
    return build_world()
