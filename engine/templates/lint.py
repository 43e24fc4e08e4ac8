"""Checking template files, and mending split identifiers byte for byte.

Findings name the file, line and column. Severities: an *error* breaks what
the customer sees (a split identifier that will not be replaced, a likely
typo, bytes that do not decode); a *warning* may be intended (an unknown
``$Word$``); a *note* is information (the file's encoding is not UTF-8).
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from engine.templates.charset import Decoded, decode_template
from engine.templates.identifiers import IDENTIFIERS, canonical
from engine.templates.render import TOKEN, is_html_template
from engine.templates.repair import find_splits

Severity = Literal["error", "warning", "note"]
_LOWER = {name.lower(): name for name in IDENTIFIERS}


@dataclass(frozen=True)
class Problem:
    """One finding in a template file."""

    path: Path
    line: int
    column: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class FixResult:
    """What ``fix`` did: the new bytes, how many identifiers it mended, or why it could not."""

    data: bytes
    fixed: int
    refused: str | None = None


def lint_file(path: Path) -> list[Problem]:
    """Lint a template file.

    Raises:
        OSError: when the file cannot be read.
    """
    return lint_bytes(path.read_bytes(), path)


def lint_bytes(data: bytes, path: Path) -> list[Problem]:
    """Every finding in a template's bytes; ``path`` names it and decides HTML or text."""
    html = is_html_template(path)
    decoded = decode_template(data, html=html)
    problems = list(_encoding_findings(decoded, data, path))
    text = decoded.text
    splits = find_splits(text, html=html)
    for split in splits:
        line, column = _position(text, split.start)
        problems.append(
            Problem(
                path,
                line,
                column,
                "error",
                f"identifier ${split.name}$ is split by markup or a line"
                " break and will not be replaced (micc template lint --fix"
                " mends it)",
            )
        )
    position = 0
    while (match := TOKEN.search(text, position)) is not None:
        written = match.group(1)
        name = canonical(written)
        line, column = _position(text, match.start())
        if name is None:
            problems.append(_unknown(path, line, column, written))
            position = match.end() - 1
            continue
        if name != written:
            problems.append(
                Problem(
                    path, line, column, "note", f"${written}$ works; the guide spells it ${name}$"
                )
            )
        position = match.end()
    split_starts = {split.start for split in splits}
    for match in _UNCLOSED.finditer(text):
        name = canonical(match.group(1))
        if name is not None and match.start() not in split_starts:
            line, column = _position(text, match.start())
            problems.append(
                Problem(
                    path,
                    line,
                    column,
                    "warning",
                    f"${match.group(1)} has no closing $ and is left as written (write ${name}$)",
                )
            )
    return sorted(problems, key=lambda p: (p.line, p.column))


#: ``$Agent.FirstName`` with no ``$`` after its name (a known name, or it is plain text).
_UNCLOSED = re.compile(r"\$([A-Za-z][A-Za-z0-9.]*[A-Za-z0-9])(?![A-Za-z0-9.$])")


def _unknown(path: Path, line: int, column: int, written: str) -> Problem:
    close = difflib.get_close_matches(written.lower(), list(_LOWER), n=1, cutoff=0.8)
    if close:
        return Problem(
            path,
            line,
            column,
            "error",
            f"unknown identifier ${written}$"
            f" (did you mean ${_LOWER[close[0]]}$?); it is left as written",
        )
    return Problem(
        path, line, column, "warning", f"${written}$ is not an identifier; it is left as written"
    )


def _encoding_findings(decoded: Decoded, data: bytes, path: Path) -> list[Problem]:
    if decoded.problem is not None:
        offset = decoded.problem_offset or 0
        line = data.count(b"\n", 0, offset) + 1
        column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
        where = f" (byte {offset})" if decoded.problem_offset is not None else ""
        return [Problem(path, line, column, "error", decoded.problem + where)]
    if decoded.codec in ("utf-8", "ascii"):
        return []
    how = f"declared charset {decoded.declared}" if decoded.declared else "byte-order mark"
    return [
        Problem(
            path,
            1,
            1,
            "note",
            f"encoded as {decoded.codec} ({how}); it renders correctly, UTF-8 is safer",
        )
    ]


def _position(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def fix_bytes(data: bytes, path: Path) -> FixResult:
    """Mend every split identifier; every other byte stays as it was.

    Args:
        data: the template's bytes.
        path: its name (``.htm``/``.html`` means HTML).

    Returns:
        The mended bytes and the count, or the unchanged bytes and why not.
    """
    html = is_html_template(path)
    decoded = decode_template(data, html=html)
    if not decoded.clean:
        return FixResult(data, 0, f"cannot fix safely: {decoded.problem}")
    text, codec = decoded.text, decoded.codec
    out = [data[: len(decoded.bom)]]
    char_at, byte_at = 0, len(decoded.bom)
    splits = find_splits(text, html=html)
    for split in splits:
        start = byte_at + len(text[char_at : split.start].encode(codec))
        end = start + len(text[split.start : split.end].encode(codec))
        if data[start:end] != text[split.start : split.end].encode(codec):
            return FixResult(data, 0, f"cannot fix safely: {codec} bytes do not map one to one")
        out += [data[byte_at:start], split.replacement.encode(codec)]
        char_at, byte_at = split.end, end
    out.append(data[byte_at:])
    return FixResult(b"".join(out), len(splits))


def fix_file(path: Path) -> FixResult:
    """Mend split identifiers in a file in place (atomically; untouched when nothing to mend).

    Raises:
        OSError: when the file cannot be read or written.
    """
    result = fix_bytes(path.read_bytes(), path)
    if result.fixed and result.refused is None:
        _replace(path, result.data)
    return result


def _replace(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
