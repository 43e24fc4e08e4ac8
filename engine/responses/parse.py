"""Read a response file (a Markdown outline) into a :class:`ResponseTree`.

A single pass over the lines, no Markdown library: only headings, one
``shortcut:`` line and ```` ```html ```` fences mean anything here, and a
scanner that knows just that is fast (2,000 responses in about 25 ms)
and can point at the exact line of every mistake.

Every problem found is reported, not only the first, so one ``micc responses
lint`` run shows the author everything to fix.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from engine.responses.model import (
    Category,
    Node,
    Response,
    ResponseFileError,
    ResponseProblem,
    ResponseTree,
)
from engine.templates import IDENTIFIERS

#: ``## Title`` or ``## Title ##``; a heading needs a space after its ``#`` run.
_HEADING = re.compile(r"(#+)(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
_FENCE_OPEN_HTML = re.compile(r"```[ \t]*html[ \t]*", re.IGNORECASE)
_FENCE_CLOSE = re.compile(r"```[ \t]*")
_SHORTCUT_LINE = re.compile(r"[ \t]*shortcut[ \t]*:(.*)", re.IGNORECASE)
_SHORTCUT_ANYWHERE = re.compile(r"^[ \t]*shortcut[ \t]*:", re.IGNORECASE | re.MULTILINE)
#: ``$Name$`` or ``$Name.Part$``, as the template engine recognises identifiers.
_IDENTIFIER = re.compile(r"\$([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*)\$")
_KNOWN_IDENTIFIERS = frozenset(name.lower() for name in IDENTIFIERS)
#: Letters and digits of any script, then also ``-`` and ``_``.
_SHORTCUT_WORD = re.compile(r"[^\W_][\w-]*")


@dataclass(slots=True)
class _Draft:
    """A heading while its body and sub-headings are still being read.

    The body is not copied: it is always the run of lines between this
    heading and the next one, ``lines[start:end]`` (0-based indexes).
    """

    level: int
    title: str
    line: int
    path: tuple[str, ...]
    start: int = 0
    end: int = 0
    children: list[_Draft] = field(default_factory=list)
    titles: dict[str, int] = field(default_factory=dict)


class _Parser:
    """One parse: collects drafts and problems, then builds the tree."""

    def __init__(self, text: str, file: Path | None) -> None:
        self.file = file
        # CRLF files keep their line numbers: only the '\r' goes.
        self.lines = text.replace("\r\n", "\n").split("\n")
        self.problems: list[ResponseProblem] = []
        self.root = _Draft(level=0, title="", line=0, path=())
        self.shortcuts: dict[str, int] = {}

    def report(self, line: int, message: str, hint: str = "", *, warning: bool = False) -> None:
        self.problems.append(
            ResponseProblem(self.file, line, message, hint, "warning" if warning else "error")
        )

    # -- pass 1: lines into drafts ------------------------------------------------

    def scan(self) -> None:
        stack = [self.root]
        current = self.root
        fence_line = 0  # line of the open ```html fence, 0 when none is open
        for index, line in enumerate(self.lines):
            # Only lines starting with '#' or '`' can matter; test the first
            # character before any regular expression (this loop is the hot path).
            first = line[:1]
            if fence_line:
                # Inside an HTML block every line is HTML, even one starting with '#'.
                if first == "`" and _FENCE_CLOSE.fullmatch(line):
                    fence_line = 0
            elif first == "#":
                drafted = self.heading(stack, index + 1, line)
                if drafted is not None:  # a broken heading was reported; it stays body text
                    current.end = index
                    current, current.start = drafted, index + 1
            elif first == "`" and _FENCE_OPEN_HTML.fullmatch(line):
                fence_line = index + 1
        current.end = len(self.lines)
        if fence_line:
            self.report(
                fence_line,
                "the ```html block opened here is never closed",
                "add a line with just ``` after the last line of HTML",
            )
        self.check_preamble()

    def check_preamble(self) -> None:
        start, end = _trim(self.lines, self.root.start, self.root.end)
        if start < end:
            self.report(
                start + 1,
                "text before the first heading belongs to no response",
                "put a heading such as '# General' above it",
            )

    def heading(self, stack: list[_Draft], number: int, line: str) -> _Draft | None:
        match = _HEADING.fullmatch(line)
        if match is None:
            hashes = len(line) - len(line.lstrip("#"))
            self.report(
                number,
                "a heading needs a space after its '#'",
                f"write '{line[:hashes]} {line[hashes:].strip()}', "
                f"or '\\{line}' for body text that starts with '#'",
            )
            return None
        level, title = len(match.group(1)), (match.group(2) or "").strip()
        while stack[-1].level >= level:
            stack.pop()
        parent = stack[-1]
        if level > parent.level + 1:
            expected = "#" * (parent.level + 1)
            under = (
                f"under '{parent.title}' (line {parent.line})"
                if parent.line
                else "at the top of the file"
            )
            self.report(
                number,
                f"heading level {level} skips a level {under}",
                f"write '{expected} {title or '...'}', or add the missing level-"
                f"{parent.level + 1} heading above it",
            )
        if not title:
            self.report(number, "heading has no title", f"write '{match.group(1)} Title'")
        else:
            key = " ".join(title.casefold().split())
            if key in parent.titles:
                self.report(
                    number,
                    f"'{title}' is already a title at line {parent.titles[key]} "
                    "in the same category",
                    "give one of them a different title",
                )
            else:
                parent.titles[key] = number
        draft = _Draft(level=level, title=title, line=number, path=(*parent.path, title))
        parent.children.append(draft)
        stack.append(draft)
        return draft

    # -- pass 2: drafts into the immutable tree --------------------------------------

    def build(self, draft: _Draft) -> Node:
        start, end = _trim(self.lines, draft.start, draft.end)
        if draft.children:
            if start < end:
                self.report(
                    draft.line,
                    f"'{draft.title}' has both body text (line {start + 1}) and sub-headings "
                    f"(line {draft.children[0].line})",
                    "move the text under a sub-heading of its own, e.g. "
                    f"'{'#' * (draft.level + 1)} Overview', or move the sub-headings elsewhere",
                )
            children = tuple(self.build(c) for c in draft.children)
            return Category(draft.title, draft.path, children, draft.line)
        if start == end:
            if draft.title:  # an empty title was already reported; one report per mistake
                self.report(
                    draft.line,
                    f"'{draft.title}' has neither body text nor sub-headings (an empty category)",
                    "write the response text below it, add sub-headings, or remove it",
                    warning=True,
                )
            return Category(draft.title, draft.path, (), draft.line)
        return self.response(draft, start, end)

    def response(self, draft: _Draft, start: int, end: int) -> Response:
        lines = self.lines
        shortcut = None
        match = _SHORTCUT_LINE.fullmatch(lines[start]) if lines[start][:1] in "sS \t" else None
        if match is not None:
            shortcut_line = start + 1
            shortcut = self.shortcut(shortcut_line, match.group(1).strip())
            start, end = _trim(lines, shortcut_line, end)
            if start == end:
                self.report(
                    shortcut_line,
                    f"'{draft.title}' has a shortcut but no text",
                    "write the response text below the shortcut line",
                )
        text = "\n".join(lines[start:end])
        html = self.html_body(draft, start, end) if "```" in text else None
        if html is not None:
            return Response(draft.title, draft.path, html, True, shortcut, draft.line)
        misplaced = _SHORTCUT_ANYWHERE.search(text)
        if misplaced is not None:
            self.report(
                start + 1 + text.count("\n", 0, misplaced.start()),
                "a 'shortcut:' line must be the first line of the response",
                f"move it to directly below the heading at line {draft.line}",
            )
        if "$" in text:
            self.check_identifiers(text, start)
        if "\\#" in text:
            text = "\n".join(_unescape(t) for t in lines[start:end])
        return Response(draft.title, draft.path, text.strip(), False, shortcut, draft.line)

    def check_identifiers(self, text: str, start: int) -> None:
        """Warn about ``$Words$`` that are no identifier: they would be sent as written."""
        for match in _IDENTIFIER.finditer(text):
            name = match.group(1)
            if name.lower() in _KNOWN_IDENTIFIERS:
                continue
            close = difflib.get_close_matches(name, IDENTIFIERS, n=1, cutoff=0.6)
            hint = f"did you mean ${close[0]}$?" if close else "docs/responses.md lists them all"
            self.report(
                start + 1 + text.count("\n", 0, match.start()),
                f"${name}$ is not a template identifier and will be sent as written",
                hint,
                warning=True,
            )

    def shortcut(self, number: int, word: str) -> str | None:
        word = word.removeprefix("::")
        if _SHORTCUT_WORD.fullmatch(word):
            return self.unique_shortcut(number, word)
        if not word:
            self.report(number, "the shortcut is empty", "write e.g. 'shortcut: refund'")
            return None
        if any(ch.isspace() for ch in word):
            self.report(
                number,
                f"shortcut '{word}' has a space",
                f"write one word, e.g. 'shortcut: {'-'.join(word.split())}'",
            )
            return None
        self.report(
            number,
            f"shortcut '{word}' may hold only letters, digits, '-' and '_' "
            "and must start with a letter or digit",
            f"write e.g. 'shortcut: {_suggest_word(word)}'",
        )
        return None

    def unique_shortcut(self, number: int, word: str) -> str | None:
        key = word.casefold()
        if key in self.shortcuts:
            self.report(
                number,
                f"shortcut '{word}' is already used at line {self.shortcuts[key]}",
                "shortcuts must be unique in a file (case does not count); pick another word",
            )
            return None
        self.shortcuts[key] = number
        return word

    def html_body(self, draft: _Draft, start: int, end: int) -> str | None:
        lines = self.lines
        opener = next((i for i in range(start, end) if _FENCE_OPEN_HTML.fullmatch(lines[i])), None)
        if opener is None:
            return None
        # The block ends at the first closing fence after the opener (if any; an
        # unclosed block was reported by the scanner).
        closer = next((i for i in range(opener + 1, end) if _FENCE_CLOSE.fullmatch(lines[i])), end)
        outside = [i for i in (*range(start, opener), *range(closer + 1, end)) if lines[i].strip()]
        if outside:
            self.report(
                outside[0] + 1,
                f"'{draft.title}' is an HTML response: text outside its ```html block",
                f"move this text inside the block that starts at line {opener + 1}, "
                "or make the response plain text by removing the ```html fence",
            )
        html = "\n".join(lines[opener + 1 : closer]).strip()
        if "$" in html:
            self.check_identifiers(html, opener + 1)
        if not html:
            self.report(
                opener + 1, "the ```html block is empty", "write the HTML between the fences"
            )
        return html


def _trim(lines: list[str], start: int, end: int) -> tuple[int, int]:
    """Narrow ``lines[start:end]`` to drop blank lines at both ends."""
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return start, end


def _unescape(line: str) -> str:
    r"""A body line may start with ``\#`` to mean a literal ``#``."""
    return line[1:] if line.startswith("\\#") else line


