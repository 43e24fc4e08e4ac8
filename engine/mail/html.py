"""HTML as plain text for a person: the one converter, for mail and templates.

html2text writes Markdown; a person reading an e-mail (or an SMS made from a
template) wants prose. :class:`_Prose` tunes it, tag by tag:

- ``<p>``, ``<div>``, headings and blockquotes are paragraphs (one blank line
  between them), ``<br>`` a line break; Outlook's ``<p class=MsoNormal>`` is a
  line, as Outlook shows it (its empty lines are paragraphs of ``&nbsp;``);
- list items are ``• item`` or ``1. item`` lines, nested lists indented two
  spaces a level;
- a link is ``text (address)``, only the address when the text is it;
  ``mailto:`` is dropped from the address, in-page and script links keep their text only;
- table rows are lines, their cells separated by ``" | "``;
- an image is ``[image: alt]`` (nothing without an alt text);
- blockquotes are prefixed with ``> ``; ``<pre>`` keeps its lines;
- what a reader never sees is dropped: ``<head>``, ``<title>``, ``<style>``,
  ``<script>``, and the invisible characters marketing mail pads with;
- no Markdown is written: no emphasis marks, escapes, backticks, tildes, ``#``
  headings, ``* * *`` rules or abbreviation footnotes.

Nothing is ever fetched: the converter reads the string it is given and
nothing else (images, style sheets and CSS ``url()`` stay addresses in text).

Hostile HTML is bounded: html.parser's tokenizer is iterative, nesting is
kept as counters and capped stacks (lists and blockquotes deeper than
:data:`MAX_NESTING` are read as the deepest), so any depth is safe and the
work grows with the size of the HTML, not with its depth. For a huge body,
:func:`incoming_text` converts the first :data:`STRUCTURED_CHARS` characters
this way and the rest as flat words (:func:`flat_text`), still searchable.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import html2text
from html2text.elements import ListElement

#: Lists and blockquotes nested deeper than this are read as this deep.
MAX_NESTING = 12
#: Characters of an incoming HTML body converted with its structure (see :func:`incoming_text`).
STRUCTURED_CHARS = 512 * 1024

#: h7 to h9 are no HTML, but html2text would write them as Markdown headings too.
_HEADINGS = frozenset(f"h{level}" for level in range(1, 10))
#: Tags whose content nobody reads (html2text counts only head, style and script).
_UNSEEN = frozenset({"head", "style", "script", "title"})
#: Markdown markers html2text writes for these tags; a reader gets the text alone.
_MARKS = frozenset({"del", "strike", "s", "code", "kbd", "tt", "abbr", "sup", "sub"})
#: What html2text writes for &nbsp; until the end (then a no-break space).
_NBSP_HOLDER = "&nbsp_place_holder;"
_BLANK_RUNS = re.compile(r"\n{3,}")
#: Characters HTML shows as nothing, which newsletters repeat by the hundred
#: (U+034F, U+200B, U+200C, U+2060, U+FEFF, the soft hyphen). The zero-width
#: joiner stays: it builds emoji.
_INVISIBLE = dict.fromkeys(map(ord, "\u034f\u200b\u200c\u2060\ufeff\u00ad"))


@dataclass(frozen=True)
class Style:
    """How the converter writes a few structures.

    Attributes:
        bullet: the mark of an unordered list item.
        list_indent: levels of indentation (two spaces each) before a top-level item.
        images: True to write ``[image: alt]``; False drops images.
    """

    bullet: str
    list_indent: int
    images: bool


#: For a person reading an e-mail in a console.
READING = Style(bullet="•", list_indent=0, images=True)
#: For SMS and text e-mails made from templates (GSM 7-bit has no bullet).
TEMPLATE = Style(bullet="-", list_indent=1, images=False)


class _Prose(html2text.HTML2Text):
    """html2text tuned for prose (see the module text)."""

    def __init__(self, style: Style) -> None:
        super().__init__(bodywidth=0)
        self.style_of = style
        self.unicode_snob = True
        self.ignore_emphasis = True
        self.ignore_images = True
        self.ignore_tables = True
        # With this, a <pre> line is not indented by four spaces (the fences it
        # would write belong to html2text's own <pre> handling, not used here).
        self.backquote_code_style = True
        self.ul_item_mark = style.bullet
        self.link: tuple[str, int] | None = None
        #: Lists and blockquotes opened past MAX_NESTING, not on html2text's stacks.
        self.deeper_lists = 0
        self.deeper_quotes = 0
        #: True inside Outlook's <p class=MsoNormal>: a line, not a paragraph.
        self.outlook_line = False
        #: One entry per open table: True once its current row has text.
        self.tables: list[bool] = []
        #: A cell started after one with text: " | " goes before the next text.
        self.separate = False

    def visible(self) -> None:
        """Text is about to be written: a cell separator first, if one is due."""
        if self.separate:
            self.separate = False
            # Not at the start of a line: a cell that began one needs none.
            if not self.p_p and not self.lastWasNL and self.outtextlist:
                self.o(" | ")
        if self.tables:
            self.tables[-1] = True

    def charref(self, name: str) -> str:
        try:
            return super().charref(name)
        except ValueError:  # more digits than int() reads: no character
            return "\ufffd"

    def outtextf(self, s: str) -> None:
        # Line breaks inside a list item: its next lines line up under its text.
        if self.list_code_indent and not self.pre and s[:1] in " \n" and not s.strip(" >\n"):
            s = s.replace("\n", "\n" + self.list_code_indent)
        super().outtextf(s)

    def handle_data(self, data: str, entity_char: bool = False) -> None:
        if data[:1] == "<" and data[1:2].isalpha():
            # A start tag html.parser could not read (a quote never closed): what
            # a browser shows of it is nothing, not its source.
            return
        last = self.outtextlist[-1][-1:] if self.outtextlist else ""
        if last == " " and data[:1].isspace() and not self.pre:
            data = data.lstrip()  # "a <!-- x --> b": one space, not two
            if not data:
                return
        if not self.quiet and data.replace(_NBSP_HOLDER, " ").strip():
            self.visible()
        # entity_char=True is html2text's switch for "do not Markdown-escape".
        super().handle_data(data, True)

    def handle_tag(self, tag: str, attrs: dict[str, str | None], start: bool) -> None:
        if not _tag(self, tag, attrs, start):
            super().handle_tag(tag, attrs, start)


def _tag(parser: _Prose, tag: str, attrs: dict[str, str | None], start: bool) -> bool:
    """Handle ``tag`` unlike html2text; False leaves it to html2text."""
    if tag in _HEADINGS:
        parser.p()
    elif tag == "a":
        _link(parser, attrs, start)
    elif tag in _UNSEEN:
        # Counted down no further than zero: a stray </style> must not hide the rest.
        parser.quiet = parser.quiet + 1 if start else max(parser.quiet - 1, 0)
    elif tag in _MARKS:
        pass
    elif tag == "br":
        if start:
            # A line break html2text writes ignores the depth of blockquotes and
            # nested lists; counted as pending newlines, the next text gets them.
            parser.p_p = min(parser.p_p + 1, 2)
    elif tag == "hr":
        parser.p()
        parser.o("-" * 10)
        parser.p()
    elif tag == "p":
        return _paragraph(parser, attrs, start)
    elif tag == "pre":
        parser.pre = start
        parser.p()
    elif tag == "img":
        _image(parser, attrs, start)
    elif tag in ("ul", "ol", "blockquote"):
        return _nested(parser, tag, attrs, start)
    elif tag == "li":
        _item(parser, start)
    elif tag in ("table", "tr", "td", "th"):
        _table(parser, tag, start)
    else:
        return False
    return True


def _paragraph(parser: _Prose, attrs: dict[str, str | None], start: bool) -> bool:
    if start:
        parser.outlook_line = "msonormal" in (attrs.get("class") or "").lower()
    elif not parser.outlook_line:
        return False
    if not parser.outlook_line:
        return False
    parser.pbr()
    if not start:
        parser.outlook_line = False
    return True


def _link(parser: _Prose, attrs: dict[str, str | None], start: bool) -> None:
    if start:
        if parser.link is not None:  # links do not nest: a new one ends the open one
            _end_link(parser)
        parser.link = (str(attrs.get("href") or ""), len(parser.outtextlist))
    else:
        _end_link(parser)


def _end_link(parser: _Prose) -> None:
    if parser.link is None:
        return
    href, mark = parser.link
    parser.link = None
    href = href.strip()
    written = "".join(parser.outtextlist[mark:]).replace(_NBSP_HOLDER, " ")
    shown = written.strip()
    target = href.removeprefix("mailto:").partition("?")[0] if href.startswith("mailto:") else href
    # In-page anchors and script links mean nothing outside the HTML view; a
    # link with nothing to read (an image without alt text) is left out too.
    if not shown or target == shown or not target or href.startswith(("#", "javascript:")):
        return
    # A line break or a space that ends the link's text comes after its address.
    pending, parser.p_p = parser.p_p, 0
    spaced, parser.space = parser.space, False
    if written[-1].isspace():  # "see <a>this </a>page": "see this (address) page"
        pieces = parser.outtextlist
        last = len(pieces) - 1
        while last > mark and not _rstripped(pieces[last]):
            pieces[last] = ""
            last -= 1
        pieces[last] = _rstripped(pieces[last])
        parser.o(f" ({target}) ")
    else:
        parser.o(f" ({target})")
        parser.space = spaced
    parser.p_p = pending


def _rstripped(piece: str) -> str:
    """``piece`` without trailing whitespace, html2text's stand-ins for &nbsp; included."""
    while True:
        stripped = piece.rstrip().removesuffix(_NBSP_HOLDER)
        if stripped == piece:
            return piece
        piece = stripped


