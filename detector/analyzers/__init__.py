"""Analyzers: static change (no weights), objects (YOLO), text and posters (OCR)."""

from detector.analyzers.base import Analyzer
from detector.analyzers.detections import Detections, box_coverage, box_iou

__all__ = ["Analyzer", "Detections", "box_coverage", "box_iou"]
