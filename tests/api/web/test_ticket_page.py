"""The ticket page in a real browser: evidence, timeline, evidence check, squad scoping."""

from __future__ import annotations

from typing import Any

from tests.api.web.conftest import LogIn, screenshot
from tests.api.web.seed import PLAN, Seeded


def test_a_closed_ticket_shows_its_story_and_its_evidence_checks_intact(
    log_in: LogIn, seeded: tuple[Seeded, str]
) -> None:
    ticket = seeded[0].tickets["c1"]
    page = log_in("wang")
    errors: list[Any] = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(f"/tickets/{ticket}")
    page.wait_for_selector("#ticket-page[data-loaded=true]")
    assert "已办结" in page.inner_text("#tp-status")
    assert "医院东门北侧" in page.inner_text("#tp-details")  # the camera by its name

    steps = page.eval_on_selector_all(
        "#tp-timeline li.tp-entry", "items => items.map(item => item.dataset.action)"
    )
    assert steps == ["ingest", "confirm", "dispatch", "rectify", "reinspect"]
    rectify = page.inner_text('#tp-timeline li[data-action="rectify"]')
    assert "li-east" in rectify and "已清理" in rectify  # who, and their note

    video = page.wait_for_selector("#tp-clip")
    page.wait_for_function("document.getElementById('tp-clip').readyState >= 1")
    start = float(video.get_attribute("data-start") or "nan")
    assert start > 0  # the clip opens at the incident moment, not at its first frame
    assert abs(page.eval_on_selector("#tp-clip", "v => v.currentTime") - start) < 0.5
    assert page.eval_on_selector("#tp-snapshot", "img => img.complete && img.naturalWidth") > 0

    page.click("#tp-verify")
    verdict = page.wait_for_selector("#tp-verdict.good")
    assert "完好" in verdict.inner_text()
    assert page.locator("#tp-hashes tr.tp-ok").count() >= 5  # the manifest and its 4 files
    assert page.locator("#tp-hashes tr.tp-bad").count() == 0
    assert errors == []
    screenshot(page, "ticket")


def test_another_squad_s_ticket_is_not_found_and_shows_nothing_of_it(
    log_in: LogIn, seeded: tuple[Seeded, str]
) -> None:
    tickets = seeded[0].tickets
    page = log_in("zhao-west")
    response = page.goto(f"/tickets/{tickets['c1']}")
    assert response is not None and response.status == 404
    text = page.inner_text("body")
    assert "没有这个工单" in text
    assert "医院东门北侧" not in text and "cam-east-1" not in page.content()
    missing = page.goto("/tickets/T-99999")
    assert missing is not None and missing.status == 404
    assert "没有这个工单" in page.inner_text("body")
    own = page.goto(f"/tickets/{tickets['p4']}")
    assert own is not None and own.status == 200
    page.wait_for_selector("#ticket-page[data-loaded=true]")
    assert "菜市场入口" in page.inner_text("#tp-details")


def test_verify_shows_in_red_which_evidence_file_changed_on_disk(
    log_in: LogIn, seeded: tuple[Seeded, str]
) -> None:
    service = seeded[0]
    planned = next(plan for plan in PLAN if plan.key == "p1")
    incident_id = f"{planned.camera}-{planned.type}-{planned.key}"
    page = log_in("wang")
    page.goto(f"/tickets/{service.tickets['p1']}")
    page.wait_for_selector("#ticket-page[data-loaded=true]")
    stored = service.settings.evidence_dir / incident_id / "snapshot.jpg"
    data = bytearray(stored.read_bytes())
    data[-10] ^= 0xFF  # someone edits the stored evidence after it was accepted
    stored.write_bytes(bytes(data))

    page.evaluate("window.stillThisPage = true")
    page.click("#tp-verify")
    verdict = page.wait_for_selector("#tp-verdict.bad")
    assert "snapshot.jpg" in verdict.inner_text()
    bad = page.eval_on_selector_all(
        "#tp-hashes tr.tp-bad", "rows => rows.map(row => row.dataset.file)"
    )
    assert bad == ["snapshot.jpg"]
    assert page.evaluate("window.stillThisPage") is True  # answered in place, no reload
