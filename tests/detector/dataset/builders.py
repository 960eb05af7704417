"""Tiny generated images, YOLO datasets and annotation exports for the dataset tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 100, 50
"""The known box of every export: x 10..30, y 5..25 pixels of a 100 × 50 image."""
BOX_XYXY = (10.0, 5.0, 30.0, 25.0)
EXPECTED_LINE = "0 0.200000 0.300000 0.200000 0.400000"


def write_image(path: Path, seed: int, width: int = WIDTH, height: int = HEIGHT) -> Path:
    """A PNG whose content depends on ``seed`` only (so equal seeds make duplicates)."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), image)
    return path


def yolo_dataset(
    root: Path,
    images: Mapping[str, Mapping[str, str | None]],
    names: tuple[str, ...] = ("stall", "clutter"),
) -> Path:
    """``images`` maps split → {file name: label text (None: no label file)}; the image's
    content comes from a seed in its name (``a-3.png`` has seed 3)."""
    for split, files in images.items():
        for name, labels in files.items():
            seed = int(Path(name).stem.rsplit("-", 1)[-1])
            write_image(root / "images" / split / name, seed)
            if labels is not None:
                label = root / "labels" / split / Path(name).with_suffix(".txt")
                label.parent.mkdir(parents=True, exist_ok=True)
                label.write_text(labels)
    for split in ("train", "val"):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
    names_yaml = "".join(f"  {index}: {name}\n" for index, name in enumerate(names))
    path = root / "data.yaml"
    path.write_text(f"train: images/train\nval: images/val\nnames:\n{names_yaml}")
    return path


def coco_export(root: Path) -> Path:
    write_image(root / "images" / "street.png", 1)
    x1, y1, x2, y2 = BOX_XYXY
    document = {
        "images": [{"id": 7, "file_name": "street.png", "width": WIDTH, "height": HEIGHT}],
        "annotations": [
            {"id": 1, "image_id": 7, "category_id": 3, "bbox": [x1, y1, x2 - x1, y2 - y1]},
            {"id": 2, "image_id": 7, "category_id": 3, "bbox": [0, 0, 50, 50], "iscrowd": 1},
        ],
        "categories": [{"id": 3, "name": "stall"}],
    }
    path = root / "annotations" / "instances_default.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(document))
    return path


def voc_export(root: Path) -> Path:
    write_image(root / "JPEGImages" / "street.png", 1)
    x1, y1, x2, y2 = BOX_XYXY
    (root / "Annotations").mkdir(parents=True)
    (root / "Annotations" / "street.xml").write_text(
        "<annotation><folder>JPEGImages</folder><filename>street.png</filename>"
        f"<size><width>{WIDTH}</width><height>{HEIGHT}</height><depth>3</depth></size>"
        "<object><name>stall</name><difficult>0</difficult><bndbox>"
        # VOC counts pixels from 1.
        f"<xmin>{x1 + 1:g}</xmin><ymin>{y1 + 1:g}</ymin><xmax>{x2:g}</xmax><ymax>{y2:g}</ymax>"
        "</bndbox></object></annotation>"
    )
    return root


def cvat_export(root: Path) -> Path:
    write_image(root / "images" / "street.png", 1)
    x1, y1, x2, y2 = BOX_XYXY
    path = root / "annotations.xml"
    path.write_text(
        "<?xml version='1.0' encoding='utf-8'?>\n<annotations><version>1.1</version>"
        "<meta><task><labels><label><name>stall</name></label></labels></task></meta>"
        f'<image id="0" name="street.png" width="{WIDTH}" height="{HEIGHT}">'
        f'<box label="stall" occluded="0" xtl="{x1}" ytl="{y1}" xbr="{x2}" ybr="{y2}" z_order="0"/>'
        '<polygon label="stall" points="1,1;2,2;3,1"/>'
        "</image></annotations>"
    )
    return path


def labelstudio_export(root: Path) -> Path:
    write_image(root / "street.png", 1)
    x1, y1, x2, y2 = BOX_XYXY
    rectangle = {
        "x": x1 / WIDTH * 100,
        "y": y1 / HEIGHT * 100,
        "width": (x2 - x1) / WIDTH * 100,
        "height": (y2 - y1) / HEIGHT * 100,
        "rotation": 0,
        "rectanglelabels": ["stall"],
    }
    result = {
        "type": "rectanglelabels",
        "value": rectangle,
        "original_width": WIDTH,
        "original_height": HEIGHT,
        "from_name": "label",
        "to_name": "image",
    }
    tasks = [
        {
            "id": 1,
            # An uploaded file: Label Studio prefixes 8 hex characters to its name.
            "data": {"image": "/data/upload/1/0a1b2c3d-street.png"},
            "annotations": [
                {"result": [], "was_cancelled": True},
                {"result": [result, {"type": "choices", "value": {"choices": ["day"]}}]},
            ],
        },
        {"id": 2, "data": {"image": "never-annotated.png"}, "annotations": []},
    ]
    path = root / "export.json"
    path.write_text(json.dumps(tasks))
    return path


def yolo_export(root: Path) -> Path:
    return yolo_dataset(root, {"train": {"street-1.png": "0 0.2 0.3 0.2 0.4\n"}}, names=("stall",))


def label_files(out: Path) -> dict[str, str]:
    """Every label file of a written dataset: 'split/name' → text."""
    return {
        f"{path.parent.name}/{path.name}": path.read_text()
        for path in sorted((out / "labels").glob("*/*.txt"))
    }
