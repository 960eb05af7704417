"""The squad page in a real browser: overdue first, rectify with a photo, squads kept apart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from api.db.engine import Database
from api.domain import Reclassify
from api.services.tickets import act
from tests.api.web.conftest import LogIn, screenshot
from tests.api.web.seed import Seeded

TICKET_CARDS = "#dispatched-list li.squad-ticket"


def after_photo(folder: Path) -> Path:
    """A small JPEG of a cleared pavement (grey, with a kerb line)."""
    image = np.full((120, 160, 3), 180, np.uint8)
    cv2.line(image, (0, 90), (159, 90), (90, 90, 90), 4)
    path = folder / "after.jpg"
    cv2.imwrite(str(path), image)
    return path


def test_a_squad_member_reports_the_overdue_ticket_rectified_with_a_photo(
    log_in: LogIn, seeded: tuple[Seeded, str], tmp_path: Path
) -> None:
    tickets = seeded[0].tickets
    page = log_in("li-east")
    assert page.url.endswith("/squad")
    page.wait_for_selector(TICKET_CARDS)
    order = page.eval_on_selector_all(TICKET_CARDS, "cards => cards.map(c => c.dataset.ticket)")
    assert order == [tickets["d2"], tickets["d1"]]  # overdue first
    overdue = page.locator(f'[data-ticket="{tickets["d2"]}"]')
    assert "已超期" in overdue.inner_text()
    assert "is-overdue" in (overdue.get_attribute("class") or "")
    assert "已超期" not in page.locator(f'[data-ticket="{tickets["d1"]}"]').inner_text()
    assert "没有待复查的工单" in page.inner_text("#rectified-list")

    overdue.locator("input[type=file]").set_input_files(str(after_photo(tmp_path)))
    overdue.locator("textarea[name=note]").fill("占道物品已清走")
    screenshot(page, "squad")
    overdue.locator("button[type=submit]").click()

    page.wait_for_selector("#squad-notice:not([hidden])")
    assert tickets["d2"] in page.inner_text("#squad-notice")
    assert page.locator(f'#dispatched-list [data-ticket="{tickets["d2"]}"]').count() == 0
    page.wait_for_selector(f'#rectified-list [data-ticket="{tickets["d2"]}"]')
    assert "占道物品已清走" in page.inner_text("#rectified-list")
    answer = page.request.get(f"/api/v1/tickets/{tickets['d2']}").json()
    assert answer["status"] == "rectified"
    photo = page.request.get(
        answer["state"]["rectification"]["photo_ref"].replace(
            f"photos/{tickets['d2']}/", f"/api/v1/tickets/{tickets['d2']}/photos/"
        )
    )
    assert photo.status == 200 and photo.headers["content-type"] == "image/jpeg"


def test_another_squad_sees_none_of_easts_tickets(
    log_in: LogIn, seeded: tuple[Seeded, str]
) -> None:
    tickets = seeded[0].tickets
    page = log_in("zhao-west")
    page.wait_for_selector("#dispatched-list li.empty")
    shown = page.inner_text("#squad-page")
    assert "没有待整改的工单" in shown
    assert tickets["d1"] not in shown and tickets["d2"] not in shown
    assert "西街中队" in page.inner_text("#squad-name")


def test_a_supervisor_chooses_the_squad(log_in: LogIn, seeded: tuple[Seeded, str]) -> None:
    tickets = seeded[0].tickets
    page = log_in("wang", language="en")
    page.goto("/squad?squad=west")
    page.wait_for_selector("#dispatched-list li.empty")
    assert "Nothing to rectify." in page.inner_text("#dispatched-list")
    page.select_option("#squad-select", "east")
    page.wait_for_selector(f'#dispatched-list [data-ticket="{tickets["d1"]}"]')
    assert "squad=east" in page.url


def test_a_ticket_changed_meanwhile_shows_its_new_state_instead_of_being_overwritten(
    log_in: LogIn, seeded: tuple[Seeded, str], tmp_path: Path
) -> None:
    service, _ = seeded
    ticket = service.tickets["d1"]
    page = log_in("li-east")
    card = page.locator(f'#dispatched-list [data-ticket="{ticket}"]')
    card.wait_for()
    database = Database(service.settings.effective_database_url)
    try:  # a supervisor corrects the type while the squad member is filling in the form
        change = Reclassify(violation_type="stall", note="其实是摊位")
        act(database, int(ticket.removeprefix("T-")), change, actor="wang", now=datetime.now(UTC))
    finally:
        database.dispose()
    card.locator("input[type=file]").set_input_files(str(after_photo(tmp_path)))
    card.locator("textarea[name=note]").fill("已清理")
    card.locator("button[type=submit]").click()
    page.wait_for_selector(f'[data-ticket="{ticket}"] .error:not([hidden])')
    assert "wang" in card.locator(".error").inner_text()  # "changed meanwhile by wang"
    assert "无序设摊" in card.inner_text()  # the new type, still to rectify
    assert page.request.get(f"/api/v1/tickets/{ticket}").json()["status"] == "dispatched"
