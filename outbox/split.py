"""Long texts: nothing is ever rejected for length.

Telegram takes at most 4,096 characters in a message and 1,024 in a caption, counted in UTF-16
code units after entities are parsed. We measure the HTML source itself, which is never
shorter than what Telegram counts, so a part that fits here fits there too. A text is split at
line boundaries; a single line longer than the limit is cut between characters, never inside
a tag or an entity; tags open at a cut are closed there and opened again in the next part.
"""

from __future__ import annotations

import re

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = "…"

_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|\n|[^<&\n]|[<&]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][\w-]*)")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _apply(stack: list[tuple[str, str]], token: str) -> list[tuple[str, str]]:
    if not token.startswith("<") or len(token) < 3:
        return stack
    match = _TAG_NAME.match(token)
    if match is None:
        return stack
    name = match.group(1).lower()
    if token.startswith("</"):
        if stack and stack[-1][0] == name:
            return stack[:-1]
        return stack
    return [*stack, (name, token)]


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def split_html(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` UTF-16 units, cut at line ends where possible."""
    if utf16_len(text) <= limit:
        return [text]
    tokens = _TOKEN.findall(text)
    parts: list[str] = []
    stack: list[tuple[str, str]] = []
    start = 0
    while start < len(tokens):
        prefix = "".join(raw for _, raw in stack)
        size = utf16_len(prefix)
        local = stack
        cut: tuple[int, list[tuple[str, str]]] | None = None
        end = start
        while end < len(tokens):
            token = tokens[end]
            after = _apply(local, token)
            if size + utf16_len(token) + utf16_len(_closing(after)) > limit:
                break
            size += utf16_len(token)
            local = after
            if token == "\n":
                cut = (end, local)
            end += 1
        if end == len(tokens):
            parts.append(prefix + "".join(tokens[start:]) + _closing(local))
            break
        if cut is not None and cut[0] > start:
            index, stack = cut
            parts.append(prefix + "".join(tokens[start:index]) + _closing(stack))
            start = index + 1  # the line break itself goes with the cut
        elif end > start:
            parts.append(prefix + "".join(tokens[start:end]) + _closing(local))
            stack, start = local, end
        else:  # a lone tag longer than the limit: only a broken text can hold one
            raise ValueError("a tag longer than a whole message")
    return [p for p in parts if p.strip()]


def shorten_html(text: str, limit: int = TEXT_LIMIT) -> str:
    """The first part of ``text`` that fits, marked with an ellipsis when cut (for edits and
    captions, which cannot be split)."""
    if utf16_len(text) <= limit:
        return text
    return split_html(text, limit - len(ELLIPSIS))[0] + ELLIPSIS
