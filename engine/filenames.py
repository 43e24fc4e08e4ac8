"""File names that come from e-mails, made safe to create on the agent's disk.

An attachment's name is the sender's choice: it may hold folders (``../``),
control characters, bidi overrides that make ``gpj.exe`` read as ``exe.jpg``
(U+202E), a leading ``-`` that a shell command takes for an option, or more
bytes than a file system allows in one name (255 on Linux: 120 CJK
characters are 360 bytes). :func:`safe_filename` removes or replaces all of
these; :func:`free_path` finds a name not yet taken in a folder, within the
same limit.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

#: The longest file name most file systems accept, in UTF-8 bytes (NAME_MAX).
MAX_NAME_BYTES = 255
#: An extension longer than this is part of the name, not an extension to keep.
_MAX_SUFFIX_BYTES = 32
#: Characters a file name cannot or should not hold on any common system.
_UNSAFE = re.compile(r"[/\\:*?\"<>|]+")
#: Unicode categories removed outright: controls (C0, C1, DEL), format characters
#: (bidi embeddings, overrides and isolates U+202A-E and U+2066-9, marks U+200E/F,
#: zero-width characters), line and paragraph separators, surrogates, private use.
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def _clean(name: str) -> str:
    kept = "".join(c for c in name if unicodedata.category(c) not in _REMOVED_CATEGORIES)
    return _UNSAFE.sub("_", kept)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    return text.encode("utf-8")[: max(limit, 0)].decode("utf-8", errors="ignore")


def split_suffix(name: str) -> tuple[str, str]:
    """(stem, extension): ``report.pdf`` → ``("report", ".pdf")``; none if too long to be one."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or not extension:
        return name, ""
    suffix = "." + extension
    if len(suffix.encode("utf-8")) > _MAX_SUFFIX_BYTES:
        return name, ""
    return stem, suffix


def fit(stem: str, suffix: str, limit: int = MAX_NAME_BYTES) -> str:
    """``stem + suffix`` in at most ``limit`` UTF-8 bytes: the stem is cut, the extension kept."""
    room = limit - len(suffix.encode("utf-8"))
    cut = _cut(stem, room).rstrip(" .")
    return cut + suffix if cut else _cut(stem + suffix, limit).rstrip(" .")


def safe_filename(name: str) -> str:
    """A file name from an e-mail made harmless; ``""`` when nothing usable is left.

    Only the last path component is kept; controls, bidi and zero-width
    characters are removed; ``/ \\ : * ? " < > |`` become ``_``; leading dots,
    dashes and spaces and trailing dots and spaces go; the result is at most
    255 UTF-8 bytes, cut on a character boundary, keeping the extension.
    """
    last = _clean(name.replace("\\", "/").rsplit("/", 1)[-1]).lstrip(" .-").rstrip(" .")
    if not last:
        return ""
    return fit(*split_suffix(last))


def free_path(folder: Path, name: str) -> Path:
    """``folder / name``, or ``name-1``, ``name-2``... before the extension: one not taken.

    Every candidate stays within :data:`MAX_NAME_BYTES`.
    """
    stem, suffix = split_suffix(name)
    target = folder / fit(stem, suffix)
    number = 1
    while target.exists():
        mark = f"-{number}"
        room = MAX_NAME_BYTES - len(mark) - len(suffix.encode("utf-8"))
        target = folder / (_cut(stem, room).rstrip(" .") + mark + suffix)
        number += 1
    return target
