"""The digest's chart: tickets per day for 14 days by kind, missed contacts marked.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, safe off the event
loop), with Noto Sans CJK from ``mplfonts`` so Chinese labels render on any machine.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import mplfonts
from babel.dates import format_skeleton
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from desk.i18n import Translator
from desk.models import KIND_LABELS, Kind

FONT = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
SIZE_INCHES = (10, 5)
DPI = 100  # 1000 x 500 pixels
COLOURS = {Kind.CONTRACT: "#4C72B0", Kind.QUALITY: "#DD8452", Kind.SERVICE: "#55A868",
           Kind.INQUIRY: "#8172B3"}


def render(t: Translator, title: str, chart: list[tuple[date, dict[Kind, int], int]]) -> bytes:
    """A PNG of the stacked daily counts, with a red mark and count for missed contacts."""
    font = FontProperties(fname=FONT)
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(chart)))
    bottoms = [0] * len(chart)
    for kind in Kind:
        heights = [counts[kind] for _, counts, _ in chart]
        axes.bar(positions, heights, bottom=bottoms, color=COLOURS[kind],
                 label=t.gettext(KIND_LABELS[kind]))
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    missed = [(p, bottoms[p], m) for p, (_, _, m) in enumerate(chart) if m]
    if missed:
        axes.scatter([p for p, _, _ in missed], [top + 0.4 for _, top, _ in missed],
                     marker="v", color="#C44E52", s=60, zorder=3,
                     label=t.gettext("Missed contact deadlines"))
        for p, top, m in missed:
            axes.annotate(str(m), (p, top + 0.4), textcoords="offset points", xytext=(0, 6),
                          ha="center", color="#C44E52", fontproperties=font)
    axes.set_xticks(positions)
    axes.set_xticklabels([format_skeleton("Md", d, locale=t.locale) for d, _, _ in chart],
                         fontproperties=font)
    axes.set_ylabel(t.gettext("Tickets"), fontproperties=font)
    axes.set_title(title, fontproperties=font)
    axes.set_ylim(0, max([*bottoms, 1]) + 1.5)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(prop=font, loc="upper left", fontsize="small")
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_job(language: str, title: str,
              chart: list[tuple[date, dict[Kind, int], int]]) -> bytes:
    """``render`` for a worker process, which builds its own translator."""
    from desk.i18n import translator

    return render(translator(language), title, chart)
