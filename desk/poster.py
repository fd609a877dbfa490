"""A store's QR poster for the counter: the store's name, the QR code of its deep link
(``/start s_<store id>`` binds a customer to the store) and one line saying what it is for.

The QR code is drawn by ``segno`` (a maintained, pure-Python encoder), the poster by Pillow;
Chinese names use the same CJK font as the digest's chart.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow is imported only when a poster is drawn
    from PIL.ImageDraw import ImageDraw
    from PIL.ImageFont import FreeTypeFont

WIDTH, HEIGHT = 1240, 1754  # A5 at 150 dpi: prints sharp, small enough to send in a chat
MARGIN = 80
QR_SIDE = 900


def _font(size: int) -> FreeTypeFont:
    from PIL import ImageFont

    from desk.chart import cjk_font_path  # matplotlib finds the font: loaded only here

    return ImageFont.truetype(cjk_font_path(), size)


def _fitted(draw: ImageDraw, text: str, largest: int, width: int) -> FreeTypeFont:
    """The largest font (down to a third of ``largest``) that draws ``text`` within ``width``."""
    size = largest
    while size > largest // 3:
        font = _font(size)
        if draw.textlength(text, font=font) <= width:
            return font
        size -= 4
    return _font(size)


def render(name: str, url: str, caption: str) -> bytes:
    """The poster as PNG bytes."""
    import segno
    from PIL import Image, ImageDraw

    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    modules = code.symbol_size(scale=1, border=4)[0]
    code.save(buffer, kind="png", scale=max(1, QR_SIDE // modules), border=4)
    buffer.seek(0)
    qr = Image.open(buffer).convert("RGB")
    poster = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(poster)
    inner = WIDTH - 2 * MARGIN
    title = _fitted(draw, name, 120, inner)
    draw.text((WIDTH // 2, MARGIN + 140), name, font=title, fill="black", anchor="mm")
    top = MARGIN + 300
    poster.paste(qr, ((WIDTH - qr.width) // 2, top))
    below = top + qr.height + 70
    draw.text((WIDTH // 2, below), caption, font=_fitted(draw, caption, 64, inner),
              fill="black", anchor="mm")
    draw.text((WIDTH // 2, below + 90), url, font=_fitted(draw, url, 36, inner),
              fill="#555555", anchor="mm")
    out = io.BytesIO()
    poster.save(out, format="PNG", optimize=True)
    return out.getvalue()


def write(path: Path, name: str, url: str, caption: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render(name, url, caption))
    return path
