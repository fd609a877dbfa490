"""Telegram's parse_mode=HTML, as strict as the Bot API: the text a user reads, or the 400.

The real Bot API refuses a whole message over one bad tag ("Tom <3" in a customer's name), so
the fake Telegram must refuse it too, with the same description, or tests pass on markup no
customer would ever receive. The reading follows Telegram's own parser (tdlib's parse_html):
``<`` always opens a tag; tag and attribute names are read up to a space or ``>``; unknown
attributes are ignored; an end tag must close the innermost open tag (``</>`` closes any);
byte offsets in the descriptions count UTF-8 bytes of the markup. The tags are those of the
Bot API's HTML style, ``tg-time`` included. Not checked here, because Telegram does not refuse
them while parsing: entities nested against the rules (Telegram drops them silently), an empty
text and the 4096-unit limit (checks of sendMessage itself; ``utf16_len`` measures for those).

One deliberate difference, on by default (``strict``): an ``&`` that does not begin a complete
entity (``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` ``&#NNN;`` ``&#xHH;``, semicolon included) is
refused. Telegram keeps such an ``&`` as it is, but its documentation demands ``&amp;``, and a
bare ``&`` means a text reached the markup unescaped: ``R&amp;D`` in a name would show as
``R&D``, ``?a=1&lt=2`` in a link as ``?a=1<=2``. That description is ours, worded like
Telegram's. ``strict=False`` reads exactly as Telegram does.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "Bad Request: can't parse entities: "

TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "tg-emoji", "tg-time", "code", "pre", "blockquote",
})
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_END = "\0"  # Telegram's parser runs on a NUL-terminated string; null bytes are refused first
_SPACE = frozenset(" \t\r\n\v\f\0")  # the NUL counts as a space there, so scans stop at the end
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_NAME_TOKEN = _ASCII_LETTERS | _DIGITS | {".", "-"}
_TO_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_DATE_FORMAT = frozenset("tTdDwW")
_INT64 = 2**63


class HTMLParseError(ValueError):
    """The Bot API's answer (400) to markup it cannot parse; ``str()`` is its description."""

    def __init__(self, problem: str):
        super().__init__(PREFIX + problem)
        self.problem = problem  # the part after "can't parse entities: "

    @property
    def description(self) -> str:
        return str(self)


@dataclass
class _Open:
    name: str
    argument: str
    shown_at: int  # how much text was shown when the tag opened: an empty entity is dropped


