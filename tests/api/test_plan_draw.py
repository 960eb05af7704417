"""The public inspection draw (双随机、一公开): reproducible, order-free, pinned, audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.db.models import Camera, KeyPoint, Squad
from api.plan.draw import (
    PROCEDURE,
    Draw,
    DrawError,
    DrawInputs,
    KeyPointEntry,
    draw,
    load_inputs,
    record_draw,
    reproduce,
)
from api.security.users import Role, add_user
from api.services import audit_log
from detector.cli.main import app
from tests.detector.cli.test_cli import assert_one_line_error, streetorder

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
KEY_POINTS = tuple(
    KeyPointEntry(code=f"kp-{i}", name=f"点{i}", category="school", cameras=(f"cam-{i}",))
    for i in range(1, 7)
)
INPUTS = DrawInputs(key_points=KEY_POINTS, supervisors=("wang", "li", "zhang"))
SEED = "20261201-announced"


def picks(result: Draw) -> list[tuple[str, str]]:
    return [(pick.key_point, pick.inspector) for pick in result.picks]


def test_the_procedure_is_pinned() -> None:
    # Checked independently with coreutils: printf 'SEED|2026-12|kp-N' | sha256sum, lowest
    # first; then printf 'SEED|2026-12|kp-N|user' | sha256sum, lowest inspects.
    result = draw(INPUTS, period="2026-12", seed=SEED, key_points=3)
    assert picks(result) == [("kp-5", "wang"), ("kp-3", "wang"), ("kp-4", "zhang")]
    assert result.inputs_sha256 == (
        "795b47f43c4d67128ca9d560cc06678cecd94870c49150292577db540a2705b1"
    )
    assert result.procedure == PROCEDURE == "sha256-rank-v1"
    assert result.picks[0].cameras == ("cam-5",) and result.picks[0].name == "点5"


SHUFFLED = DrawInputs(key_points=tuple(reversed(KEY_POINTS)), supervisors=("zhang", "wang", "li"))


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ((INPUTS, "2026-12", SEED, 3), (INPUTS, "2026-12", SEED, 3), True),
        ((INPUTS, "2026-12", SEED, 3), (SHUFFLED, "2026-12", SEED, 3), True),
        ((INPUTS, "2026-12", SEED, None), (SHUFFLED, "2026-12", SEED, None), True),
        ((INPUTS, "2026-12", SEED, 3), (INPUTS, "2026-12", "another-seed", 3), False),
        ((INPUTS, "2026-12", SEED, 3), (INPUTS, "2027-01", SEED, 3), False),
    ],
)
def test_same_seed_same_draw_and_order_does_not_matter(
    first: tuple[DrawInputs, str, str, int | None],
    second: tuple[DrawInputs, str, str, int | None],
    same: bool,
) -> None:
    one, two = (
        draw(inputs, period=period, seed=seed, key_points=n)
        for inputs, period, seed, n in (first, second)
    )
    assert (picks(one) == picks(two)) is same
    assert one.inputs_sha256 == two.inputs_sha256


def test_different_seeds_usually_differ() -> None:
    seeds = [f"seed-{i}" for i in range(20)]
    draws = {tuple(picks(draw(INPUTS, period="2026-12", seed=s, key_points=3))) for s in seeds}
    assert len(draws) >= 15


@pytest.mark.parametrize("n", [6, 7, 1000])
def test_asking_for_more_than_there_are_draws_them_all(n: int) -> None:
    result = draw(INPUTS, period="2026-12", seed=SEED, key_points=n)
    assert sorted(code for code, _ in picks(result)) == [f"kp-{i}" for i in range(1, 7)]
    assert result.key_points_requested == n and reproduce(result, SHUFFLED)


@pytest.mark.parametrize(
    ("inputs", "period", "seed", "n", "message"),
    [
        (DrawInputs(key_points=KEY_POINTS, supervisors=()), "2026-12", SEED, 3, "no supervisors"),
        (DrawInputs(key_points=(), supervisors=("wang",)), "2026-12", SEED, 3, "no key points"),
        (INPUTS, "2026-13", SEED, 3, "--period"),
        (INPUTS, "december", SEED, 3, "'december'"),
        (INPUTS, "2026-12", "a|b", 3, "--seed"),
        (INPUTS, "2026-12", " padded", 3, "--seed"),
        (INPUTS, "2026-12", SEED, 0, "--key-points"),
        (
            DrawInputs(key_points=KEY_POINTS + KEY_POINTS[:1], supervisors=("wang",)),
            "2026-12",
            SEED,
            3,
            "unique",
        ),
        (
            DrawInputs(key_points=KEY_POINTS, supervisors=("wang", "wang")),
            "2026-12",
            SEED,
            3,
            "unique",
        ),
    ],
)
def test_refusals_are_one_line(
    inputs: DrawInputs, period: str, seed: str, n: int, message: str
) -> None:
    with pytest.raises(DrawError, match=message) as caught:
        draw(inputs, period=period, seed=seed, key_points=n)
    assert "\n" not in str(caught.value)


PUBLISHED = draw(INPUTS, period="2026-12", seed=SEED, key_points=3)


@pytest.mark.parametrize(
    ("published", "inputs", "matches"),
    [
        (PUBLISHED, INPUTS, True),
        (PUBLISHED, SHUFFLED, True),
        (Draw.model_validate_json(PUBLISHED.model_dump_json()), INPUTS, True),
        (PUBLISHED, DrawInputs(key_points=KEY_POINTS, supervisors=("wang", "li")), False),
        (PUBLISHED, DrawInputs(key_points=KEY_POINTS[1:], supervisors=INPUTS.supervisors), False),
        (PUBLISHED.model_copy(update={"seed": "other"}), INPUTS, False),
        (PUBLISHED.model_copy(update={"procedure": "sha256-rank-v0"}), INPUTS, False),
        (PUBLISHED.model_copy(update={"picks": PUBLISHED.picks[::-1]}), INPUTS, False),
        (PUBLISHED, DrawInputs(key_points=KEY_POINTS, supervisors=()), False),
    ],
)
def test_reproduce(published: Draw, inputs: DrawInputs, matches: bool) -> None:
    assert reproduce(published, inputs) is matches


def test_a_draw_from_the_database_is_audited_and_a_redraw_shows(session: Session) -> None:
    squad = Squad(code="draw-squad", name="抽查中队")
    session.add(squad)
    session.flush()
    for code in ("draw-kp-b", "draw-kp-a"):
        key_point = KeyPoint(code=code, name=code, category="school", squad_id=squad.id)
        session.add(key_point)
        session.flush()
        for camera in (f"{code}-cam-2", f"{code}-cam-1"):
            session.add(Camera(id=camera, key_point_id=key_point.id, squad_id=squad.id))
    add_user(session, "draw-sup", "correct horse battery", Role.SUPERVISOR, now=NOW)
    add_user(session, "draw-admin", "correct horse battery", Role.ADMIN, now=NOW)
    session.flush()

    inputs = load_inputs(session)
    assert "draw-sup" in inputs.supervisors and "draw-admin" not in inputs.supervisors
    entries = {entry.code: entry for entry in inputs.key_points}
    assert entries["draw-kp-a"].cameras == ("draw-kp-a-cam-1", "draw-kp-a-cam-2")

    first = draw(inputs, period="2099-01", seed="one", key_points=1)
    second = draw(inputs, period="2099-01", seed="two", key_points=1)
    record_draw(session, first, actor="cli:test", now=NOW)
    record_draw(session, second, actor="cli:test", now=NOW)
    records = audit_log.records_of(session, "draw", "2099-01")
    assert [record.action for record in records] == ["draw", "redraw"]
    assert records[0].before is None and records[0].after == first.model_dump(mode="json")
    assert records[1].before == records[0].after
    assert Draw.model_validate(records[1].after) == second
    assert reproduce(Draw.model_validate(records[0].after), load_inputs(session))
    assert audit_log.verify(session) == []


PLACES_YAML = """\
squads:
  - {code: north, name: 北街中队}
