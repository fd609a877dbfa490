"""The digest's chart: tickets per day for 14 days by kind, missed contacts marked.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, safe off the event
loop). Chinese labels need a CJK font: a system one when matplotlib finds it (Debian's
``fonts-noto-cjk``, Source Han Sans), else Noto Sans SC from the ``pylopdf-fonts-zh-cn`` wheel
(SIL OFL 1.1), a dependency so that a machine with only pip renders them too. Noto Sans SC has
every Big5 hanzi as well, so Traditional labels render with it.
"""

from __future__ import annotations

import functools
import io
import logging
from datetime import date
from typing import TYPE_CHECKING

from babel.dates import format_skeleton

from desk.i18n import Translator
from desk.models import KIND_LABELS, Kind

if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties

# matplotlib is imported where a chart is drawn (in the digest's worker process), not with this
# module: it took most of the second `import bot` cost, which `--help`, `status` and the
# container's health check paid for nothing.

log = logging.getLogger(__name__)

# System CJK families, best first: Simplified forms, then other regions' forms of the same glyphs.
SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                   "Noto Sans CJK TC", "Noto Sans TC", "Source Han Sans TC", "Noto Sans CJK JP",
                   "Source Han Sans")
# A font is only taken if it draws these: 投诉 (Simplified) and 投訴 (Traditional), the chart's
# kind labels in both scripts.
PROBE = "投诉訴单單遗遺漏"
SIZE_INCHES = (10, 5)
DPI = 100  # 1000 x 500 pixels
COLOURS = {Kind.CONTRACT: "#4C72B0", Kind.QUALITY: "#DD8452", Kind.SERVICE: "#55A868",
           Kind.INQUIRY: "#8172B3"}


def render(t: Translator, title: str, chart: list[tuple[date, dict[Kind, int], int]]) -> bytes:
    """A PNG of the stacked daily counts, with a red mark and count for missed contacts."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font = cjk_font()
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
    # The axis's AutoLocator is a MaxNLocator, which takes it; the stubs know only Locator.
    axes.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    axes.legend(prop=font, loc="upper left", fontsize="small")
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def has_glyphs(path: str, text: str = PROBE) -> bool:
    """Whether the font at ``path`` (a face of a collection too) has a glyph for every char."""
    from matplotlib import font_manager

    try:
        face = font_manager.get_font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(face.get_char_index(ord(char)) for char in text)


@functools.cache
def cjk_font_path() -> str:
    """The CJK font the chart uses: a system one that draws ``PROBE``, else the bundled one."""
    import pylopdf_fonts_zh_cn
    from matplotlib import font_manager
    from matplotlib.font_manager import FontProperties

    for family in SYSTEM_FAMILIES:
        try:
            path = font_manager.findfont(FontProperties(family=family),
                                         fallback_to_default=False)
        except ValueError:
            continue
        if has_glyphs(path):
            log.debug("chart font: %s (%s)", family, path)
            return path
    return str(pylopdf_fonts_zh_cn.sans_path())


def cjk_font() -> FontProperties:
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=cjk_font_path())


def chart_job(language: str, title: str,
              chart: list[tuple[date, dict[Kind, int], int]]) -> bytes:
    """``render`` for a worker process, which builds its own translator."""
    from desk.i18n import translator

    return render(translator(language), title, chart)
