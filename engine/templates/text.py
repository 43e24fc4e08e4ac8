"""HTML to readable plain text, for SMS and text-only e-mail.

The converter is the one incoming mail is read with
(:func:`engine.mail.html.html_text`): prose, not Markdown. Templates use its
:data:`~engine.mail.html.TEMPLATE` style: ``- item`` bullets (GSM 7-bit has
no ``•``) and no images.
"""

from __future__ import annotations

from engine.mail.html import TEMPLATE, html_text

#: Characters SMS gateways mangle (GSM 7-bit has no narrow or no-break space).
_SMS_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})


def html_to_text(markup: str) -> str:
    """Readable plain text from HTML: paragraphs, lists, links and tables kept.

    Args:
        markup: an HTML document or fragment.

    Returns:
        Text with paragraphs separated by one blank line, list items as
        ``- item`` or ``1. item``, links as ``text (url)`` and table cells
        separated by ``" | "``.
    """
    return html_text(markup, TEMPLATE)


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
