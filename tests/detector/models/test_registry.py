"""Model cards (front matter) and `streetorder models list|verify` against a models folder."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from detector.analyzers.objects.classmap import COCO_ROLES, FACADE_CLASS_MAP
from detector.models import (
    CardError,
    check_weights,
    dataset_sha256,
    load_card,
    load_cards,
    models_dir,
    parse_card,
)
from tests.detector.cli.test_cli import streetorder
from tests.factories import REPO_ROOT, SHARED

CARDS = REPO_ROOT / "models"


def card_fields(name: str, weights: bytes) -> dict[str, Any]:
    """A complete card's front matter for a weights file with these bytes."""
    return {
        "name": name,
        "file": f"{name}.pt",
        "sha256": hashlib.sha256(weights).hexdigest(),
        "size": len(weights),
        "classes": {"stall": "stall", "person": "person", "kite": None},
        "training_data": {"description": "tests", "sha256": "0" * 64},
        "metrics": {
            "dataset": "val",
            "imgsz": 640,
            "map50": 0.5,
            "map50_95": 0.3,
            "source": "streetorder eval",
        },
        "thresholds": {"min_confidence": 0.3, "iou_threshold": 0.45, "imgsz": 640},
        "source": "trained here",
        "licence": "AGPL-3.0",
    }


def card_text(fields: dict[str, Any]) -> str:
    return f"---\n{yaml.safe_dump(fields, sort_keys=False)}---\n# {fields.get('name')}\n\nProse.\n"


def test_the_repository_cards_parse_and_name_their_class_maps() -> None:
    cards = {card.name: card for card in load_cards(CARDS)}
    assert sorted(cards) == ["facades_yolov5n", "yolov5n_coco"]
    coco = cards["yolov5n_coco"]
    assert len(coco.classes) == 80
    assert list(coco.classes)[:2] == ["person", "bicycle"]
    assert coco.class_map() == dict(COCO_ROLES)
    assert coco.training_data.sha256 is None
    facades = cards["facades_yolov5n"]
    assert facades.class_map() == dict(FACADE_CLASS_MAP)
    assert facades.training_data.sha256 is not None


def test_a_complete_card_parses() -> None:
    card = parse_card(card_text(card_fields("facades", b"w")), "facades.md")
    assert card.class_map() == {"stall": "stall", "person": "person"}
    assert card.thresholds.min_confidence == 0.3


def _without(fields: dict[str, Any], dotted: str) -> dict[str, Any]:
    head, _, rest = dotted.partition(".")
    if not rest:
        return {key: value for key, value in fields.items() if key != head}
    return {**fields, head: _without(fields[head], rest)}


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda f: _without(f, "sha256"), "card.md: missing field 'sha256'"),
        (lambda f: _without(f, "classes"), "card.md: missing field 'classes'"),
        (lambda f: _without(f, "metrics.map50"), "card.md: missing field 'metrics.map50'"),
        (
            lambda f: _without(f, "training_data.sha256"),
            "card.md: missing field 'training_data.sha256'",
        ),
        (lambda f: {**f, "owner": "x"}, "card.md: unknown field 'owner'"),
        (lambda f: {**f, "sha256": "abc"}, "card.md: field 'sha256': String should match"),
        (
            lambda f: {**f, "classes": {"stall": "kiosk"}},
            "card.md: field 'classes.stall': Input should be",
        ),
    ],
)
def test_an_incomplete_card_is_a_one_line_error_naming_card_and_field(
    edit: Any, expected: str
) -> None:
    with pytest.raises(CardError) as caught:
        parse_card(card_text(edit(card_fields("card", b"w"))), "card.md")
    message = str(caught.value)
    assert message.startswith(expected), message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# no front matter\n", "card.md: no front matter"),
        ("---\nname: [unclosed\n---\n", "card.md: front matter is not valid YAML at line"),
        ("---\n- a list\n---\n", "card.md: front matter must be a mapping"),
        ("---\nname: x\n", "card.md: no front matter"),  # never closed
    ],
)
def test_a_card_without_usable_front_matter_is_refused(text: str, expected: str) -> None:
    with pytest.raises(CardError, match="^" + expected):
        parse_card(text, "card.md")


