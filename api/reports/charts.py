"""Bar charts as inline SVG text (pure): reports draw targets against actuals, tickets by type
and the spread of rectification times with it. WeasyPrint and browsers both render it, and
nothing is fetched from anywhere.

Every bar is a ``<rect class="bar" data-value="…">`` whose height is proportional to its
value (the tallest bar, or the target line when it is higher, fills the plot's height).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

BAR_COLOUR = "#2b6cb0"
SHORT_COLOUR = "#c53030"
"""A bar below the chart's target."""
TARGET_COLOUR = "#dd6b20"
LABEL_CHARS = 14
"""Longer labels are cut (with …) so that they stay under their bar."""


@dataclass(frozen=True)
class Bar:
    label: str
    value: float


@dataclass(frozen=True)
class Layout:
    width: int = 640
    height: int = 220
    top: int = 28
    bottom: int = 40
    left: int = 36
    right: int = 12

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def bar_heights(values: Sequence[float], plot_height: float, target: float | None) -> list[float]:
    """Each value's bar height: proportional, the largest of the values and ``target`` filling
    ``plot_height``; negative values draw as 0."""
    top = max([*values, target or 0.0, 0.0])
    if top <= 0:
        return [0.0 for _ in values]
    return [max(value, 0.0) / top * plot_height for value in values]


def _bars(bars: Sequence[Bar], target: float | None, layout: Layout) -> list[str]:
    heights = bar_heights([bar.value for bar in bars], layout.plot_height, target)
    slot = layout.plot_width / len(bars)
    width = max(slot * 0.6, 1.0)
    base = layout.top + layout.plot_height
    parts = []
    for index, (bar, height) in enumerate(zip(bars, heights, strict=True)):
        x = layout.left + index * slot + (slot - width) / 2
        centre = x + width / 2
        short = target is not None and bar.value < target
        parts.append(
            f'<rect class="bar" data-value="{bar.value:g}" x="{x:.2f}" y="{base - height:.2f}" '
            f'width="{width:.2f}" height="{height:.2f}" '
            f'fill="{SHORT_COLOUR if short else BAR_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{centre:.2f}" y="{base - height - 3:.2f}" text-anchor="middle" '
            f'font-size="10">{_number(bar.value)}</text>'
        )
        parts.append(
            f'<text x="{centre:.2f}" y="{base + 14:.2f}" text-anchor="middle" '
            f'font-size="10">{escape(_label(bar.label))}</text>'
        )
    return parts


def _target(target: float, bars: Sequence[Bar], layout: Layout, caption: str) -> list[str]:
    # The line sits where a bar of value ``target`` would end.
    height = bar_heights([*(bar.value for bar in bars), target], layout.plot_height, target)[-1]
    y = layout.top + layout.plot_height - height
    end = layout.left + layout.plot_width
    return [
        f'<line class="target" x1="{layout.left}" y1="{y:.2f}" x2="{end}" y2="{y:.2f}" '
        f'stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="6 3"/>',
        f'<text x="{end:.2f}" y="{y - 4:.2f}" text-anchor="end" font-size="10" '
        f'fill="{TARGET_COLOUR}">{escape(caption)} {_number(target)}</text>',
    ]


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    target: float | None = None,
    target_caption: str = "目标",
    empty_caption: str = "无数据",
    layout: Layout | None = None,
) -> str:
    """An ``<svg>`` with one bar per item (in order), its value above and its label below,
    and a dashed line at ``target`` when given (bars below it are drawn in red)."""
    layout = layout or Layout()
    base = layout.top + layout.plot_height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{layout.width}" '
        f'height="{layout.height}" viewBox="0 0 {layout.width} {layout.height}" '
        f'role="img" aria-label={quoteattr(title)}>',
        f'<rect x="0" y="0" width="{layout.width}" height="{layout.height}" fill="#ffffff"/>',
        f'<text x="{layout.left}" y="16" font-size="12" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{layout.left}" y1="{base}" x2="{layout.left + layout.plot_width}" '
        f'y2="{base}" stroke="#4a5568" stroke-width="1"/>',
    ]
    if bars:
        parts.extend(_bars(bars, target, layout))
        if target is not None:
            parts.extend(_target(target, bars, layout, target_caption))
    else:
        parts.append(
            f'<text x="{layout.width / 2:.2f}" y="{layout.top + layout.plot_height / 2:.2f}" '
            f'text-anchor="middle" font-size="12" fill="#718096">{escape(empty_caption)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
