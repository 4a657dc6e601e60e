"""Small SVG charts drawn on the server, for the reports page and the annual PDF.

No JavaScript and nothing from a CDN: each chart is one ``<svg>`` element with a ``<title>``
and a ``<desc>`` (read by screen readers) and is always shown beside its table. Series are told
apart by fill *patterns* (stripes, dots, cross-hatching) as well as by colour, every legend
entry shows its pattern, and the numbers are written on the bars, so the charts are readable
in black and white and without colour vision. The colours are the Okabe–Ito palette, chosen
to stay distinct for the common colour-vision deficiencies.

Only presentation attributes are used (no ``<style>``, no ``style=""``), so a strict
Content-Security-Policy does not affect the charts, and WeasyPrint draws them the same way.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"'
INK = "#1a1a1a"
GRID = "#c8c8c8"

# (colour, pattern drawn over it in black). Okabe–Ito, then grey.
_STYLES = (
    ("#56B4E9", "diagonal"),
    ("#E69F00", "dots"),
    ("#009E73", "horizontal"),
    ("#F0E442", "crosshatch"),
    ("#0072B2", "none"),
    ("#D55E00", "vertical"),
    ("#CC79A7", "backdiagonal"),
    ("#999999", "grid"),
)
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | int | None]


def _num(value: float) -> str:
    """A coordinate, short: 12, 12.5."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _pattern(pid: str, colour: str, kind: str) -> str:
    size = 7
    marks = {
        "diagonal": f'<path d="M-1,1 l2,-2 M0,{size} l{size},-{size} M{size - 1},{size + 1} '
                    f'l2,-2" stroke="{INK}" stroke-width="1.2"/>',
        "backdiagonal": f'<path d="M-1,{size - 1} l2,2 M0,0 l{size},{size} M{size - 1},-1 l2,2"'
                        f' stroke="{INK}" stroke-width="1.2"/>',
        "dots": f'<circle cx="3.5" cy="3.5" r="1.4" fill="{INK}"/>',
        "horizontal": f'<path d="M0,3.5 h{size}" stroke="{INK}" stroke-width="1.2"/>',
        "vertical": f'<path d="M3.5,0 v{size}" stroke="{INK}" stroke-width="1.2"/>',
        "crosshatch": f'<path d="M0,0 l{size},{size} M{size},0 l-{size},{size}" stroke="{INK}"'
                      f' stroke-width="0.9"/>',
        "grid": f'<path d="M0,3.5 h{size} M3.5,0 v{size}" stroke="{INK}" stroke-width="0.8"/>',
        "none": "",
    }[kind]
    return (f'<pattern id="{pid}" width="{size}" height="{size}" patternUnits="userSpaceOnUse">'
            f'<rect width="{size}" height="{size}" fill="{colour}"/>{marks}</pattern>')


def _defs(prefix: str, count: int) -> tuple[str, list[str]]:
    fills, patterns = [], []
    for index in range(count):
        colour, kind = _STYLES[index % len(_STYLES)]
        pid = f"{prefix}-p{index}"
        patterns.append(_pattern(pid, colour, kind))
        fills.append(f"url(#{pid})")
    return "<defs>" + "".join(patterns) + "</defs>", fills


def _open(prefix: str, width: float, height: float, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        f'width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" '
        f'aria-labelledby="{prefix}-t {prefix}-d">'
        f'<title id="{prefix}-t">{escape(title)}</title>'
        f'<desc id="{prefix}-d">{escape(desc)}</desc>'
    )


def _text(x: float, y: float, text: str, *, size: int = 11, anchor: str = "start",
          weight: str = "normal", fill: str = INK) -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" {FONT} font-size="{size}" '
            f'text-anchor="{anchor}" font-weight="{weight}" fill="{fill}">'
            f"{escape(text)}</text>")


def _label(x: float, y: float, text: str) -> str:
    """A number centred on (x, y) on a white box, legible on any pattern (WeasyPrint has no
    ``paint-order``, so no outlined text)."""
    width = 6.2 * len(text) + 4
    return (f'<rect x="{_num(x - width / 2)}" y="{_num(y - 6)}" width="{_num(width)}" '
            f'height="12" rx="2" fill="#ffffff" fill-opacity="0.9"/>'
            + _text(x, y + 4, text, size=10, anchor="middle"))


def _nice_max(value: float) -> float:
    """The top of the scale: four grid steps of a whole 1, 2, 2.5 or 5 × 10ⁿ, so that the
    grid lines of a chart of counts fall on whole numbers (at least 4)."""
    if value <= 4:
        return 4
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        tick = step * magnitude
        if tick >= raw and tick == int(tick):
            return 4 * tick
    return 40 * magnitude  # pragma: no cover


def _legend(x: float, y: float, labels: Sequence[str], fills: Sequence[str],
            width: float) -> tuple[str, float]:
    """Legend entries (swatch with the pattern, then the label), wrapped to ``width``.
    Returns the markup and its height."""
    parts, cx, cy = [], x, y
    for label, fill in zip(labels, fills, strict=True):
        item_width = 22 + 6.5 * len(label) + 14
        if cx > x and cx + item_width > x + width:
            cx, cy = x, cy + 20
        parts.append(f'<rect x="{_num(cx)}" y="{_num(cy)}" width="16" height="14" '
                     f'fill="{fill}" stroke="{INK}" stroke-width="0.8"/>')
        parts.append(_text(cx + 22, cy + 11, label))
        cx += item_width
    return "".join(parts), cy - y + 20


