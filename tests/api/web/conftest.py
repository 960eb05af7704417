"""Browser tests: the seeded service under uvicorn and Debian's Chromium driven by Playwright.

Chromium comes from Debian (`apt-get install chromium`; `.ci/run` installs it): Playwright's own
browser download cannot work on these machines. Without it the browser tests skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api.server import ServiceThread
from tests.api.web.seed import PASSWORD, Seeded, seed_service, street_packets

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def street(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Any], Any]:
    return street_packets(tmp_path_factory.mktemp("street"))


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, street: tuple[list[Any], Any]
) -> Iterator[tuple[Seeded, str]]:
    """A fresh seeded service per test module (tests change tickets); yields it and its URL."""
    packets, frame = street
    seeded = seed_service(tmp_path_factory.mktemp("web") / "service", packets, frame)
    with ServiceThread(seeded.settings) as server:
        yield seeded, server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        yield launched
        launched.close()


LogIn = Callable[..., Any]


@pytest.fixture
def log_in(browser: Any, seeded: tuple[Seeded, str]) -> Iterator[LogIn]:
    """``log_in("wang")`` → a page logged in through the log-in form, on the start page."""
    _, url = seeded
    contexts: list[Any] = []

    def open_as(username: str, language: str = "zh-CN") -> Any:
        context = browser.new_context(base_url=url, viewport={"width": 1360, "height": 860})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"/lang/{language}?next=/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda address: "/login" not in address)
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> None:
    """Keep a picture of a main page for the README (docs/screenshots/NAME.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
