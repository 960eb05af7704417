"""Annotation exports read into samples: COCO, Pascal VOC, CVAT, Label Studio and YOLO."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

from detector.dataset.formats.coco import read_coco
from detector.dataset.formats.common import Imported
from detector.dataset.formats.labelstudio import read_labelstudio
from detector.dataset.formats.xml_formats import read_cvat, read_voc
from detector.dataset.formats.yolo_source import read_yolo
from detector.dataset.model import DatasetError


class ExportFormat(StrEnum):
    YOLO = "yolo"
    COCO = "coco"
    VOC = "voc"
    CVAT = "cvat"
    LABELSTUDIO = "labelstudio"


def parse_format(text: str) -> ExportFormat:
    try:
        return ExportFormat(text.lower())
    except ValueError:
        known = ", ".join(member.value for member in ExportFormat)
        raise DatasetError(f"--format {text!r}: unknown format; known: {known}") from None


def read_export(kind: ExportFormat, source: Path, names: Sequence[str] = ()) -> Imported:
    """The samples of an export at ``source`` (a file or a folder, as the format has it)."""
    if not source.exists():
        raise DatasetError(f"export {source}: file not found")
    if kind is ExportFormat.YOLO:
        return read_yolo(source, names)
    if kind is ExportFormat.COCO:
        return read_coco(source)
    if kind is ExportFormat.VOC:
        return read_voc(source)
    if kind is ExportFormat.CVAT:
        return read_cvat(source)
    return read_labelstudio(source)


__all__ = ["ExportFormat", "Imported", "parse_format", "read_export"]
