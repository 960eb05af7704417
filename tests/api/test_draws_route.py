"""The public draw over HTTP (双随机、一公开): supervisors draw, anyone reads the draw, its results
and its CSV without logging in, and redoes it from the seed by hand."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.db.models import Camera, KeyPoint
from api.plan.draw import Draw, DrawInputs, KeyPointEntry, draw
from api.services.plan_draws import month_of, reproduce_commands
from api.services.stats import shanghai_day
from tests.api.conftest import NOW, login
from tests.api.plan_seed import AddInspection, add_inspection, add_key_point

__all__ = ["add_inspection"]  # the fixture, used by name

PERIOD = shanghai_day(NOW).strftime("%Y-%m")
"""The month of the ``client`` fixture's ticket (raised at hospital-1)."""


@pytest.fixture
def drawn(client: tuple[TestClient, str], engine: Engine) -> TestClient:
    """Two key points (hospital-1 east, school-w west), one supervisor (wang), drawn by wang."""
    test_client, _ = client
    add_key_point(engine, "school-w", "west")
    answer = test_client.post(
        "/api/v1/plan/draws",
        json={"period": PERIOD, "seed": "announced 2026", "key_points": 2},
        headers=login(test_client, "wang"),
    )
    assert answer.status_code == 201, answer.text
    return test_client


def test_only_supervisors_and_admins_draw_and_mistakes_are_named(
    client: tuple[TestClient, str],
) -> None:
    test_client, _ = client
    body = {"period": "2026-12", "seed": "s1"}
    assert test_client.post("/api/v1/plan/draws", json=body).status_code == 401
    member = test_client.post(
        "/api/v1/plan/draws", json=body, headers=login(test_client, "li-east")
    )
    assert member.status_code == 403
    admin = login(test_client, "root")
    for bad in (
        {"period": "2026-13", "seed": "s"},
        {"period": "2026-12", "seed": "a|b"},
        {"period": "2026-12", "seed": "tab\there"},
        {"period": "2026-12", "seed": "s", "key_points": 0},
    ):
        answer = test_client.post("/api/v1/plan/draws", json=bad, headers=admin)
        assert answer.status_code == 422, bad
    answer = test_client.post("/api/v1/plan/draws", json=body, headers=admin)
    assert answer.status_code == 201
    drawn = answer.json()
    assert drawn["summary"]["recorded_by"] == "root" and not drawn["summary"]["redrawn"]
    assert [(p["key_point"], p["inspector"]) for p in drawn["draw"]["picks"]] == [
        ("hospital-1", "wang")
    ]


def test_the_draw_is_public_and_a_redraw_shows_as_such(drawn: TestClient) -> None:
    listed = drawn.get("/api/v1/plan/draws").json()
    assert [(d["period"], d["seed"], d["redrawn"]) for d in listed] == [
        (PERIOD, "announced 2026", False)
    ]
    again = drawn.post(
        "/api/v1/plan/draws",
        json={"period": PERIOD, "seed": "second try"},
        headers=login(drawn, "wang"),
    )
    assert again.status_code == 201 and again.json()["summary"]["redrawn"] is True
    shown = drawn.get(f"/api/v1/plan/draws/{PERIOD}").json()  # no log-in
    assert shown["draw"]["seed"] == "second try"
    assert shown["summary"]["draws"] == 2 and shown["summary"]["redrawn"] is True
    assert [earlier["seed"] for earlier in shown["earlier"]] == ["announced 2026"]
    assert drawn.get("/api/v1/plan/draws").json()[0]["redrawn"] is True


def test_results_show_the_months_inspections_by_whom_and_the_tickets(
    drawn: TestClient, add_inspection: AddInspection
) -> None:
    month = month_of(PERIOD)
    add_inspection("hospital-1", "video", month.start_utc + timedelta(minutes=30), "wang")
    add_inspection("hospital-1", "street", month.start_utc + timedelta(days=2), "li-east")
    add_inspection("hospital-1", "street", month.start_utc - timedelta(minutes=1), "wang")
    add_inspection("hospital-1", "street", month.end_utc, "wang")
    shown = drawn.get(f"/api/v1/plan/draws/{PERIOD}").json()
    results = {r["pick"]["key_point"]: r for r in shown["results"]}
    hospital = results["hospital-1"]
    assert [(i["inspector"], i["by_drawn_inspector"]) for i in hospital["inspections"]] == [
        ("wang", True),
        ("li-east", False),
    ]
    assert hospital["inspected_by_drawn_inspector"] is True
    assert hospital["tickets"] == {"total": 1, "by_status": {"pending_review": 1}}
    assert "note" not in hospital["inspections"][0]  # notes are not published
    school = results["school-w"]
    assert school["inspections"] == [] and school["tickets"]["total"] == 0
    assert school["inspected_by_drawn_inspector"] is False


