"""The review queue in a real browser: keyboard-only decisions, the clip playing, reject
reasons, and a decision someone else made meanwhile."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from api.db.engine import Database
from api.storage import DirectoryStore
from tests.api.web.conftest import LogIn, screenshot
from tests.api.web.seed import PASSWORD, Planned, Seeded, _seed_ticket

Service = tuple[Seeded, str]
NUMBERS = itertools.count(1)
BANDS = itertools.count(1)


@pytest.fixture
def add_urgent(seeded: Service, street: tuple[list[Any], Any]) -> Any:
    """``add_urgent(n)`` → n new urgent pending tickets (with real evidence), in queue order.

    Urgent and each call less sure than the one before, they head the default queue
    (``-priority,score``) whatever earlier tests left pending."""
    packets, frame = street
    service, _ = seeded

    def add(count: int) -> list[str]:
        band = next(BANDS)
        scores = [0.5 - band * 0.1 + i * 0.01 for i in range(count)]
        database = Database(service.settings.effective_database_url)
        store = DirectoryStore(service.settings.evidence_dir)
        try:
            return [
                _seed_ticket(
                    database,
                    store,
                    Planned(f"x{next(NUMBERS)}", "cam-east-1", "stall", score, 0.5, "urgent"),
                    packets,
                    frame,
                    datetime.now(UTC),
                )
                for score in scores
            ]
        finally:
            database.dispose()

    return add


def api_as(url: str, username: str) -> httpx.Client:
    """An API client with another person's bearer token (not the browser's session)."""
    answer = httpx.post(
        f"{url}/api/v1/auth/token", json={"username": username, "password": PASSWORD}
    )
    answer.raise_for_status()
    token = answer.json()["access_token"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"})


def showing(page: Any, ticket: str) -> None:
    page.wait_for_selector(f"#review-ticket[data-ticket='{ticket}']:not([hidden])")


def test_the_clip_plays_from_the_incident_moment(log_in: LogIn, seeded: Service) -> None:
    page = log_in("wang")
    showing(page, seeded[0].tickets["p3"])  # the urgent one heads the seeded queue
    page.wait_for_function(
        "() => { const v = document.getElementById('rt-video');"
        " return v.dataset.moment && v.readyState >= 1 && v.currentTime > 0; }"
    )
    moment = float(page.get_attribute("#rt-video", "data-moment") or 0)
    assert moment > 0  # the bundle's pre-roll: the clip starts before the incident
    start = page.evaluate("document.getElementById('rt-video').currentTime")
    assert start >= moment - 0.2  # it began at the incident, not at the clip's start
    page.wait_for_function(
        f"() => document.getElementById('rt-video').currentTime > {start + 0.5}", timeout=10_000
    )
    page.wait_for_selector("#rt-history tr[data-ticket]")  # earlier tickets at the hospital
    assert "市一医院" not in page.inner_text("#rt-key-point")  # code + category, not a name
    assert "east-hospital · 医院" in page.inner_text("#rt-key-point")
    screenshot(page, "review")


def test_three_tickets_reviewed_with_the_keyboard_only(
    log_in: LogIn, seeded: Service, add_urgent: Any
) -> None:
    first, second, skipped, fourth = add_urgent(4)
    page = log_in("wang")
    page.goto("/review?page_size=2")  # the fourth ticket comes from the second page (cursor)
    showing(page, first)
    page.keyboard.press("y")
    showing(page, second)
    page.keyboard.press("n")
    page.keyboard.press("2")  # permitted activity
    showing(page, skipped)
    page.keyboard.press("j")
    showing(page, fourth)
    page.keyboard.press("y")
    page.wait_for_selector(f"#review-list li.decided[data-ticket='{fourth}']")
    assert page.get_attribute("#review-ticket", "data-status") == "pending_review"

    with api_as(seeded[1], "root") as http:
        states = [http.get(f"/api/v1/tickets/{t}").json() for t in (first, second, skipped, fourth)]
    statuses = [state["status"] for state in states]
    assert statuses == ["confirmed", "rejected", "pending_review", "confirmed"]
    assert states[1]["state"]["reject_reason"] == "permitted_activity"
    assert states[0]["state"]["confirmed_by"] == "wang"


def test_a_rejection_keeps_the_chosen_reason_and_note(
    log_in: LogIn, seeded: Service, add_urgent: Any
) -> None:
    (ticket,) = add_urgent(1)
    page = log_in("wang")
    showing(page, ticket)
    page.keyboard.press("n")
    page.keyboard.press("4")  # other: asks for a note
    page.wait_for_selector("#rt-note:focus")
    page.keyboard.type("围挡施工，已报备")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#review-list li.decided[data-ticket='{ticket}']")
    assert f"{ticket}: 已驳回" in page.inner_text("#review-last")

    with api_as(seeded[1], "root") as http:
        state = http.get(f"/api/v1/tickets/{ticket}").json()["state"]
    assert (state["reject_reason"], state["reject_note"]) == ("other", "围挡施工，已报备")


def test_a_decision_made_meanwhile_is_shown_not_overwritten(
    log_in: LogIn, seeded: Service, add_urgent: Any
) -> None:
    (ticket,) = add_urgent(1)
    page = log_in("wang")
    showing(page, ticket)
    with api_as(seeded[1], "root") as http:
        assert http.post(f"/api/v1/tickets/{ticket}/confirm", json={}).status_code == 200
        page.keyboard.press("n")
        page.keyboard.press("1")  # false detection, on the outdated view
        page.wait_for_selector("#review-notice.conflict:not([hidden])")
        assert "已被他人处理" in page.inner_text("#review-notice")
        assert page.inner_text("#rt-conflict-status") == "已确认"
        assert page.inner_text("#rt-status") == "已确认"
        after = http.get(f"/api/v1/tickets/{ticket}").json()
    assert after["status"] == "confirmed"
    assert after["state"]["reject_reason"] is None
    page.keyboard.press("j")  # the decided ticket is skipped
    page.wait_for_function(
        f"() => document.getElementById('review-ticket').dataset.ticket !== '{ticket}'"
    )


def test_the_chosen_order_is_remembered(log_in: LogIn, seeded: Service) -> None:
    page = log_in("wang")
    page.wait_for_selector("#review-ticket:not([hidden])")
    page.select_option("#review-order", "raised_at")  # oldest first
    with api_as(seeded[1], "root") as http:
        oldest = http.get("/api/v1/tickets?status=pending_review&sort=raised_at&limit=1").json()
    showing(page, oldest[0]["ticket"])
    page.reload()
    showing(page, oldest[0]["ticket"])
    assert page.input_value("#review-order") == "raised_at"
