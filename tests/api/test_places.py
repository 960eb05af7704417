"""Registering squads, key points and cameras: admin routes and `streetorder places`."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from detector.cli.main import app
from tests.api.conftest import login
from tests.detector.cli.test_cli import assert_one_line_error, streetorder

PLACES_YAML = """\
squads:
  - {code: north, name: 北街中队}
key_points:
  - {code: north-school, name: XX小学门口, category: school, squad: north}
cameras:
  - {id: cam-north-1, name: 校门东, key_point: north-school}
"""


def test_an_admin_registers_a_place_and_a_resend_changes_nothing(
    client: tuple[TestClient, str],
) -> None:
    http, _ = client
    admin = login(http, "root")
    steps = [
        ("/api/v1/squads/north", {"name": "北街中队"}),
        (
            "/api/v1/key-points/north-school",
            {"name": "XX小学", "category": "school", "squad": "north"},
        ),
        ("/api/v1/cameras/cam-north-1", {"name": "校门东", "key_point": "north-school"}),
    ]
    for url, body in steps:
        assert http.put(url, json=body, headers=admin).json() == {"outcome": "created"}
        again = http.put(url, json=body, headers=admin)
        assert again.status_code == 200 and again.json() == {"outcome": "unchanged"}
    renamed = http.put("/api/v1/squads/north", json={"name": "北中队"}, headers=admin)
    assert renamed.json() == {"outcome": "updated"}
    cameras = http.get("/api/v1/cameras", headers=login(http, "li-east")).json()
    assert {
        "id": "cam-north-1",
        "name": "校门东",
        "key_point": "north-school",
        "squad": "north",
    } in (cameras)


@pytest.mark.parametrize(
    ("user", "url", "body", "expected"),
    [
        ("wang", "/api/v1/squads/north", {"name": "北"}, 403),
        ("li-east", "/api/v1/squads/north", {"name": "北"}, 403),
        ("root", "/api/v1/squads/bad code", {"name": "北"}, 422),
        ("root", "/api/v1/key-points/kp", {"name": "X", "category": "moon", "squad": "east"}, 422),
        (
            "root",
            "/api/v1/key-points/kp",
            {"name": "X", "category": "school", "squad": "nope"},
            404,
        ),
        ("root", "/api/v1/cameras/cam-9", {"key_point": "nowhere"}, 404),
        ("root", "/api/v1/cameras/cam-9", {"key_point": "hospital-1", "zoom": 3}, 422),
    ],
)
def test_refusals(
    client: tuple[TestClient, str], user: str, url: str, body: dict[str, object], expected: int
) -> None:
    http, _ = client
    response = http.put(url, json=body, headers=login(http, user))
    assert response.status_code == expected, response.text


def test_places_apply_twice_then_list(tmp_path: Path) -> None:
    places = tmp_path / "places.yaml"
    places.write_text(PLACES_YAML, encoding="utf-8")
    data = ["--data-dir", str(tmp_path / "service")]
    runner = CliRunner()
    first = runner.invoke(app, ["places", "apply", str(places), *data])
    assert first.exit_code == 0, first.output
    assert "3 created, 0 updated, 0 unchanged" in first.output
    second = runner.invoke(app, ["places", "apply", str(places), *data])
    assert "0 created, 0 updated, 3 unchanged" in second.output
    listed = runner.invoke(app, ["places", "list", *data])
    assert "cam-north-1" in listed.output and "north-school" in listed.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (PLACES_YAML.replace("school, squad", "moon, squad"), "unknown key-point category 'moon'"),
        (PLACES_YAML.replace("key_point: north-school", "key_point: elsewhere"), "elsewhere"),
        (PLACES_YAML + "lamps: []\n", "lamps"),
    ],
)
def test_a_bad_places_file_is_one_line_and_changes_nothing(
    tmp_path: Path, text: str, message: str
) -> None:
    places = tmp_path / "places.yaml"
    places.write_text(text, encoding="utf-8")
    data = ["--data-dir", str(tmp_path / "service")]
    assert_one_line_error(streetorder("places", "apply", str(places), *data), message)
    listed = CliRunner().invoke(app, ["places", "list", *data])
    assert "cam-north-1" not in listed.output and "north" not in listed.output
