"""HTML replies: the agent's text, as typed, turned into an e-mail's HTML part.

The composer edits plain text. When the template or the signature in use is
HTML, the draft keeps beside that text the HTML of each piece it opened with
(an :class:`HtmlOpening`): every top-level block of the template's body, the
signature, and the quoted or forwarded original. At sending, the final text
is read from top to bottom. A piece still there as it was opened (whole lines,
unchanged) is written as its HTML; everything else is the agent's own text:
HTML-escaped, paragraphs and line breaks kept, bare links and addresses made
links, and an HTML response inserted unchanged written as its HTML. So the
HTML part says what the text part says, in the same order, whatever the agent
wrote between the pieces, moved or deleted.

CSS is inlined (Outlook and Gmail ignore most ``<style>``), and images the
signature names by a relative path are read from the signature's folder and
sent as ``cid:`` parts.
"""

from __future__ import annotations

import html as htmllib
import mimetypes
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import css_inline
import nh3

from engine.templates.text import html_to_text

#: The frame of an HTML message whose template is text (an HTML signature alone).
PLAIN_FRAME = ("<html>\n<body>\n", "</body>\n</html>\n")
#: Signature images bigger than this stay out of the message.
MAX_IMAGE_BYTES = 1024 * 1024

_TOKEN = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][\w:.-]*)\b[^>]*?(/?)>", re.DOTALL)
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "details", "dir", "div",
        "dl", "dt", "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "style", "table",
        "ul",
    }
)  # fmt: skip
#: A body holding only one of these is split inside it (Word's ``WordSection1``).
_WRAPPERS = frozenset({"article", "center", "div", "main", "section"})
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
# The part is sent as UTF-8: a template's own charset (Word's windows-1252) would lie.
_META_CHARSET = re.compile(
    r"<meta\b[^>]*(?:charset\s*=|http-equiv\s*=\s*[\"']?content-type)[^>]*>", re.IGNORECASE
)
_PARAGRAPHS = re.compile(r"\n[ \t\u00a0]*\n\s*")
_LINK = re.compile(
    r"(?<![\w@./:-])(?:(?P<url>https?://[^\s<>\"']+)|(?P<address>[\w.+-]+@[\w-]+(?:\.[\w-]+)+))",
    re.IGNORECASE,
)
_URL_TAIL = ".,;:!?)]}'\u201d\u2019"
_IMG_SRC = re.compile(r"(<img\b[^>]*?\bsrc\s*=\s*)([\"'])(.*?)\2", re.IGNORECASE | re.DOTALL)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:|^//", re.IGNORECASE)
#: What a customer's HTML keeps in a quote: nh3's safe tags, without images
#: (their cid: parts are not forwarded, and remote ones track the reader).
_QUOTED_TAGS = frozenset(nh3.ALLOWED_TAGS - {"img"})
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "title", "head"})


@dataclass(frozen=True)
class Piece:
    """One part of what a draft opened with, as its text shows it and as HTML.

    Attributes:
        text: the piece as the draft's body holds it (whole lines).
        html: what the HTML part carries for it.
        images_from: the folder its relative ``<img src>`` paths are read from
            (the signature file's), or None.
    """

    text: str
    html: str
    images_from: Path | None = None


@dataclass(frozen=True)
class HtmlOpening:
    """The HTML a draft's pieces came from, kept for building its HTML part.

    Attributes:
        before: the document up to where the body's content starts.
        after: the document from where the body's content ends.
        pieces: the template's blocks, the signature and the original, in
            the order the draft's text holds them.
    """

    before: str
    after: str
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class InlineImage:
    """A picture the HTML part shows from a ``cid:`` part of its own."""

    cid: str
    filename: str
    maintype: str
    subtype: str
    data: bytes


@dataclass(frozen=True)
class HtmlBody:
    """The HTML part of an e-mail and the pictures it refers to by ``cid:``."""

    html: str
    images: tuple[InlineImage, ...] = ()


@dataclass
class _Node:
    start: int
    end: int
    block: bool
    tag: str = ""
    inner: tuple[int, int] = (0, 0)


