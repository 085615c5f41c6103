import os

import pytest

from scripts.devenv import BrowserError, find_browser

from .worlds import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium for tests/web/test_browser.py, found the way scripts/test finds it (scripts/devenv.py:
    UNIONHUB_CHROMIUM, a system Chromium, Playwright's own); without one, the line naming what to install."""
    try:
        executable = find_browser()
    except BrowserError as error:
        pytest.fail(str(error), pytrace=False)
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # *.localhost names go to the live server.
        instance = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
        )
        yield instance
        instance.close()