def utf16_len(text: str) -> int:
    """Length as Telegram measures it (message limits, entity offsets): UTF-16 code units, so a
    character outside the BMP (most emoji) counts 2."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse(html_text: str, *, strict: bool = True) -> str:
    """The text a user reads of ``html_text`` sent with parse_mode=HTML; raises
    ``HTMLParseError`` where the Bot API answers 400 (and, when ``strict``, on a bare ``&``)."""
    if "\0" in html_text:
        raise HTMLParseError("Text must not contain null bytes")
    return _Parser(html_text, strict).run()


class _Parser:
    def __init__(self, html_text: str, strict: bool):
        self.text = html_text + _END
        self.strict = strict
        self.shown: list[str] = []
        self.length = 0  # characters in self.shown
        self.open: list[_Open] = []

    def run(self) -> str:
        text, i, end = self.text, 0, len(self.text) - 1
        while i < end:
            ch = text[i]
            if ch == "&":
                char, i = self.entity(i)
                self.show(char)
            elif ch == "<" and text[i + 1] == "/":
                i = self.end_tag(i)
            elif ch == "<":
                i = self.start_tag(i)
            else:
                self.show(ch)
                i += 1
        if self.open:
            raise HTMLParseError(
                f'Can\'t find end tag corresponding to start tag "{self.open[-1].name}"')
        shown = "".join(self.shown)
        if any("\ud800" <= ch <= "\udfff" for ch in shown):
            raise HTMLParseError("Text contains invalid Unicode characters after decoding HTML "
                                 "entities, check for unmatched surrogate code units")
        return shown

    def show(self, chars: str) -> None:
        self.shown.append(chars)
        self.length += len(chars)

    def offset(self, i: int) -> int:
        return len(self.text[:i].encode("utf-8", "surrogatepass"))

    def skip_spaces(self, i: int) -> int:
        while self.text[i] != _END and self.text[i] in _SPACE:
            i += 1
        return i

    def entity(self, i: int) -> tuple[str, int]:
        """The character(s) an ``&`` at ``i`` stands for, and where reading goes on."""
        decoded = _decode_entity(self.text, i)
        if decoded is not None and (decoded[2] or not self.strict):
            return decoded[0], decoded[1]
        if self.strict:
            raise HTMLParseError(f"Character '&' is reserved and must be escaped as \"&amp;\" "
                                 f"at byte offset {self.offset(i)}")
        return "&", i + 1

    def start_tag(self, begin: int) -> int:
        text = self.text
        i = begin + 1
        while text[i] not in _SPACE and text[i] != ">":
            i += 1
        if text[i] == _END:
            raise HTMLParseError(f"Unclosed start tag at byte offset {self.offset(begin)}")
        name = text[begin + 1:i].translate(_TO_LOWER)
        where = f"at byte offset {self.offset(begin)}"
        if name not in TAGS:
            raise HTMLParseError(f'Unsupported start tag "{name}" {where}')
        argument = ""
        while text[i] != ">":
            i = self.skip_spaces(i)
            if text[i] == ">":
                break
            attribute_begin = i
            while text[i] not in _SPACE and text[i] not in "=>/\"'":
                i += 1
            attribute = text[attribute_begin:i]
            if not attribute:
                raise HTMLParseError(f'Empty attribute name in the tag "{name}" {where}')
            i = self.skip_spaces(i)
            if text[i] != "=":
                if text[i] == _END:
                    raise HTMLParseError(f'Unclosed start tag "{name}" {where}')
                continue  # an attribute without a value, such as blockquote's expandable
            i = self.skip_spaces(i + 1)
            if text[i] == _END:
                raise HTMLParseError(f'Unclosed start tag "{name}" {where}')
            value, i = self.attribute_value(i)
            if text[i] == _END:
                raise HTMLParseError(f"Unclosed start tag {where}")
            argument = _argument(name, attribute, value, argument)
        if name == "span" and argument != "spoiler":
            raise HTMLParseError(f'Tag "span" must have class "tg-spoiler" {where}')
        self.open.append(_Open(name, argument, self.length))
        return i + 1

    def attribute_value(self, i: int) -> tuple[str, int]:
        text = self.text
        quote = text[i]
        if quote not in "\"'":
            # A name token: letters, digits, periods, hyphens; not case sensitive.
            token_begin = i
            while text[i] in _NAME_TOKEN:
                i += 1
            if text[i] not in _SPACE and text[i] != ">":
                raise HTMLParseError(
                    f"Unexpected end of name token at byte offset {self.offset(token_begin)}")
            return text[token_begin:i].translate(_TO_LOWER), i
        i += 1
        value = []
        while text[i] != quote and text[i] != _END:
            if text[i] == "&":
                char, i = self.entity(i)
                value.append(char)
            else:
                value.append(text[i])
                i += 1
        if text[i] == quote:
            i += 1
        return "".join(value), i

    def end_tag(self, begin: int) -> int:
        text = self.text
        if not self.open:
            raise HTMLParseError(f"Unexpected end tag at byte offset {self.offset(begin)}")
        i = begin + 2
        while text[i] not in _SPACE and text[i] != ">":
            i += 1
        name = text[begin + 2:i].translate(_TO_LOWER)
        i = self.skip_spaces(i)
        if text[i] != ">":
            raise HTMLParseError(f"Unclosed end tag at byte offset {self.offset(begin)}")
        tag = self.open[-1]
        if name and name != tag.name:
            raise HTMLParseError(f"Unmatched end tag at byte offset {self.offset(begin)}, "
                                 f'expected "</{tag.name}>", found "</{name}>"')
        if self.length > tag.shown_at:  # Telegram checks only entities that cover some text
            _check_entity(tag)
        self.open.pop()
        return i + 1


def _decode_entity(text: str, i: int) -> tuple[str, int, bool] | None:
    """An entity at ``text[i]`` (an ``&``) as Telegram decodes it: the character, where reading
    goes on, whether a semicolon ended it. None when Telegram keeps the ``&`` as it is."""
    end = i + 1
    if text[end] == "#":
        end += 1
        digits = _DIGITS
        if text[end] == "x":  # lower case only
            end += 1
            digits = _HEX_DIGITS
        start = end
        while text[end] in digits:
            end += 1
        if end == start or end - i >= 10:  # checked first: int() of a long run is slow
            return None
        code = int(text[start:end], 16 if digits is _HEX_DIGITS else 10)
        if code == 0 or code >= 0x10FFFF:
            return None
        char = chr(code)
    else:
        while text[end] in _ASCII_LETTERS:
            end += 1
        if text[i + 1:end] not in _NAMED:
            return None
        char = _NAMED[text[i + 1:end]]
    if text[end] == ";":
        return char, end + 1, True
    return char, end, False


def _argument(tag: str, attribute: str, value: str, argument: str) -> str:
    """The attribute values Telegram reads (attribute names are case sensitive there)."""
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    if tag == "tg-time" and attribute == "format":
        return value
    return argument


def _check_entity(tag: _Open) -> None:
    if tag.name == "tg-emoji":
        digits = tag.argument.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()) or not 0 < abs(int(tag.argument)) < _INT64:
            raise HTMLParseError("Invalid custom emoji identifier specified")
    elif tag.name == "tg-time" and tag.argument not in ("r", "R"):
        if any(ch not in _DATE_FORMAT for ch in tag.argument):
            raise HTMLParseError("Invalid date format used")
