"""A service group's response library as plain, frozen data.

A response file is an outline: categories hold categories and responses, to
any depth; a response is a titled body of plain text or HTML that an agent
inserts into a reply. Nothing here reads files; see :mod:`engine.responses.parse`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Union

from engine.errors import MiccError

if TYPE_CHECKING:
    from engine.templates import TemplateContext

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class ResponseProblem:
    """Something wrong (error) or doubtful (warning) in a response file.

    Attributes:
        file: The file, or ``None`` for text parsed without one.
        line: 1-based line the problem is on (0 when it concerns the whole file).
        message: What is wrong.
        hint: What to write instead.
        severity: ``"error"`` makes the file unusable; ``"warning"`` does not.
    """

    file: Path | None
    line: int
    message: str
    hint: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        where = str(self.file) if self.file else "<responses>"
        if self.line:
            where += f":{self.line}"
        text = f"{where}: {self.severity}: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text


class ResponseFileError(MiccError):
    """A response file cannot be used; ``problems`` says why, each with file and line."""

    title = "Response file"

    def __init__(self, problems: Sequence[ResponseProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True, slots=True)
class RenderedResponse:
    """A response's body with its ``$Identifiers$`` filled in, ready to insert.

    Attributes:
        text: The rendered body.
        html: True when ``text`` is HTML, false when it is plain text.
    """

    text: str
    html: bool

    def as_text(self) -> str:
        """The response as plain text, for a plain-text reply (HTML converted)."""
        if not self.html:
            return self.text
        # Imported here so the model (and the parser) load without html2text.
        from engine.templates import html_to_text

        return html_to_text(self.text)


@dataclass(frozen=True, slots=True)
class Response:
    """A predefined text an agent can insert into a reply.

    Attributes:
        title: The heading it was written under.
        path: Titles from the top-level category down to this response.
        body: Plain text, or HTML when ``html`` is true; may hold ``$Identifiers$``.
        html: True when the body came from a fenced ```` ```html ```` block.
        shortcut: The word agents type after ``::`` to insert it, if any.
        line: 1-based line of its heading.
    """

    title: str
    path: tuple[str, ...]
    body: str
    html: bool = False
    shortcut: str | None = None
    line: int = 0

    def render(self, context: TemplateContext) -> RenderedResponse:
        """Fill in the body's ``$Identifiers$`` for the e-mail being answered.

        Args:
            context: The values for this reply (subject, customer, agent, ...).

        Returns:
            The rendered body and whether it is HTML (identifier values are
            escaped when it is).
        """
        # Imported on first use, like html_to_text above: templates are not needed
        # to parse or lint a response file.
        from engine.templates import render

        return RenderedResponse(render(self.body, context, html=self.html), self.html)


@dataclass(frozen=True, slots=True)
class Category:
    """A heading with sub-headings: a folder in the agents' response tree.

    Attributes:
        title: The heading.
        path: Titles from the top level down to this category.
        children: Sub-categories and responses, in file order.
        line: 1-based line of its heading.
    """

    title: str
    path: tuple[str, ...]
    children: tuple[Node, ...] = ()
    line: int = 0


Node = Union[Category, Response]  # noqa: UP007 - a runtime alias; `|` needs the names defined


def _fold(text: str) -> str:
    """Key for comparing titles and shortcuts the way people read them."""
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class ResponseTree:
    """All responses of one file, as a tree, with lookups by path and shortcut.

    Attributes:
        children: Top-level categories and responses, in file order.
        source: The file it was read from, if any.
        warnings: Doubtful things found while parsing (errors never reach a tree).
    """

    children: tuple[Node, ...] = ()
    source: Path | None = None
    warnings: tuple[ResponseProblem, ...] = ()
    _by_path: Mapping[tuple[str, ...], Node] = field(
        default_factory=dict, repr=False, compare=False
    )
    _by_shortcut: Mapping[str, Response] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Indexes are built once; the tree never changes after parsing. Each
        # title is folded once and paths extend their parent's folded path.
        by_path: dict[tuple[str, ...], Node] = {}
        by_shortcut: dict[str, Response] = {}
        pending: list[tuple[tuple[str, ...], Node]] = [((), n) for n in self.children]
        while pending:
            parent_key, node = pending.pop()
            key = (*parent_key, _fold(node.title))
            by_path.setdefault(key, node)
            if isinstance(node, Category):
                pending.extend((key, child) for child in node.children)
            elif node.shortcut:
                by_shortcut.setdefault(node.shortcut.casefold(), node)
        object.__setattr__(self, "_by_path", by_path)
        object.__setattr__(self, "_by_shortcut", by_shortcut)

    def walk(self) -> Iterator[Node]:
        """Every category and response, depth first, in file order."""
        stack: list[Node] = list(reversed(self.children))
        while stack:
            node = stack.pop()
            yield node
            if isinstance(node, Category):
                stack.extend(reversed(node.children))

    def responses(self) -> Iterator[Response]:
        """Every response, in file order."""
        return (n for n in self.walk() if isinstance(n, Response))

    def find(self, path: Sequence[str]) -> Node | None:
        """Return the category or response at ``path`` (titles, case-insensitive)."""
        return self._by_path.get(tuple(_fold(t) for t in path))

    def shortcut(self, word: str) -> Response | None:
        """Return the response whose shortcut is ``word`` (with or without ``::``)."""
        return self._by_shortcut.get(word.removeprefix("::").casefold())

    @property
    def shortcuts(self) -> Mapping[str, Response]:
        """Shortcut (case-folded) to response, for completion lists."""
        return self._by_shortcut

    def matching(self, text: str) -> tuple[Node, ...]:
        """The tree cut down to the responses that hold every word of ``text``.

        A word may be anywhere in a response's titles (its categories' too),
        its shortcut or its body, in any case, as part of a longer word
        (``refu`` finds "Refund issued"). Categories are kept, with only
        their matching children, when something under them matches; empty
        ``text`` keeps the whole tree.
        """
        words = _fold(text).split()
        if not words:
            return self.children

        def keep(nodes: Sequence[Node]) -> tuple[Node, ...]:
            kept: list[Node] = []
            for node in nodes:
                if isinstance(node, Category):
                    children = keep(node.children)
                    if children:
                        kept.append(Category(node.title, node.path, children, node.line))
                else:
                    where = _fold(" ".join((*node.path, node.shortcut or "", node.body)))
                    if all(word in where for word in words):
                        kept.append(node)
            return tuple(kept)

        return keep(self.children)

    def __len__(self) -> int:
        """Number of responses (not categories)."""
        return sum(1 for _ in self.responses())
