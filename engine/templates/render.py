"""Filling templates: precompiled once per text, then a join per rendering.

Nothing in a template is executed. The only syntax is ``$Identifier$`` from
the guide's table; any other ``$...$`` stays exactly as written, so prices
like ``$5 or $10`` and unknown words survive.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from engine.templates.charset import decode_template
from engine.templates.context import TemplateContext
from engine.templates.identifiers import canonical, value
from engine.templates.repair import repair
from engine.templates.text import html_to_text

#: File extensions rendered as HTML; anything else is text.
HTML_SUFFIXES = frozenset({".htm", ".html"})
TOKEN = re.compile(r"\$([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*)\$")


@dataclass(frozen=True)
class Compiled:
    """A template cut into literal text and identifiers.

    ``literals`` has one more item than ``names``: rendering interleaves them.
    """

    literals: tuple[str, ...]
    names: tuple[str, ...]
    #: Each identifier once, so a value is computed once per rendering.
    distinct: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RenderedTemplate:
    """A rendered template file.

    Attributes:
        body: the filled-in text or HTML.
        html: True when ``body`` is HTML.
        path: the template file.
        encoding: the codec the file was read with.
        problem: why the file did not decode cleanly, if it did not.
    """

    body: str
    html: bool
    path: Path
    encoding: str
    problem: str | None = None

    def as_text(self) -> str:
        """The body as plain text (HTML converted, text as is)."""
        return html_to_text(self.body) if self.html else self.body


@lru_cache(maxsize=512)
def compile_template(text: str, html: bool = False) -> Compiled:
    """Cut ``text`` into literals and identifiers (cached by text).

    Split identifiers (see :mod:`engine.templates.repair`) are mended first,
    so a Word file renders even before anyone ran ``micc template lint --fix``.
    """
    text = repair(text, html=html)
    literals: list[str] = []
    names: list[str] = []
    last = position = 0
    while (match := TOKEN.search(text, position)) is not None:
        name = canonical(match.group(1))
        if name is None:
            # The closing "$" may open a real identifier: "$Price$Subject$".
            position = match.end() - 1
            continue
        literals.append(text[last : match.start()])
        names.append(name)
        last = position = match.end()
    literals.append(text[last:])
    return Compiled(tuple(literals), tuple(names), frozenset(names))


def render(text: str, context: TemplateContext, *, html: bool = False) -> str:
    """Replace the identifiers in ``text`` with values from ``context``.

    Args:
        text: the template.
        context: the values; identifiers that do not apply become empty.
        html: True for an HTML template: values are HTML-escaped.

    Returns:
        The filled-in template.
    """
    compiled = compile_template(text, html)
    if not compiled.names:
        return compiled.literals[0]
    values = {name: value(name, context) for name in compiled.distinct}
    if html:
        values = {name: htmllib.escape(raw, quote=True) for name, raw in values.items()}
    pieces = [compiled.literals[0]]
    for name, literal in zip(compiled.names, compiled.literals[1:], strict=True):
        pieces += (values[name], literal)
    return "".join(pieces)


def is_html_template(path: Path) -> bool:
    """True when ``path``'s extension makes it an HTML template."""
    return path.suffix.lower() in HTML_SUFFIXES


def read_template(path: Path) -> tuple[str, str, str | None]:
    """A template file's text, the codec it was read with and any decoding problem."""
    decoded = decode_template(path.read_bytes(), html=is_html_template(path))
    return decoded.text, decoded.codec, decoded.problem


def render_file(path: Path, context: TemplateContext) -> RenderedTemplate:
    """Read and render a template file.

    ``.htm`` and ``.html`` files are HTML; others are text. The file is
    decoded per its byte-order mark or declared charset (Word's
    windows-1252), falling back to a lossy reading rather than failing.

    Args:
        path: the template file.
        context: the values.

    Returns:
        The rendered template.

    Raises:
        OSError: when the file cannot be read.
    """
    html = is_html_template(path)
    text, codec, problem = read_template(path)
    return RenderedTemplate(render(text, context, html=html), html, path, codec, problem)