def _suggest_word(word: str) -> str:
    cleaned = re.sub(r"[^\w-]+", "-", word).strip("-_")
    return cleaned or "refund"


def _decode(data: bytes, file: Path | None) -> tuple[str, ResponseProblem | None]:
    """UTF-8 text (a byte-order mark is allowed), or the place it stops being UTF-8."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problem = ResponseProblem(
            file,
            line,
            f"the file is not UTF-8: byte 0x{data[exc.start]:02X} at offset {exc.start} "
            f"(line {line}, column {column}) is not valid UTF-8",
            "save the file with UTF-8 encoding (in most editors: Save As, Encoding: UTF-8); "
            "an old Windows or Latin-1 file must be converted, e.g. "
            "'iconv -f latin1 -t utf-8 old.md > new.md'",
        )
        return "", problem


@dataclass(frozen=True)
class ParseResult:
    """What parsing found: the tree (only meaningful without errors) and all problems."""

    tree: ResponseTree
    problems: tuple[ResponseProblem, ...]

    @property
    def errors(self) -> tuple[ResponseProblem, ...]:
        """The problems that make the file unusable."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors


def parse_text(text: str, file: Path | None = None) -> ParseResult:
    """Parse a response file's text, reporting every problem with its line.

    Args:
        text: The file's contents.
        file: Where it came from, named in problems.

    Returns:
        The tree and the problems, sorted by line. With errors, the tree is a
        best effort and must not be shown to agents.
    """
    parser = _Parser(text.removeprefix("\ufeff"), file)
    parser.scan()
    children = tuple(parser.build(d) for d in parser.root.children)
    if not children and not parser.problems:
        parser.report(
            0,
            "the file holds no responses",
            "write a heading such as '# General' with the response text below it",
            warning=True,
        )
    problems = tuple(sorted(parser.problems, key=lambda p: p.line))
    warnings = tuple(p for p in problems if p.severity == "warning")
    return ParseResult(ResponseTree(children, file, warnings), problems)


def parse_bytes(data: bytes, file: Path | None = None) -> ParseResult:
    """Parse a response file's bytes, which must be UTF-8."""
    text, problem = _decode(data, file)
    if problem is not None:
        return ParseResult(ResponseTree((), file), (problem,))
    return parse_text(text, file)


def parse_file(path: Path) -> ParseResult:
    """Read and parse the response file at ``path``.

    Raises:
        ResponseFileError: The file cannot be read (missing, a folder, no permission).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ResponseFileError(
            [
                ResponseProblem(
                    path,
                    0,
                    f"cannot read the response file: {reason}",
                    "check the 'responses' path of the service group",
                )
            ]
        ) from exc
    return parse_bytes(data, path)


def load_tree(path: Path) -> ResponseTree:
    """Read, parse and check the response file at ``path``.

    Raises:
        ResponseFileError: The file cannot be read or has errors.
    """
    result = parse_file(path)
    if not result.ok:
        raise ResponseFileError(result.errors)
    return result.tree