def _image(parser: _Prose, attrs: dict[str, str | None], start: bool) -> None:
    alt = " ".join((attrs.get("alt") or "").split())
    if start and alt and parser.style_of.images and not parser.quiet:
        parser.visible()
        parser.o(f"[image: {alt}]")


def _nested(parser: _Prose, tag: str, attrs: dict[str, str | None], start: bool) -> bool:
    """Lists and blockquotes: html2text's own handling, up to MAX_NESTING deep."""
    if tag == "blockquote":
        if start and parser.blockquote >= MAX_NESTING:
            parser.deeper_quotes += 1
        elif not start and parser.deeper_quotes:
            parser.deeper_quotes -= 1
        elif start or parser.blockquote:
            return False
        parser.p()
        return True
    if start and len(parser.list) >= MAX_NESTING:
        parser.deeper_lists += 1
        return True
    if not start and parser.deeper_lists:
        parser.deeper_lists -= 1
        return True
    if start:
        start_at = attrs.get("start")
        if start_at is None or not start_at.strip().isdigit():
            attrs.pop("start", None)  # html2text asserts a value, and reads no other
    else:
        parser.list_code_indent = ""
    return False


def _item(parser: _Prose, start: bool) -> None:
    parser.list_code_indent = ""
    parser.pbr()
    if not start:
        return
    item = parser.list[-1] if parser.list else ListElement("ul", 0)
    depth = max(len(parser.list), 1) - 1 + parser.style_of.list_indent
    if item.name == "ol":
        item.num += 1
        mark = f"{item.num}."
    else:
        mark = parser.style_of.bullet
    indent = "  " * depth
    # html2text writes an item that starts another (<li><ul><li>) on the same
    # line; each item here has its own.
    parser.start = False
    parser.o(f"{indent}{mark} ")
    # A <pre> inside the item lines up under its text.
    parser.list_code_indent = indent + " " * (len(mark) + 1)
    parser.start = True