def stacked_bars(categories: Sequence[str], series: Sequence[Series], *, title: str,
                 desc: str, width: int = 760) -> SafeString:
    """Vertical stacked bars, one bar per category (e.g. month), one segment per series.

    Each segment carries its pattern and, where it is tall enough, its number; each bar has
    its total above it."""
    prefix = f"chart{next(_ids)}"
    defs, fills = _defs(prefix, len(series))
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(categories))]
    top = _nice_max(max(totals, default=0))
    left, right, plot_top, plot_height = 44, 10, 18, 220
    plot_width = width - left - right
    legend, legend_height = _legend(left, plot_top + plot_height + 40,
                                    [s.label for s in series], fills, plot_width)
    height = plot_top + plot_height + 40 + legend_height + 6
    out = [_open(prefix, width, height, title, desc), defs]
    # Axis with four grid lines.
    for step in range(5):
        value = top * step / 4
        y = plot_top + plot_height - plot_height * step / 4
        out.append(f'<line x1="{left}" x2="{left + plot_width}" y1="{_num(y)}" y2="{_num(y)}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(_text(left - 6, y + 4, _num(value), size=10, anchor="end"))
    count = max(len(categories), 1)
    slot = plot_width / count
    bar = max(min(slot * 0.7, 48), 2)
    label_every = max(1, int(36 // slot) + 1) if slot < 36 else 1
    for index, category in enumerate(categories):
        x = left + slot * index + (slot - bar) / 2
        y = plot_top + plot_height
        for s_index, s in enumerate(series):
            value = s.values[index] or 0
            if not value:
                continue
            h = plot_height * value / top
            y -= h
            out.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(bar)}" '
                       f'height="{_num(h)}" fill="{fills[s_index]}" stroke="#ffffff" '
                       f'stroke-width="0.8"><title>{escape(category)}, {escape(s.label)}: '
                       f"{value}</title></rect>")
            if h >= 14 and bar >= 6.2 * len(str(value)) + 4:
                out.append(_label(x + bar / 2, y + h / 2, str(value)))
        if totals[index]:
            out.append(_text(x + bar / 2, y - 4, str(totals[index]), size=10, anchor="middle",
                             weight="bold"))
        if index % label_every == 0:
            out.append(_text(x + bar / 2, plot_top + plot_height + 16, category, size=10,
                             anchor="middle"))
    out.append(f'<line x1="{left}" x2="{left + plot_width}" y1="{plot_top + plot_height}" '
               f'y2="{plot_top + plot_height}" stroke="{INK}" stroke-width="1"/>')
    out.append(legend)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above went through escape()


def bars(labels: Sequence[str], series: Sequence[Series], *, title: str, desc: str,
         fmt: Callable[[float], str] = str, maximum: float | None = None,
         width: int = 760) -> SafeString:
    """Horizontal bars: one group per label, one bar per series (with its pattern), each with
    its value written after it. ``maximum`` fixes the scale (e.g. 100 for percentages)."""
    prefix = f"chart{next(_ids)}"
    defs, fills = _defs(prefix, len(series))
    values = [v for s in series for v in s.values if v is not None]
    top = maximum or _nice_max(max(values, default=0))
    label_width = min(max((len(label) for label in labels), default=4) * 6.4 + 12, 300)
    left, right = label_width, 64
    plot_width = width - left - right
    bar_height, gap = 15, 9
    group_height = bar_height * len(series) + gap
    plot_top = 6
    plot_height = group_height * max(len(labels), 1)
    legend, legend_height = ("", 0.0)
    if len(series) > 1:
        legend, legend_height = _legend(left, plot_top + plot_height + 8,
                                        [s.label for s in series], fills, plot_width)
        legend_height += 8
    height = plot_top + plot_height + legend_height + 6
    out = [_open(prefix, width, height, title, desc), defs]
    for step in range(5):
        x = left + plot_width * step / 4
        out.append(f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{plot_top}" '
                   f'y2="{_num(plot_top + plot_height)}" stroke="{GRID}" stroke-width="1"/>')
    for index, label in enumerate(labels):
        y0 = plot_top + group_height * index + gap / 2
        out.append(_text(left - 8, y0 + group_height / 2 - gap / 2 + 4, label, anchor="end"))
        for s_index, s in enumerate(series):
            value = s.values[index]
            y = y0 + bar_height * s_index
            w = plot_width * (value or 0) / top if top else 0
            if w:
                out.append(f'<rect x="{left}" y="{_num(y)}" width="{_num(w)}" '
                           f'height="{bar_height - 2}" fill="{fills[s_index]}" stroke="{INK}" '
                           f'stroke-width="0.6"><title>{escape(label)}, {escape(s.label)}: '
                           f"{escape(fmt(value))}</title></rect>")
            shown = "–" if value is None else fmt(value)
            out.append(_text(left + w + 5, y + bar_height - 4, shown, size=10))
    out.append(f'<line x1="{left}" x2="{left}" y1="{plot_top}" '
               f'y2="{_num(plot_top + plot_height)}" stroke="{INK}" stroke-width="1"/>')
    out.append(legend)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above went through escape()