def test_the_card_name_must_be_its_file_stem(tmp_path: Path) -> None:
    path = tmp_path / "other.md"
    path.write_text(card_text(card_fields("facades", b"w")))
    with pytest.raises(CardError, match="field 'name' is 'facades', the card file says 'other'"):
        load_card(path)


@pytest.fixture
def registry(tmp_path: Path) -> tuple[Path, Path]:
    """Three cards: ``good`` (intact), ``gone`` (no file), ``edited`` (same size, new bytes)."""
    cards, weights = tmp_path / "cards", tmp_path / "weights"
    cards.mkdir()
    weights.mkdir()
    (cards / "README.md").write_text("# not a card\n")
    for name in ("good", "gone", "edited"):
        (cards / f"{name}.md").write_text(card_text(card_fields(name, f"{name}-w".encode())))
    (weights / "good.pt").write_bytes(b"good-w")
    (weights / "edited.pt").write_bytes(b"edited-w, edited")  # longer: the size differs
    return cards, weights


def test_weights_are_checked_by_size_then_hash(registry: tuple[Path, Path]) -> None:
    cards, weights = registry
    status = {card.name: check_weights(card, weights) for card in load_cards(cards)}
    assert status["good"].hash_ok and status["good"].problem is None
    assert not status["gone"].present
    assert status["gone"].problem == f"gone: {weights / 'gone.pt'}: missing"
    edited_pt = weights / "edited.pt"
    assert status["edited"].problem == f"edited: {edited_pt}: changed: 16 bytes, the card says 8"
    (weights / "edited.pt").write_bytes(b"edited-W")  # same size as the card's, other bytes
    edited = check_weights(load_card(cards / "edited.md"), weights)
    assert edited.present and not edited.hash_ok
    assert str(edited.problem).startswith(f"edited: {edited_pt}: changed: SHA-256 ")


def test_models_verify_prints_one_line_per_problem_and_exits_1(
    registry: tuple[Path, Path],
) -> None:
    cards, weights = registry
    result = streetorder("models", "verify", "--cards", str(cards), "--models-dir", str(weights))
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 2, result.stdout
    assert lines[0].startswith("edited: ") and ": changed: " in lines[0]
    assert lines[1] == f"gone: {weights / 'gone.pt'}: missing"
    one = streetorder(
        "models", "verify", "good", "--cards", str(cards), "--models-dir", str(weights)
    )
    assert one.returncode == 0, one.stdout + one.stderr
    assert "ok: 1 weights files" in one.stdout


def test_models_list_shows_every_card_and_reads_the_environment(
    registry: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cards, weights = registry
    monkeypatch.setenv("STREETORDER_MODELS_DIR", str(weights))
    result = streetorder("models", "list", "--cards", str(cards))
    assert result.returncode == 0, result.stderr
    rows = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("│")}
    assert set(rows) == {"good", "gone", "edited"}
    assert (
        rows["good"].split("│")[3].strip() == "yes" and rows["good"].split("│")[4].strip() == "yes"
    )
    assert rows["gone"].split("│")[3].strip() == "no"
    assert rows["edited"].split("│")[4].strip() == "no"


def test_the_models_directory_option_beats_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STREETORDER_MODELS_DIR", raising=False)
    assert models_dir() == Path("var/models")
    monkeypatch.setenv("STREETORDER_MODELS_DIR", "/data/models")
    assert models_dir() == Path("/data/models")
    assert models_dir(Path("here")) == Path("here")


def test_the_dataset_hash_follows_contents_not_order_or_caches(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.jpg").write_bytes(b"a")
    (tmp_path / "data.yaml").write_text("names: [x]\n")
    first = dataset_sha256(tmp_path)
    (tmp_path / "labels.cache").write_bytes(b"cache")
    (tmp_path / ".hidden").write_bytes(b"h")
    assert dataset_sha256(tmp_path) == first
    (tmp_path / "images" / "a.jpg").write_bytes(b"b")
    assert dataset_sha256(tmp_path) != first


def test_the_shared_coco_checkpoint_matches_its_card() -> None:
    if not (SHARED / "models" / "yolov5n_coco.pt").is_file():
        pytest.skip("../shared/models is absent")
    card = load_card(CARDS / "yolov5n_coco.md")
    status = check_weights(card, SHARED / "models")
    assert status.problem is None