key_points:
  - {code: north-school, name: XX小学门口, category: school, squad: north}
  - {code: north-hospital, name: XX医院, category: hospital, squad: north}
cameras:
  - {id: cam-north-1, name: 校门东, key_point: north-school}
  - {id: cam-north-2, name: 医院, key_point: north-hospital}
"""


def test_the_cli_prints_the_table_writes_the_json_and_refuses_without_supervisors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    places = tmp_path / "places.yaml"
    places.write_text(PLACES_YAML, encoding="utf-8")
    data = ["--data-dir", str(tmp_path / "service")]
    runner = CliRunner()
    assert runner.invoke(app, ["places", "apply", str(places), *data]).exit_code == 0
    draw_args = ["plan", "draw", "--period", "2026-12", "--seed", SEED, *data]

    assert_one_line_error(streetorder(*draw_args), "no supervisors")

    monkeypatch.setenv("STREETORDER_NEW_PASSWORD", "correct horse battery")
    added = runner.invoke(app, ["users", "add", "wang", "--role", "supervisor", *data])
    assert added.exit_code == 0, added.output
    out = tmp_path / "draw.json"
    result = runner.invoke(app, [*draw_args, "--key-points", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "north-school" in result.output and "wang" in result.output
    assert "sha256-rank-v1" in result.output
    published = Draw.model_validate(json.loads(out.read_text(encoding="utf-8")))
    assert published.period == "2026-12" and published.key_points_requested == 5
    assert {pick.key_point for pick in published.picks} == {"north-school", "north-hospital"}
    assert {pick.inspector for pick in published.picks} == {"wang"}
    school = next(pick for pick in published.picks if pick.key_point == "north-school")
    assert school.cameras == ("cam-north-1",)
