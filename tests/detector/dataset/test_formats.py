"""Each export format: a known box comes out as the expected YOLO line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from detector.dataset.convert import import_export
from detector.dataset.formats import ExportFormat, parse_format, read_export
from detector.dataset.formats.labelstudio import candidate_names
from detector.dataset.model import DatasetError, box_from_xyxy, sha256_file
from tests.detector.dataset.builders import (
    EXPECTED_LINE,
    coco_export,
    cvat_export,
    label_files,
    labelstudio_export,
    voc_export,
    write_image,
    yolo_export,
)

BUILDERS: dict[ExportFormat, Callable[[Path], Path]] = {
    ExportFormat.COCO: coco_export,
    ExportFormat.VOC: voc_export,
    ExportFormat.CVAT: cvat_export,
    ExportFormat.LABELSTUDIO: labelstudio_export,
    ExportFormat.YOLO: yolo_export,
}


@pytest.mark.parametrize("kind", list(ExportFormat))
def test_an_export_round_trips_its_box_into_the_expected_yolo_line(
    kind: ExportFormat, tmp_path: Path
) -> None:
    source = BUILDERS[kind](tmp_path / "export")
    out = tmp_path / "dataset"
    report = import_export(kind, source, out, val_fraction=0.0)
    (labels,) = label_files(out).values()
    assert labels == EXPECTED_LINE + "\n"
    assert yaml.safe_load((out / "data.yaml").read_text())["names"] == {0: "stall"}
    (image,) = (out / "images" / "train").iterdir()
    # Named by content: the same bytes as the source image, under their hash.
    assert image.name == sha256_file(image)[:16] + ".png"
    assert report.images["train"] == 1


def test_every_image_lands_in_val_with_a_val_share_of_one(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    import_export(ExportFormat.COCO, coco_export(tmp_path / "export"), out, val_fraction=1.0)
    assert list(label_files(out)) and all(key.startswith("val/") for key in label_files(out))


def test_names_option_orders_the_classes_and_refuses_one_it_does_not_list(
    tmp_path: Path,
) -> None:
    source = cvat_export(tmp_path / "export")
    out = tmp_path / "dataset"
    import_export(ExportFormat.CVAT, source, out, names=["clutter", "stall"], val_fraction=0.0)
    assert yaml.safe_load((out / "data.yaml").read_text())["names"] == {0: "clutter", 1: "stall"}
    assert next(iter(label_files(out).values())).startswith("1 ")
    with pytest.raises(DatasetError, match="the source also has 'stall'"):
        import_export(ExportFormat.CVAT, source, tmp_path / "other", names=["clutter"])


def test_a_bare_yolo_folder_takes_its_names_from_the_option(tmp_path: Path) -> None:
    write_image(tmp_path / "export" / "obj_train_data" / "a.png", 1)
    (tmp_path / "export" / "obj_train_data" / "a.txt").write_text("1 0.5 0.5 2.0 0.2\n")
    imported = read_export(ExportFormat.YOLO, tmp_path / "export", ["stall", "clutter"])
    (sample,) = imported.samples
    # Normalised: the over-wide box is clipped to the image.
    assert [(box.name, box.w) for box in sample.boxes] == [("clutter", 1.0)]
    with pytest.raises(DatasetError, match="no class names"):
        read_export(ExportFormat.YOLO, tmp_path / "export")


def test_the_same_image_twice_in_an_export_is_kept_once(tmp_path: Path) -> None:
    source = coco_export(tmp_path / "export")
    write_image(source.parent.parent / "images" / "copy.png", 1)
    text = source.read_text().replace(
        '"images": [', '"images": [{"id": 8, "file_name": "copy.png", "width": 100, "height": 50}, '
    )
    source.write_text(text)
    report = import_export(ExportFormat.COCO, source, tmp_path / "dataset", val_fraction=0.0)
    assert report.images["train"] == 1 and len(report.duplicates) == 1


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("street.png", ["street.png"]),
        (
            "/data/upload/3/8f2a1b3c-street.png",
            ["/data/upload/3/8f2a1b3c-street.png", "street.png"],
        ),
        ("/data/local-files/?d=photos/a%20b.png", ["photos/a b.png", "/data/local-files/"]),
        ("http://host/img/zz-street.png", ["/img/zz-street.png"]),
    ],
)
def test_label_studio_image_references(reference: str, expected: list[str]) -> None:
    assert candidate_names(reference) == expected


@pytest.mark.parametrize(
    ("xyxy", "expected"),
    [
        ((10, 5, 30, 25), (0.2, 0.3, 0.2, 0.4)),
        ((30, 25, 10, 5), (0.2, 0.3, 0.2, 0.4)),  # corners given the other way round
        ((-10, -5, 30, 25), (0.15, 0.25, 0.3, 0.5)),  # clipped to the image
        ((120, 5, 130, 25), None),  # wholly outside
        ((10, 5, 10, 25), None),  # no width
    ],
)
def test_pixel_boxes_become_clipped_yolo_boxes(
    xyxy: tuple[float, float, float, float], expected: tuple[float, ...] | None
) -> None:
    box = box_from_xyxy("stall", *xyxy, 100, 50)
    got = None if box is None else (box.cx, box.cy, box.w, box.h)
    assert got == (None if expected is None else pytest.approx(expected))


def test_a_rotated_label_studio_box_becomes_its_upright_bounding_box(tmp_path: Path) -> None:
    source = labelstudio_export(tmp_path)
    source.write_text(source.read_text().replace('"rotation": 0', '"rotation": 90'))
    (sample, *_) = read_export(ExportFormat.LABELSTUDIO, source).samples
    (box,) = sample.boxes
    # Turned a quarter clockwise about its top-left corner (10, 5): x 0..10, y 5..25.
    assert (box.cx, box.cy, box.w, box.h) == pytest.approx((0.05, 0.3, 0.1, 0.4))


def test_an_unknown_format_is_named() -> None:
    with pytest.raises(DatasetError, match="--format 'kitti': unknown format; known: yolo"):
        parse_format("kitti")


@pytest.mark.parametrize(
    ("kind", "content", "fragment"),
    [
        (ExportFormat.COCO, "{not json", "not a JSON export"),
        (ExportFormat.COCO, '{"annotations": []}', "images: Field required"),
        (ExportFormat.LABELSTUDIO, '{"tasks": 1}', "malformed"),
        (ExportFormat.CVAT, "<annotations><image", "not an XML export"),
        (ExportFormat.CVAT, "<root/>", "no <annotations>"),
    ],
)
def test_a_malformed_export_is_one_error_naming_the_file(
    kind: ExportFormat, content: str, fragment: str, tmp_path: Path
) -> None:
    source = tmp_path / "export.xml"
    source.write_text(content)
    with pytest.raises(DatasetError, match=fragment) as raised:
        read_export(kind, source)
    assert str(source) in str(raised.value) and "\n" not in str(raised.value)
