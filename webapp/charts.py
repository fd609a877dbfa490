"""Charts for the desk page, drawn on the server as small SVG: nothing to fetch at run time, and
the page's theme colours apply through CSS classes (``.bar``, ``.bar-alt``, ``.chart-text``).

Every label is escaped: technicians' names come from the config, products from customers.
"""

from __future__ import annotations

from datetime import date
from html import escape

WIDTH = 340  # fits a 360 px phone screen with the page's margins
ROW = 40
VALUE_WIDTH = 96


def _text(x: float, y: float, text: str, *, anchor: str = "start", css: str = "chart-text"
          ) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css}">'
            f"{escape(text)}</text>")


def _clip(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def bars(title: str, rows: list[tuple[str, float | None, str]],
         maximum: float | None = None) -> str:
    """A bar per row, its label above it (any language's label fits): (label, value or None
    for "no figure", value as shown)."""
    values = [v for _, v, _ in rows if v is not None]
    top = maximum or max(values, default=0) or 1
    span = WIDTH - VALUE_WIDTH
    height = ROW * len(rows) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}'
             "</title>"]
    for index, (label, value, shown) in enumerate(rows):
        y = index * ROW
        parts.append(_text(0, y + 14, _clip(label)))
        parts.append(f'<rect class="bar-track" x="0" y="{y + 20}" width="{span}" '
                     'height="12" rx="3"/>')
        if value:
            width = max(2.0, min(value / top, 1.0) * span)
            parts.append(f'<rect class="bar" x="0" y="{y + 20}" width="{width:.1f}" '
                         'height="12" rx="3"/>')
        parts.append(_text(WIDTH, y + 31, shown, anchor="end"))
    parts.append("</svg>")
    return "".join(parts)


def daily(title: str, days: list[tuple[date, int, int]], first_label: str,
          last_label: str) -> str:
    """A column per day: new tickets, with the day's missed deadlines over them."""
    height, top_pad, bottom = 130, 16, 22
    area = height - top_pad - bottom
    peak = max((max(n, m) for _, n, m in days), default=0) or 1
    step = (WIDTH - 24) / max(len(days), 1)
    gap = min(2.0, step * 0.25)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}'
             "</title>",
             _text(0, 11, str(peak)),
             f'<line class="axis" x1="24" y1="{top_pad + area}" x2="{WIDTH}" '
             f'y2="{top_pad + area}"/>']
    for index, (_day, new, missed) in enumerate(days):
        x = 24 + index * step
        for value, css in ((new, "bar"), (missed, "bar-alt")):
            if value:
                h = value / peak * area
                parts.append(f'<rect class="{css}" x="{x + gap / 2:.1f}" '
                             f'y="{top_pad + area - h:.1f}" width="{step - gap:.1f}" '
                             f'height="{h:.1f}"/>')
    parts.append(_text(24, height - 6, first_label))
    parts.append(_text(WIDTH, height - 6, last_label, anchor="end"))
    parts.append("</svg>")
    return "".join(parts)
