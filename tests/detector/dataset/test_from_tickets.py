"""``dataset from-tickets``: reviewed tickets with real bundles become a YOLO dataset."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.db.engine import Database
from api.domain import Action, Confirm, Dispatch, Reclassify, Reject, RejectReason
from api.services.tickets import act, ticket_key
from api.storage import DirectoryStore
from detector.cli.main import app
from detector.dataset.tickets import parse_since
from detector.evidence.bundle import Provenance, write_bundle
from detector.incidents.taxonomy import load_taxonomy
from detector.sources.frames import EncodedPacket
from tests.factories import (
    add_place,
    file_ticket,
    make_clip,
    make_incident,
    purge_service_rows,
    read_packets,
)

NOW = datetime.now(UTC).replace(microsecond=0)
WIDTH, HEIGHT = 128, 96
MODEL = {"name": "yolov5n-street", "sha256": "0123abcd"}


def picture(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)


@dataclass(frozen=True)
class Planned:
    key: str
    camera: str
    detected: str
    seed: int
    box: tuple[float, float, float, float]
    actions: Sequence[Action]
    days_ago: float = 0.0


PLAN = (
    # Reclassified, then confirmed: exported under its reviewed type.
    Planned(
        "t1",
        "cam-a",
        "stall",
        1,
        (10, 10, 50, 40),
        [Reclassify(violation_type="out_of_store"), Confirm()],
    ),
    # The same frame again (a second violation in the scene): one image, both boxes.
    Planned(
        "t2",
        "cam-a",
        "clutter",
        1,
        (60, 50, 100, 80),
        [Confirm(), Dispatch(squad="sq-a", deadline=NOW + timedelta(days=2))],
    ),
    Planned(
        "t3", "cam-b", "stall", 2, (0, 0, 40, 40), [Reject(reason=RejectReason.FALSE_DETECTION)]
    ),
    Planned(
        "t4", "cam-b", "stall", 3, (0, 0, 40, 40), [Reject(reason=RejectReason.PERMITTED_ACTIVITY)]
    ),
    Planned("t5", "cam-a", "clutter", 4, (0, 0, 40, 40), []),
    Planned("t6", "cam-b", "clutter", 5, (20, 20, 60, 60), [Confirm()], days_ago=40),
    Planned("t7", "cam-b", "clutter", 6, (20, 20, 60, 60), [Confirm()]),  # evidence altered
)


@pytest.fixture(scope="module")
def packets(tmp_path_factory: pytest.TempPathFactory) -> list[EncodedPacket]:
    root = tmp_path_factory.mktemp("clip")
    return read_packets(
        make_clip(root / "c.mp4", seconds=1.0, gop_frames=25, width=WIDTH, height=HEIGHT)
    )


@pytest.fixture
def service(
    engine: Engine, tmp_path: Path, packets: list[EncodedPacket]
) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """Tickets of ``PLAN`` with stored bundles; (database URL, data dir, plan key → T-n)."""
    url = engine.url.render_as_string(hide_password=False)
    database = Database(url)
    data_dir = tmp_path / "service"
    store = DirectoryStore(data_dir / "evidence")
    with database.session() as session:
        add_place(session, camera_id="cam-a", squad_code="sq-a")
        add_place(session, camera_id="cam-b", squad_code="sq-b", category="school")
    try:
        keys = {p.key: _ticket(database, store, tmp_path / "bundles", packets, p) for p in PLAN}
        (store.root / "cam-b-t7" / "frame.jpg").write_bytes(b"\xff\xd8\xff not the frame")
        yield url, data_dir, keys
    finally:
        purge_service_rows(database)
        database.dispose()


def _ticket(
    database: Database,
    store: DirectoryStore,
    root: Path,
    packets: list[EncodedPacket],
    plan: Planned,
) -> str:
    raised = NOW - timedelta(days=plan.days_ago, hours=1)
    incident = make_incident(
        id=f"{plan.camera}-{plan.key}",
        camera=plan.camera,
        type=plan.detected,
        box_xyxy=plan.box,
        raised_s=None,
        raised_at=raised,
    )
    bundle = write_bundle(root, incident, picture(plan.seed), packets, Provenance(model=MODEL), 0.5)
    row_id = file_ticket(database, store, incident, bundle, actor="node:test", now=raised)
    for minutes, action in enumerate(plan.actions, start=1):
        act(database, row_id, action, actor="wang", now=raised + timedelta(minutes=minutes))
    return ticket_key(row_id)


def export(url: str, data_dir: Path, out: Path, *extra: str) -> str:
    result = CliRunner().invoke(
        app,
        [
            "dataset",
            "from-tickets",
            "--out",
            str(out),
            "--data-dir",
            str(data_dir),
            "--database-url",
            url,
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return result.output


def provenance(out: Path) -> dict[tuple[str, ...], dict[str, Any]]:
    """provenance.jsonl by the tickets of each image."""
    lines = [json.loads(line) for line in (out / "provenance.jsonl").read_text().splitlines()]
    return {tuple(t["ticket"] for t in line["tickets"]): line for line in lines}


def yolo(class_name: str, box: tuple[float, float, float, float]) -> str:
    x1, y1, x2, y2 = box
    class_id = load_taxonomy().violation_codes.index(class_name)
    cx, cy, w, h = (
        (x1 + x2) / 2 / WIDTH,
        (y1 + y2) / 2 / HEIGHT,
        (x2 - x1) / WIDTH,
        (y2 - y1) / HEIGHT,
    )
    return f"{class_id} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}"


def test_reviewed_tickets_become_a_dataset_with_provenance(
    service: tuple[str, Path, dict[str, str]], tmp_path: Path
) -> None:
    url, data_dir, keys = service
    out = tmp_path / "dataset"
    printed = export(url, data_dir, out)
    images = provenance(out)
    assert set(images) == {(keys["t1"], keys["t2"]), (keys["t3"],), (keys["t6"],)}

    scene = images[(keys["t1"], keys["t2"])]
    assert scene["labels"] == [yolo("out_of_store", PLAN[0].box), yolo("clutter", PLAN[1].box)]
    label_file = out / scene["image"].replace("images/", "labels/", 1).rsplit(".", 1)[0]
    assert Path(f"{label_file}.txt").read_text().splitlines() == scene["labels"]
    first, second = scene["tickets"]
    assert (first["status"], first["reviewed_type"], first["detected_type"]) == (
        "confirmed",
        "out_of_store",
        "stall",
    )
    assert (second["status"], second["reviewed_type"]) == ("dispatched", "clutter")
    assert first["model"] == MODEL and first["software"]["streetorder"]
    assert scene["camera"] == "cam-a" and not scene["negative"]

    negative = images[(keys["t3"],)]
    assert negative["negative"] and negative["labels"] == []
    assert negative["tickets"][0]["reject_reason"] == "false_detection"
    assert (out / negative["image"]).stat().st_nlink == 1  # a copy: evidence is never linked
    evidence = data_dir / "evidence" / "cam-b-t3" / "frame.jpg"
    assert (out / negative["image"]).read_bytes() == evidence.read_bytes()

    summary = json.loads((out / "dataset.json").read_text())
    assert (summary["tickets"], summary["same_scene"]) == (5, 1)
    assert sum(summary["negatives"].values()) == 1 and sum(summary["boxes"].values()) == 3
    assert summary["skipped"] == [
        {"ticket": keys["t7"], "why": "evidence does not match its recorded manifest hash"}
    ]
    data = (out / "data.yaml").read_text()
    assert f"# dataset sha256: {summary['dataset_sha256']}" in data
    assert list(yaml.safe_load(data)["names"].values()) == list(load_taxonomy().violation_codes)
    assert summary["dataset_sha256"] in printed

    # The same decisions give the same dataset; --since leaves the old ticket out.
    again = tmp_path / "again"
    export(url, data_dir, again)
    assert (
        json.loads((again / "dataset.json").read_text())["dataset_sha256"]
        == summary["dataset_sha256"]
    )
    recent = tmp_path / "recent"
    export(url, data_dir, recent, "--since", (NOW - timedelta(days=10)).date().isoformat())
    assert set(provenance(recent)) == {(keys["t1"], keys["t2"]), (keys["t3"],)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01", datetime(2025, 3, 1, tzinfo=UTC)),
        ("2025-03-01T08:00:00", datetime(2025, 3, 1, 8, tzinfo=UTC)),
        ("2025-03-01T08:00:00+08:00", datetime(2025, 3, 1, tzinfo=UTC)),
        (None, None),
    ],
)
def test_parse_since(text: str | None, expected: datetime | None) -> None:
    assert parse_since(text) == expected
