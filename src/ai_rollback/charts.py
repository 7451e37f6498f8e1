"""Inline SVG charts for the HTML report (pure: numbers in, SVG markup out; every text escaped).

Drawn here rather than by a charting library: the report must be one file
that needs no network and no script from elsewhere, and three kinds of chart
(bars per release, stacked bars per release, horizontal bars) are a few dozen
lines each.  Labels are set in a monospace face so their width is known in
advance: the margins are computed to hold the longest one, and nothing is
clipped whether there is one release or two hundred.  Colours come from CSS
classes (the page's light and dark themes and print set them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

CHAR = 6.6  # width of one character of the 11px monospace labels, a little more than it is
FONT = 11
PALETTE = 8  # colour classes c0..c7 (the page's CSS), the last for "other"


def _label_room(labels: Sequence[str]) -> tuple[float, float]:
    """Bottom and left margins for x labels turned 45 degrees."""
    longest = max((len(t) for t in labels), default=0) * CHAR
    return 16 + longest * math.sqrt(0.5) + FONT, 8 + longest * math.sqrt(0.5)


def _step(count: int, width: float) -> int:
    """Label every ``step``-th bar so that labels do not overlap (about 14px apart)."""
    return max(1, math.ceil(count * 14 / max(width, 1)))


def labelled(count: int, width: float) -> set[int]:
    """The bars that get a label: every ``step``-th, and the last (the newest release) always,
    in place of the one before it where that one would be closer than ``step`` bars."""
    step = _step(count, width)
    marks = set(range(0, count, step))
    if count:
        last = count - 1
        if last not in marks:
            marks.discard(last - last % step if last - last % step else -1)
            marks.add(last)
    return marks


def _percent_axis(left: float, top: float, width: float, height: float) -> list[str]:
    out = []
    for tick in (0, 25, 50, 75, 100):
        y = top + height - height * tick / 100
        out.append(f'<line class="grid" x1="{left:.1f}" x2="{left + width:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick" x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end">{tick}%</text>')
    return out


def share_bars(chart_id: str, title: str, labels: Sequence[str], shares: Sequence[float | None]) -> str:
    """One bar per label (a release): its share, 0 to 1; None is drawn as "no data" (no bar)."""
    count = len(labels)
    bottom, left_need = _label_room(labels)
    left = max(44.0, left_need)
    width = max(560.0, min(1000.0, count * 22.0))
    height = 180.0
    top = 12.0
    slot = width / max(count, 1)
    bar = max(1.0, min(28.0, slot * 0.7))
    marks = labelled(count, width)
    total_w, total_h = left + width + 12, top + height + bottom
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" role="img" viewBox="0 0 {total_w:.0f} {total_h:.0f}" '
        f'width="{total_w:.0f}" height="{total_h:.0f}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        *_percent_axis(left, top, width, height),
    ]
    for i, (label, share) in enumerate(zip(labels, shares, strict=True)):
        x = left + i * slot + (slot - bar) / 2
        value = 0.0 if share is None else max(0.0, min(1.0, share))
        h = height * value
        shown = "no data" if share is None else f"{value:.1%}"
        parts.append(
            f'<rect class="bar" data-release="{escape(label)}" data-value="{value:.4f}" x="{x:.1f}" '
            f'y="{top + height - h:.1f}" width="{bar:.1f}" height="{h:.1f}">'
            f"<title>{escape(label)}: {shown}</title></rect>"
        )
        if i in marks:
            cx, cy = x + bar / 2, top + height + 14
            parts.append(
                f'<text class="label" x="{cx:.1f}" y="{cy:.1f}" text-anchor="end" '
                f'transform="rotate(-45 {cx:.1f} {cy:.1f})">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    stacks: Sequence[Mapping[str, int]],
    names: Sequence[str],
) -> str:
    """One stacked bar per label: the counts of ``names`` (in that order, colours c0..); a legend."""
    count = len(labels)
    bottom, left_need = _label_room(labels)
    left = max(44.0, left_need)
    width = max(560.0, min(1000.0, count * 22.0))
    height = 180.0
    top = 12.0
    slot = width / max(count, 1)
    bar = max(1.0, min(28.0, slot * 0.7))
    marks = labelled(count, width)
    peak = max((sum(s.values()) for s in stacks), default=0) or 1
    legend_rows = math.ceil(len(names) / 3)
    total_w, total_h = left + width + 12, top + height + bottom + legend_rows * 18 + 6
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" role="img" viewBox="0 0 {total_w:.0f} {total_h:.0f}" '
        f'width="{total_w:.0f}" height="{total_h:.0f}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for value in sorted({0, peak // 2, peak}):  # whole counts, each drawn where it is
        y = top + height - height * value / peak
        parts.append(
            f'<line class="grid" x1="{left:.1f}" x2="{left + width:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end">{value}</text>'
        )
    for i, (label, stack) in enumerate(zip(labels, stacks, strict=True)):
        x = left + i * slot + (slot - bar) / 2
        y = top + height
        parts.append(f'<g class="stack" data-release="{escape(label)}">')
        for k, name in enumerate(names):
            n = stack.get(name, 0)
            if not n:
                continue
            h = height * n / peak
            y -= h
            parts.append(
                f'<rect class="c{min(k, PALETTE - 1)}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}"><title>{escape(label)}: {escape(name)} {n}</title></rect>'
            )
        parts.append("</g>")
        if i in marks:
            cx, cy = x + bar / 2, top + height + 14
            parts.append(
                f'<text class="label" x="{cx:.1f}" y="{cy:.1f}" text-anchor="end" '
                f'transform="rotate(-45 {cx:.1f} {cy:.1f})">{escape(label)}</text>'
            )
    column = (total_w - 16) / 3
    for k, name in enumerate(names):
        lx = 8 + (k % 3) * column
        ly = top + height + bottom + (k // 3) * 18
        shown = (
            name if len(name) * CHAR <= column - 24 else name[: max(1, int((column - 24) / CHAR) - 1)] + "…"
        )
        parts.append(
            f'<rect class="c{min(k, PALETTE - 1)}" x="{lx:.1f}" y="{ly:.1f}" width="10" height="10"/>'
            f'<text class="legend" x="{lx + 14:.1f}" y="{ly + 9:.1f}">{escape(shown)}<title>{escape(name)}'
            "</title></text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def ranked_bars(chart_id: str, title: str, items: Sequence[tuple[str, int]], limit_chars: int = 60) -> str:
    """Horizontal bars, longest first: ``(name, count)``; long names are cut in the middle."""
    shown = [(middle(name, limit_chars), name, n) for name, n in items]
    left = 12 + max((len(s) for s, _, _ in shown), default=0) * CHAR
    width, row = 360.0, 18
    peak = max((n for _, _, n in shown), default=0) or 1
    total_w, total_h = left + width + 60, 8 + row * len(shown)
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" role="img" viewBox="0 0 {total_w:.0f} {total_h:.0f}" '
        f'width="{total_w:.0f}" height="{total_h:.0f}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, full, n) in enumerate(shown):
        y = 4 + i * row
        w = max(1.0, width * n / peak)
        parts.append(
            f'<text class="label" x="{left - 6:.1f}" y="{y + 12:.1f}" text-anchor="end">{escape(label)}'
            f"<title>{escape(full)}</title></text>"
            f'<rect class="bar" x="{left:.1f}" y="{y + 2:.1f}" width="{w:.1f}" height="{row - 5}"/>'
            f'<text class="tick" x="{left + w + 4:.1f}" y="{y + 12:.1f}">{n}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def middle(text: str, limit: int) -> str:
    """``text`` cut in the middle to at most ``limit`` characters (a path keeps both ends)."""
    if len(text) <= limit:
        return text
    keep = (limit - 1) // 2
    return text[:keep] + "…" + text[-(limit - 1 - keep) :]