def template_opening(markup: str) -> tuple[str, str, tuple[Piece, ...]]:
    """Cut an HTML template into its frame and the top-level blocks of its body.

    Args:
        markup: the rendered template.

    Returns:
        The document before the body's content, the document after it, and one
        piece per top-level block (text between blocks is one piece per run).
    """
    opened = _BODY_OPEN.search(markup)
    start = opened.end() if opened else 0
    closed = [m for m in _BODY_CLOSE.finditer(markup) if m.start() >= start]
    end = closed[-1].start() if closed else len(markup)
    before, content, after = markup[:start], markup[start:end], markup[end:]
    if not opened:
        before, after = PLAIN_FRAME[0], PLAIN_FRAME[1] + after
    before = _META_CHARSET.sub("", before)
    nodes = _top_level(content)
    # Descend into a lone wrapper, so its paragraphs are pieces of their own.
    while len(nodes) == 1 and nodes[0].tag in _WRAPPERS and nodes[0].inner[1] > 0:
        node = nodes[0]
        before += content[: node.inner[0]]
        after = content[node.inner[1] :] + after
        content = content[node.inner[0] : node.inner[1]]
        nodes = _top_level(content)
    pieces = tuple(
        Piece(html_to_text(content[n.start : n.end]).strip("\n"), content[n.start : n.end].strip())
        for n in nodes
    )
    return before, after, pieces


def _top_level(content: str) -> list[_Node]:
    """The top-level nodes of a body: blocks, and runs of text and inline markup."""
    nodes: list[_Node] = []
    stack: list[str] = []
    current: _Node | None = None
    position = 0

    def inline(start: int, end: int) -> None:
        if not content[start:end].strip():
            return
        if nodes and not nodes[-1].block and nodes[-1].end == start:
            nodes[-1].end = end
        else:
            nodes.append(_Node(start, end, False))

    for match in _TOKEN.finditer(content):
        if not stack:
            inline(position, match.start())
        closing, name, self_closing = match.group(1), (match.group(2) or "").lower(), match.group(3)
        if not name:  # a comment
            if not stack:
                inline(match.start(), match.end())
        elif closing:
            if name in stack:
                while stack.pop() != name:
                    pass
                if not stack and current is not None:
                    current.end, current.inner = match.end(), (current.inner[0], match.start())
                    nodes.append(current)
                    current = None
            elif not stack:
                inline(match.start(), match.end())
        elif name in _VOID or self_closing:
            if not stack:
                if name in _BLOCKS:
                    nodes.append(_Node(match.start(), match.end(), True, name))
                else:
                    inline(match.start(), match.end())
        else:
            if not stack:
                current = _Node(match.start(), match.end(), name in _BLOCKS, name, (match.end(), 0))
            stack.append(name)
        position = match.end()
    if current is not None:  # never closed: it runs to the end
        current.end = len(content)
        nodes.append(current)
    elif not stack:
        inline(position, len(content))
    return _merged_inline(nodes)


def _merged_inline(nodes: list[_Node]) -> list[_Node]:
    """Inline nodes (text, ``<b>``, ``<br>``) next to each other are one run, as text reads."""
    merged: list[_Node] = []
    for node in nodes:
        if merged and not node.block and not merged[-1].block:
            merged[-1].end = node.end
        else:
            merged.append(node)
    return merged


def text_html(text: str) -> str:
    """Plain text as HTML: escaped, paragraphs as ``<p>``, lines as ``<br>``, links linked."""
    paragraphs = [p for p in _PARAGRAPHS.split(text.strip("\n")) if p.strip()]
    return "".join(
        "<p>" + "<br>".join(_linked(line) for line in p.split("\n")) + "</p>\n" for p in paragraphs
    )


def _linked(line: str) -> str:
    out: list[str] = []
    last = 0
    for match in _LINK.finditer(line):
        shown = match.group(0)
        end = match.end()
        if match.group("url"):
            trimmed = shown.rstrip(_URL_TAIL)
            end -= len(shown) - len(trimmed)
            shown = trimmed
        href = shown if match.group("url") else "mailto:" + shown
        out += (
            htmllib.escape(line[last : match.start()], quote=False),
            f'<a href="{htmllib.escape(href)}">{htmllib.escape(shown, quote=False)}</a>',
        )
        last = end
    out.append(htmllib.escape(line[last:], quote=False))
    return "".join(out)


def sanitized(markup: str) -> str:
    """A customer's HTML made safe to quote: no scripts, styles, handlers or images."""
    return nh3.clean(
        markup, tags=set(_QUOTED_TAGS), clean_content_tags=set(_DROPPED_WITH_CONTENT)
    ).strip()


def quoted_html(attribution: str, text: str, markup: str, *, cite: bool = True) -> str:
    """The original under an attribution line: a ``<blockquote>`` (a forward: a ``<div>``).

    Args:
        attribution: "On ..., Carla wrote:" or a forward's header lines.
        text: the original's text, used when it has no HTML.
        markup: the original's HTML, sanitized (:func:`sanitized`) before use.
        cite: a reply's quote (a blockquote) rather than a forward's copy.
    """
    inner = sanitized(markup) if markup.strip() else ""
    inner = inner or text_html(text)
    head = "<br>".join(htmllib.escape(line, quote=False) for line in attribution.split("\n"))
    if cite:
        box = '<blockquote type="cite" style="margin:0 0 0 .8ex;border-left:1px solid #ccc;'
        box += 'padding-left:1ex">'
        return f"<p>{head}</p>\n{box}\n{inner}\n</blockquote>\n"
    return f"<p>{head}</p>\n<div>\n{inner}\n</div>\n"


