"""Weights-free static-change analysis: long- versus short-term background models."""

from detector.analyzers.static_change.analyzer import StaticChangeAnalyzer
from detector.analyzers.static_change.config import StaticChangeConfig

__all__ = ["StaticChangeAnalyzer", "StaticChangeConfig"]