def _table(parser: _Prose, tag: str, start: bool) -> None:
    if tag == "table":
        if start:
            parser.tables.append(False)
        elif parser.tables:
            parser.tables.pop()
            if parser.tables:
                parser.tables[-1] = True  # a table in a cell is the cell's text
        parser.separate = False
        parser.p()
        return
    if not parser.tables:  # a row or cell outside any table
        parser.tables.append(False)
    if tag == "tr":
        parser.tables[-1] = False
        parser.separate = False
        parser.soft_br()
    elif start and parser.tables[-1]:
        parser.separate = True


#: What html.parser reads as the start of a construct that runs to a closing mark.
_OPENING = re.compile(r"<(?:(!--)|(!\[)|[a-zA-Z/?!])|&#")
#: The closing marks html.parser looks for: comments, marked sections, the rest.
_CLOSING = {"comment": re.compile(r"--\s*>"), "section": re.compile(r"]\s*]\s*>")}
_CHARREF = re.compile(r"&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));?")


class _Closings:
    """Where the next closing mark of each kind is, each searched for at most once
    per stretch of text (none found: none later either)."""

    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.found: dict[str, tuple[int, int] | None] = {}

    def after(self, kind: str, start: int) -> int:
        """The end of the first closing mark of ``kind`` at or after ``start``; -1 if none."""
        if kind in self.found:
            known = self.found[kind]
            if known is None:
                return -1
            if known[0] >= start:
                return known[1]
        if kind == "tag":
            at = self.markup.find(">", start)
            known = (at, at + 1) if at >= 0 else None
        else:
            match = _CLOSING[kind].search(self.markup, start)
            known = match.span() if match else None
        self.found[kind] = known
        return -1 if known is None else known[1]


