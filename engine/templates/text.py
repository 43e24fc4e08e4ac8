"""HTML to readable plain text, for SMS and text-only e-mail.

html2text writes Markdown; a customer reading an SMS or a text e-mail wants
prose. So emphasis marks, Markdown escapes, tables-as-pipes and
``[text](url)`` links are turned off or rewritten as ``text (url)``.
"""

from __future__ import annotations

import re

import html2text

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLANK_RUNS = re.compile(r"\n{3,}")
#: Characters SMS gateways mangle (GSM 7-bit has no narrow or no-break space).
_SMS_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})


class _PlainText(html2text.HTML2Text):
    """html2text tuned for prose: no Markdown escapes, links as ``text (url)``."""

    def __init__(self) -> None:
        super().__init__(bodywidth=0)
        self.unicode_snob = True
        self.ignore_emphasis = True
        self.ignore_images = True
        self.ignore_tables = True
        self.ul_item_mark = "-"
        self.links: list[tuple[str, int]] = []

    def handle_data(self, data: str, entity_char: bool = False) -> None:
        # entity_char=True is html2text's switch for "do not Markdown-escape".
        super().handle_data(data, True)

    def handle_tag(self, tag: str, attrs: dict[str, str | None], start: bool) -> None:
        if not _tag(self, tag, attrs, start):
            super().handle_tag(tag, attrs, start)


def _tag(parser: _PlainText, tag: str, attrs: dict[str, str | None], start: bool) -> bool:
    if tag in _HEADINGS:
        parser.p()
        return True
    if tag != "a":
        return False
    if start:
        parser.links.append((str(attrs.get("href") or ""), len(parser.outtextlist)))
        return True
    if not parser.links:
        return True
    href, mark = parser.links.pop()
    shown = "".join(parser.outtextlist[mark:]).strip()
    target = href.removeprefix("mailto:")
    # Internal anchors and script links mean nothing outside the HTML view.
    if target and target != shown and not href.startswith(("#", "javascript:")):
        parser.o(f" ({target})" if shown else target)
    return True


def html_to_text(markup: str) -> str:
    """Readable plain text from HTML: paragraphs, lists and links kept.

    Args:
        markup: an HTML document or fragment.

    Returns:
        Text with paragraphs separated by one blank line, list items as
        ``- item`` or ``1. item`` and links as ``text (url)``.
    """
    raw = _PlainText().handle(markup)
    lines = [line.rstrip(" \t\u00a0") for line in raw.splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"


def sms_text(body: str, *, html: bool) -> str:
    """The text of an SMS made from a rendered template (HTML or text).

    Args:
        body: the rendered template.
        html: True when ``body`` is HTML.

    Returns:
        Plain text with the no-break spaces of some locales' time formats
        replaced by ordinary spaces and surrounding blank lines removed.
    """
    text = html_to_text(body) if html else body
    return text.translate(_SMS_SPACES).strip()