def compose(
    text: str,
    opening: HtmlOpening,
    responses: Sequence[tuple[str, str]] = (),
    *,
    new_cid: Callable[[], str] | None = None,
) -> HtmlBody:
    """The HTML part for the final text of a draft.

    Args:
        text: what the agent sends as text (the composer's body).
        opening: the HTML the draft's pieces came from.
        responses: HTML responses of the group as (text the composer inserts, HTML).
        new_cid: makes a fresh Content-ID for a signature image; None leaves
            images out (a preview needs none).

    Returns:
        The HTML part, CSS inlined, and the images it shows by ``cid:``.
    """
    parts: list[str] = []
    images: list[InlineImage] = []
    cursor = 0
    for piece in opening.pieces:
        if not piece.text.strip():
            parts.append(piece.html)  # nothing to read in it (an empty <p>, a <style>)
            continue
        found = _whole_lines(text, piece.text.strip("\n"), cursor)
        if found < 0:
            continue  # edited or deleted: whatever is left of it is the agent's text now
        parts.append(_free(text[cursor:found], responses))
        markup = piece.html
        if piece.images_from is not None and new_cid is not None:
            markup = _with_cids(markup, piece.images_from, new_cid, images)
        parts.append(markup)
        cursor = found + len(piece.text.strip("\n"))
    parts.append(_free(text[cursor:], responses))
    document = opening.before + "\n".join(p for p in parts if p) + "\n" + opening.after
    return HtmlBody(_inlined(document), tuple(images))


def preview(text: str, opening: HtmlOpening, responses: Sequence[tuple[str, str]] = ()) -> str:
    """What the customer reads: the HTML part of ``text`` turned back into text."""
    return html_to_text(compose(text, opening, responses).html)


def _whole_lines(text: str, needle: str, start: int) -> int:
    """Where ``needle`` stands on lines of its own in ``text`` from ``start``, or -1."""
    found = text.find(needle, start)
    while found >= 0:
        end = found + len(needle)
        if (found == 0 or text[found - 1] == "\n") and (end == len(text) or text[end] == "\n"):
            return found
        found = text.find(needle, found + 1)
    return -1


def _free(text: str, responses: Sequence[tuple[str, str]]) -> str:
    """The agent's own text as HTML, inserted HTML responses as their HTML."""
    if not text.strip():
        return ""
    for shown, markup in responses:
        needle = shown.strip("\n")
        found = _whole_lines(text, needle, 0) if needle.strip() else -1
        if found >= 0:
            rest = text[found + len(needle) :]
            return _free(text[:found], responses) + markup.strip() + "\n" + _free(rest, responses)
    return text_html(text)


def _with_cids(
    markup: str, folder: Path, new_cid: Callable[[], str], images: list[InlineImage]
) -> str:
    """``markup`` with each relative ``<img src>`` found in ``folder`` pointing at a ``cid:``."""

    def swap(match: re.Match[str]) -> str:
        source = htmllib.unescape(match.group(3)).strip()
        image = _image(folder, source, new_cid)
        if image is None:
            return match.group(0)
        images.append(image)
        return f"{match.group(1)}{match.group(2)}cid:{image.cid}{match.group(2)}"

    return _IMG_SRC.sub(swap, markup)


def _image(folder: Path, source: str, new_cid: Callable[[], str]) -> InlineImage | None:
    if not source or _SCHEME.match(source) or source.startswith("/"):
        return None  # a web address, a data: or cid: URL, or an absolute path: left as is
    try:
        root = folder.resolve()
        path = (root / source.split("?", 1)[0]).resolve()
        # Only files in the signature's folder (or under it), symlinks followed.
        if not path.is_relative_to(root) or path.stat().st_size > MAX_IMAGE_BYTES:
            return None
        data = path.read_bytes()
    except (OSError, ValueError):
        return None
    kind = mimetypes.guess_type(path.name)[0] or ""
    if not kind.startswith("image/"):
        return None
    maintype, subtype = kind.split("/", 1)
    return InlineImage(new_cid(), path.name, maintype, subtype, data)


def _inlined(document: str) -> str:
    """``<style>`` rules written into each element's ``style``, as mail clients need."""
    try:
        return css_inline.inline(document, load_remote_stylesheets=False, keep_at_rules=True)
    except ValueError:  # css_inline.InlineError: CSS it cannot read is sent as written
        return document
