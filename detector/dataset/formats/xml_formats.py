"""The XML exports: Pascal VOC (a folder of one XML per image) and "CVAT for images 1.1"
(one XML for the whole task)."""

from __future__ import annotations

# ElementTree's expat resolves no external entities and caps entity expansion (Python
# >= 3.11 ships expat >= 2.4.1), which is what an export from an outside tool needs.
import xml.etree.ElementTree as ET
from pathlib import Path

from detector.dataset.formats.common import Imported, find_image, image_size, ordered_names
from detector.dataset.model import Box, DatasetError, Sample, Split, box_from_xyxy

CVAT_SUBSETS: dict[str, Split] = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "test",
}
"""CVAT's subset names that say which split an image belongs to; others ("default") do not."""


def _parse(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except FileNotFoundError:
        raise DatasetError(f"export {path}: file not found") from None
    except ET.ParseError as exc:
        raise DatasetError(f"{path}: not an XML export: {exc}") from None


def _number(element: ET.Element, key: str, path: Path) -> float:
    """A required number, from a child element's text or an attribute."""
    child = element.find(key)
    text = child.text if child is not None else element.get(key)
    try:
        return float(text or "")
    except ValueError:
        raise DatasetError(f"{path}: <{element.tag}> {key}: not a number ({text!r})") from None


def read_voc(folder: Path) -> Imported:
    """VOC coordinates are 1-based and inclusive, so ``xmin - 1`` is the box's left edge.
    ``difficult`` objects are kept: leaving a real object unlabelled teaches the model that
    it is background."""
    if not folder.is_dir():
        raise DatasetError(f"export {folder}: not a folder of Pascal VOC XML files")
    files = sorted(folder.rglob("*.xml"))
    if not files:
        raise DatasetError(f"export {folder}: no .xml annotation files in it")
    samples = tuple(_voc_sample(path, folder) for path in files)
    return Imported(samples, ordered_names(samples))


def _voc_sample(path: Path, root: Path) -> Sample:
    annotation = _parse(path)
    name = annotation.findtext("filename")
    if annotation.tag != "annotation" or not name:
        raise DatasetError(f"{path}: not a Pascal VOC annotation (no <filename>)")
    bases = [path.parent, path.parent.parent / "JPEGImages", root, root / "JPEGImages"]
    image = find_image(name, bases, path)
    size = annotation.find("size")
    width = _number(size, "width", path) if size is not None else 0.0
    height = _number(size, "height", path) if size is not None else 0.0
    if width <= 0 or height <= 0:
        width, height = image_size(image)
    boxes: list[Box] = []
    for obj in annotation.iter("object"):
        label, bndbox = obj.findtext("name"), obj.find("bndbox")
        if not label or bndbox is None:
            raise DatasetError(f"{path}: an <object> without <name> or <bndbox>")
        x1, y1, x2, y2 = (_number(bndbox, key, path) for key in ("xmin", "ymin", "xmax", "ymax"))
        box = box_from_xyxy(label.strip(), x1 - 1, y1 - 1, x2, y2, width, height)
        if box is not None:
            boxes.append(box)
    return Sample(image, tuple(boxes))


def read_cvat(path: Path) -> Imported:
    """``path`` is the task's ``annotations.xml`` (or the folder holding it); images are
    looked up next to it and under its ``images/`` folder. Only ``<box>`` shapes count."""
    if path.is_dir():
        path = path / "annotations.xml"
    root = _parse(path)
    if root.tag != "annotations":
        raise DatasetError(f"{path}: not a 'CVAT for images 1.1' export (no <annotations>)")
    bases = [path.parent / "images", path.parent]
    samples = []
    for element in root.iter("image"):
        name = element.get("name")
        if not name:
            raise DatasetError(f"{path}: an <image> without a name")
        image = find_image(name, bases, path)
        width, height = _number(element, "width", path), _number(element, "height", path)
        boxes = []
        for shape in element.iter("box"):
            label = shape.get("label")
            if not label:
                raise DatasetError(f"{path}: a <box> without a label in image {name!r}")
            x1, y1, x2, y2 = (_number(shape, key, path) for key in ("xtl", "ytl", "xbr", "ybr"))
            box = box_from_xyxy(label, x1, y1, x2, y2, width, height)
            if box is not None:
                boxes.append(box)
        subset = CVAT_SUBSETS.get((element.get("subset") or "").lower())
        samples.append(Sample(image, tuple(boxes), subset))
    listed = [label.findtext("name") or "" for label in root.iterfind("meta//labels/label")]
    names = tuple(dict.fromkeys(name for name in listed if name))
    return Imported(tuple(samples), names or ordered_names(samples))
