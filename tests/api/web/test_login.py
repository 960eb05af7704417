"""Logging in and out in a real browser; pages need a session."""

from __future__ import annotations

from typing import Any

from tests.api.web.conftest import LogIn, screenshot
from tests.api.web.seed import Seeded


def test_log_in_lands_on_the_role_start_page_and_log_out_ends_it(
    log_in: LogIn, seeded: tuple[Seeded, str]
) -> None:
    page = log_in("wang")
    assert page.url.endswith("/review")
    assert "wang" in page.inner_text("header")
    page.click("#logout")
    page.wait_for_url("**/login")
    page.goto("/review")
    assert "/login?next=/review" in page.url  # the session is gone, not only the cookie


def test_a_wrong_password_says_so_and_stays(browser: Any, seeded: tuple[Seeded, str]) -> None:
    _, url = seeded
    context = browser.new_context(base_url=url)
    page = context.new_page()
    page.goto("/login")
    screenshot(page, "login")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector("#login-error:not([hidden])")
    assert "用户名或密码错误" in page.inner_text("#login-error")
    assert "/login" in page.url
    context.close()


def test_english_is_selectable(log_in: LogIn) -> None:
    page = log_in("li-east", language="en")
    assert page.url.endswith("/squad")
    assert "Log out" in page.inner_text("header")
