"""The fake Telegram reads parse_mode=HTML as the Bot API does: what it shows, and what it refuses
with the same 400 description, so broken markup fails a test instead of a customer's message."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.telegram_html import HTMLParseError, parse, utf16_len

PREFIX = "Bad Request: can't parse entities: "


@pytest.mark.parametrize(("markup", "shown"), [
    ("", ""),
    ("水壶漏水", "水壶漏水"),
    ("Tom &lt;3", "Tom <3"),
    ("a &gt; b, a &amp; b, &quot;q&quot;", 'a > b, a & b, "q"'),
    ("it&#39;s &#x27;quoted&#x27; &#x1F600; &#20320;", "it's 'quoted' 😀 你"),
    ("a > b", "a > b"),  # Telegram tolerates a bare >
    ("<b>bold</b> <strong>bold</strong>", "bold bold"),
    ("<i>i</i><em>em</em><u>u</u><ins>ins</ins>", "iemuins"),
    ("<s>s</s><strike>strike</strike><del>del</del>", "sstrikedel"),
    ('<span class="tg-spoiler">spoiler</span> <tg-spoiler>spoiler</tg-spoiler>',
     "spoiler spoiler"),
    ("<span class=tg-spoiler>unquoted</span>", "unquoted"),
    ('<a href="https://t.me/SundownDeskBot?start=s_hq">link</a>', "link"),
    ("<a href='tg://user?id=123456789'>Zhang</a>", "Zhang"),
    ('<a href="https://example.com/?a=1&amp;b=2">escaped query</a>', "escaped query"),
    ("<a>https://example.com</a>", "https://example.com"),  # the text is the link
    ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
    ('<tg-time unix="1647531900" format="wDT">22:45 tomorrow</tg-time>', "22:45 tomorrow"),
    ("<code>inline</code>", "inline"),
    ("<pre>block</pre>", "block"),
    ('<pre><code class="language-python">print("x")</code></pre>', 'print("x")'),
    ("<blockquote>quote</blockquote>", "quote"),
    ("<blockquote expandable>hidden\nmore</blockquote>", "hidden\nmore"),
    ("<b>bold <i>italic <s>struck <tg-spoiler>all</tg-spoiler></s></i></b>",
     "bold italic struck all"),
    # Tags and attributes are read loosely, as Telegram reads them.
    ("<B>upper</B>", "upper"),
    ("<b >spaced</b >", "spaced"),
    ("<b>anonymous end</>", "anonymous end"),
    ('<a href="https://x.example" target="_blank" rel=noopener>extra attributes</a>',
     "extra attributes"),
    ('<b class="x">ignored class</b>', "ignored class"),
    ('<pre><code class="python">no language</code></pre>', "no language"),
    ("<b></b>empty", "empty"),
    ("<a href=>empty href</a>", "empty href"),
    ("<a href>bare href</a>", "bare href"),
    ("<tg-emoji></tg-emoji>ok", "ok"),  # an empty entity is dropped unchecked
    ("<tg-time>now</tg-time>", "now"),
    ("line 1\nline 2\n", "line 1\nline 2\n"),
])
def test_markup_telegram_accepts(markup: str, shown: str) -> None:
    assert parse(markup) == shown


@pytest.mark.parametrize(("markup", "problem"), [
    # The message that reached no customer: a name with a bare <.
    ("您好,Tom <3!", "Unclosed start tag at byte offset 11"),
    ("Thank you, Tom <3, we are on it", 'Unsupported start tag "3," at byte offset 15'),
    ("Tom <3", "Unclosed start tag at byte offset 4"),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("1 <2", "Unclosed start tag at byte offset 2"),
    ("<", "Unclosed start tag at byte offset 0"),
    ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
    ("Hello <foo>", 'Unsupported start tag "foo" at byte offset 6'),
    ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
    ("<p>paragraph</p>", 'Unsupported start tag "p" at byte offset 0'),
    ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
    ("<!-- comment -->", 'Unsupported start tag "!--" at byte offset 0'),
    ("水壶<x>", 'Unsupported start tag "x" at byte offset 6'),  # bytes, not characters
    ("😀<x>", 'Unsupported start tag "x" at byte offset 4'),
    # Unclosed and mis-nested.
    ("<b>bold", "Can't find end tag corresponding to start tag \"b\""),
    ("<b><i>both</i>", "Can't find end tag corresponding to start tag \"b\""),
    ("<b><i>both</b>", 'Unmatched end tag at byte offset 10, expected "</i>", found "</b>"'),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("text</b>", "Unexpected end tag at byte offset 4"),
    ("<b>x</b></b>", "Unexpected end tag at byte offset 8"),
    ("</foo>", "Unexpected end tag at byte offset 0"),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ("<b>x</b x>", "Unclosed end tag at byte offset 4"),
    ("<b", "Unclosed start tag at byte offset 0"),
    # Attributes.
    ('<a href="https://x.example>link</a>', "Unclosed start tag at byte offset 0"),
    ("<a href=https://x.example>x</a>", "Unexpected end of name token at byte offset 8"),
    ("<a href=x:y>x</a>", "Unexpected end of name token at byte offset 8"),
    ("<b />", 'Empty attribute name in the tag "b" at byte offset 0'),
    ("<b =x>", 'Empty attribute name in the tag "b" at byte offset 0'),
    ("<a href", 'Unclosed start tag "a" at byte offset 0'),
    ("<a href=", 'Unclosed start tag "a" at byte offset 0'),
    ("<span>not a spoiler</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ('<span class="spoiler">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ('<tg-emoji emoji-id="abc">👍</tg-emoji>', "Invalid custom emoji identifier specified"),
    ('<tg-emoji emoji-id="0">👍</tg-emoji>', "Invalid custom emoji identifier specified"),
    ("<tg-emoji>👍</tg-emoji>", "Invalid custom emoji identifier specified"),
    ('<tg-time unix="1647531900" format="x">t</tg-time>', "Invalid date format used"),
    # Characters Telegram refuses outright.
    ("a\0b", "Text must not contain null bytes"),
    ("&#xD83D;&#xDE00;", "Text contains invalid Unicode characters after decoding HTML "
                         "entities, check for unmatched surrogate code units"),
])
def test_markup_telegram_refuses(markup: str, problem: str) -> None:
    with pytest.raises(HTMLParseError) as error:
        parse(markup)
    assert str(error.value) == PREFIX + problem
    assert error.value.problem == problem


# Telegram keeps an & that starts no entity as it is, but its documentation demands &amp;, and a
# bare & is proof that a text reached the markup unescaped ("R&amp;D" would show as "R&D").
@pytest.mark.parametrize(("markup", "offset", "telegram_shows"), [
    ("Tom & Jerry", 4, "Tom & Jerry"),
    ("AT&T", 2, "AT&T"),
    ("&", 0, "&"),
    ("&nbsp;", 0, "&nbsp;"),
    ("&copy; 2026", 0, "&copy; 2026"),
    ("&LT;", 0, "&LT;"),
    ("&lt", 0, "<"),  # no semicolon: Telegram decodes it anyway
    ("&amp", 0, "&"),
    ("&lt 3", 0, "< 3"),
    ("&#65", 0, "A"),
    ("&#;", 0, "&#;"),
    ("&#x;", 0, "&#x;"),
    ("&#X41;", 0, "&#X41;"),  # only a lower-case x makes it hexadecimal
    ("&#0;", 0, "&#0;"),
    ("&#1114111;", 0, "&#1114111;"),  # U+10FFFF
    ("&#00000065;", 0, "&#00000065;"),  # too long
    ("水&水", 3, "水&水"),
    ('<a href="https://x.example/?a=1&b=2">x</a>', 31, "x"),
    ('<a href="?a=1&lt=2">x</a>', 13, "x"),
])
def test_a_bare_ampersand_is_refused_unless_lenient(markup: str, offset: int,
                                                    telegram_shows: str) -> None:
    with pytest.raises(HTMLParseError) as error:
        parse(markup)
    assert str(error.value) == (
        f"{PREFIX}Character '&' is reserved and must be escaped as \"&amp;\" "
        f"at byte offset {offset}")
    assert parse(markup, strict=False) == telegram_shows


def test_a_name_reaches_the_customer_only_when_escaped() -> None:
    name = "Tom <3 & <b>Jerry</b>"
    with pytest.raises(HTMLParseError, match="Unsupported start tag"):
        parse(f"您好,<b>{name}</b>!")
    assert parse(f"您好,<b>{html.escape(name)}</b>!") == f"您好,{name}!"


printable = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)))


@given(printable)
def test_any_escaped_text_shows_as_it_was(text: str) -> None:
    assert parse(html.escape(text)) == text
    assert parse(f"<b><i>{html.escape(text)}</i></b>") == text
    assert parse(f'<a href="{html.escape(text)}">{html.escape(text)}</a>') == text


# Markup assembled from the pieces that make parsers stumble.
PIECES = ["<b>", "</b>", "<i>", "</i>", "</>", "<", ">", "&", "&amp;", "&lt", "&#65;", "&#x;",
          "<a href=", '"', "'", "=", " ", "/", "<span class=tg-spoiler>", "</span>", "水",
          "😀", "x", "<pre><code class=\"language-py\">", "</code></pre>", "<tg-emoji emoji-id=1>"]
markup = st.one_of(st.lists(st.sampled_from(PIECES)).map("".join), printable)


@given(markup)
def test_any_markup_is_read_or_refused_with_a_description(text: str) -> None:
    try:
        strict = parse(text)
    except HTMLParseError as error:
        assert str(error).startswith(PREFIX)
        strict = None
    try:
        lenient = parse(text, strict=False)
    except HTMLParseError:
        lenient = None
    if strict is not None:
        assert lenient == strict  # strictness only ever refuses more


def test_a_long_numeric_entity_is_kept_as_text_quickly() -> None:
    assert parse(f"&#{'9' * 5000};", strict=False) == f"&#{'9' * 5000};"


@pytest.mark.parametrize(("text", "units"), [
    ("", 0),
    ("abc", 3),
    ("水壶漏水", 4),  # one unit each, three bytes each in UTF-8
    ("😀", 2),  # outside the BMP: a surrogate pair
    ("👍🏽", 4),
    ("👨\u200d👩\u200d👧", 8),
    ("é", 1),
    ("e\u0301", 2),
    ("\U0001fae8", 2),
    ("a" * 4096, 4096),
])
def test_utf16_len_counts_what_telegram_counts(text: str, units: int) -> None:
    assert utf16_len(text) == units