def test_the_csv_export_parses_back_one_line_per_pick(drawn: TestClient) -> None:
    answer = drawn.get(f"/api/v1/plan/draws/{PERIOD}.csv")
    assert answer.status_code == 200 and answer.content.startswith(b"\xef\xbb\xbf")
    assert answer.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    picks = drawn.get(f"/api/v1/plan/draws/{PERIOD}").json()["draw"]["picks"]
    assert [(line["rank"], line["key_point"], line["inspector"]) for line in lines] == [
        (str(n), pick["key_point"], pick["inspector"]) for n, pick in enumerate(picks, start=1)
    ]
    assert {line["seed"] for line in lines} == {"announced 2026"}
    assert lines[0]["tickets"] in {"0", "1"} and lines[0]["name"].endswith(("医院", "点"))


def test_unknown_and_malformed_periods(drawn: TestClient) -> None:
    missing = drawn.get("/api/v1/plan/draws/2031-01")
    assert missing.status_code == 404 and missing.json()["detail"] == "no draw recorded for 2031-01"
    assert drawn.get("/api/v1/plan/draws/2031-01.csv").status_code == 404
    assert drawn.get("/api/v1/plan/draws/2031-01/verify").status_code == 404
    assert drawn.get("/api/v1/plan/draws/January").status_code == 422


def test_verify_says_whether_and_why_a_draw_no_longer_reproduces(
    drawn: TestClient, engine: Engine
) -> None:
    check = drawn.get(f"/api/v1/plan/draws/{PERIOD}/verify").json()
    assert check["reproduces"] is True and check["reason"] is None
    assert check["key_points_now"] == ["hospital-1", "school-w"]
    assert check["supervisors_now"] == ["wang"]

    with Session(engine) as session, session.begin():  # a camera more at a drawn point
        point = session.scalars(select(KeyPoint).where(KeyPoint.code == "school-w")).one()
        session.add(Camera(id="cam-school", key_point_id=point.id, squad_id=point.squad_id))
    check = drawn.get(f"/api/v1/plan/draws/{PERIOD}/verify").json()
    assert check["reproduces"] is False and "cameras changed" in check["reason"]

    add_key_point(engine, "market-e", "east")
    check = drawn.get(f"/api/v1/plan/draws/{PERIOD}/verify").json()
    assert check["reproduces"] is False
    assert check["reason"].startswith("inputs hash differs")
    assert check["inputs_sha256_now"] != check["inputs_sha256_published"]


def _run(commands: list[str]) -> list[list[list[str]]]:
    """Each command's output lines, split into words."""
    return [
        [
            line.split()
            for line in subprocess.run(
                ["bash", "-c", command], capture_output=True, text=True, check=True
            ).stdout.splitlines()
        ]
        for command in commands
    ]


NEEDS_COREUTILS = pytest.mark.skipif(
    shutil.which("sha256sum") is None or shutil.which("bash") is None,
    reason="needs bash and coreutils' sha256sum",
)


@NEEDS_COREUTILS
@pytest.mark.parametrize("seed", ["20261201-announced", 'it\'s $HOME \\ "quoted"'])
def test_the_shell_commands_redo_the_pinned_draw(seed: str) -> None:
    points = tuple(
        KeyPointEntry(code=f"kp-{i}", name=f"点{i}", category="school") for i in range(1, 7)
    )
    inputs = DrawInputs(key_points=points, supervisors=("wang", "li", "zhang"))
    published = draw(inputs, period="2026-12", seed=seed, key_points=3)
    if seed == "20261201-announced":  # tests/api/test_plan_draw.py pins this one
        assert [p.key_point for p in published.picks] == ["kp-5", "kp-3", "kp-4"]
    codes = [p.code for p in reversed(points)]  # any order: the commands sort
    ranks, inspectors = _run(reproduce_commands(published, codes, ["zhang", "li", "wang"]))
    assert [words[1] for words in ranks] == [p.key_point for p in published.picks]
    assert [tuple(words[1:]) for words in inspectors] == [
        (p.key_point, p.inspector) for p in published.picks
    ]


@NEEDS_COREUTILS
def test_anyone_redoes_the_draw_from_its_seed_with_the_published_commands(
    drawn: TestClient,
) -> None:
    published = Draw.model_validate(drawn.get(f"/api/v1/plan/draws/{PERIOD}").json()["draw"])
    check = drawn.get(f"/api/v1/plan/draws/{PERIOD}/verify").json()
    commands = reproduce_commands(published, check["key_points_now"], check["supervisors_now"])
    ranks, inspectors = _run(commands)
    assert [words[1] for words in ranks] == [p.key_point for p in published.picks]
    assert [tuple(words[1:]) for words in inspectors] == [
        (p.key_point, p.inspector) for p in published.picks
    ]