def _tokenizable(markup: str) -> str:
    """``markup`` as html.parser reads it in linear time, with the same meaning.

    html.parser (Python 3.11) searches the rest of the text for the end of
    every unclosed ``<!--``, ``</``, ``<?``, ``<![`` or ``<tag``: a thousand
    of them in a row take minutes. And a ``&#`` it cannot read stops it: the
    rest of the HTML would be shown as text, tags and all. So a ``<`` whose
    construct is never closed becomes ``&lt;`` (text, as html.parser would show
    it), a character reference is written in full (``&#65;``), and a ``&#``
    that is none becomes ``&amp;#``.
    """
    closings = _Closings(markup)
    pieces: list[str] = []
    copied = position = 0
    while (found := _OPENING.search(markup, position)) is not None:
        start = found.start()
        if markup.startswith("&#", start):
            reference = _CHARREF.match(markup, start)
            pieces.append(markup[copied:start])
            if reference is None:
                pieces.append("&amp;#")
                position = copied = start + 2
            else:
                decimal, hexadecimal = reference.groups()
                pieces.append(f"&#{decimal};" if decimal else f"&#x{hexadecimal};")
                position = copied = reference.end()
            continue
        if found.group(1):
            end = closings.after("comment", start + 4)
        elif found.group(2):
            end = closings.after("section", start + 3)
        else:
            end = closings.after("tag", start + 1)
        if end < 0:
            pieces.append(markup[copied:start])
            pieces.append("&lt;")
            position = copied = start + 1
        else:
            position = end
    pieces.append(markup[copied:])
    # A reference at the very end needs a character after it to be read.
    pieces.append("\n")
    return "".join(pieces)


def html_text(markup: str, style: Style = READING) -> str:
    """Readable plain text from HTML (see the module text).

    Args:
        markup: an HTML document or fragment (any size: the time grows with it linearly).
        style: :data:`READING` for an e-mail shown to a person, :data:`TEMPLATE`
            for text made from a template.

    Returns:
        Text with paragraphs separated by one blank line and ending in a newline
        (just ``"\\n"`` when the HTML holds no text).
    """
    try:
        raw = _Prose(style).handle(_tokenizable(markup))
    except Exception:  # a surprise in html2text: the words at least, never a traceback
        return flat_text(markup) + "\n"
    lines = [line.rstrip(" \t\u00a0") for line in raw.translate(_INVISIBLE).splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"


#: A tag for :func:`flat_text`: ``<`` to ``>`` with no ``<`` between, so a
#: ``<`` never closed costs a search up to the next ``<``, not to the end.
_TAG = re.compile(r"<[^<>]*>")
_UNSEEN_BLOCK = re.compile(r"<(script|style)\b", re.IGNORECASE)


def flat_text(markup: str) -> str:
    """The words of HTML without its structure, quickly (for the tail of a huge body).

    Tags become spaces; style sheets and scripts are dropped (an unclosed one
    to the end, as a browser does); entities are decoded.
    """
    lowered = markup.lower()
    kept: list[str] = []
    position = 0
    while (block := _UNSEEN_BLOCK.search(markup, position)) is not None:
        kept.append(markup[position : block.start()])
        close = lowered.find("</" + block.group(1).lower(), block.end())
        position = lowered.find(">", close) + 1 if close >= 0 else len(markup)
        if position == 0:
            position = len(markup)
    kept.append(markup[position:])
    text = html.unescape(_TAG.sub(" ", "".join(kept))).translate(_INVISIBLE)
    return re.sub(r"[ \t\r\f\v]+", " ", re.sub(r"\n\s*\n+", "\n\n", text)).strip()


def _structured_end(markup: str, chars: int) -> int:
    """Where the structured part of ``markup`` ends: before a tag, never inside style or script."""
    end = markup.rfind("<", 0, chars)
    end = end if end > 0 else chars
    lowered = markup[:end].lower()
    for name in ("style", "script"):
        opened = lowered.rfind("<" + name)
        if opened > lowered.rfind("</" + name):
            end = min(end, opened)
    return end


def incoming_text(markup: str, *, chars: int = STRUCTURED_CHARS) -> str:
    """The text of an incoming HTML body, for reading, quoting and searching.

    The first ``chars`` characters are converted with their structure
    (:func:`html_text`); past them, a huge body's words follow flat
    (:func:`flat_text`), so converting 25 MB takes about a second.
    """
    if len(markup) <= chars:
        return html_text(markup)
    end = _structured_end(markup, chars)
    head = html_text(markup[:end]) if end else ""
    tail = flat_text(markup[end:])
    if not tail:
        return head or "\n"
    return (head + "\n" if head.strip() else "") + tail + "\n"


def message_text(body_text: str, body_html: str) -> str:
    """What a person reads of a message: its text part, else its HTML as text."""
    if body_text and not body_text.isspace():
        return body_text
    if body_html and not body_html.isspace():
        return incoming_text(body_html)
    return body_text
