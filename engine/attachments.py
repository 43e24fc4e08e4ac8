"""Files an agent attaches: only from configured folders, never too big.

An agent's console runs as the service account, which can read the store
(every group's mail) and the mail server's password file. So a file an agent
adds to an e-mail must lie inside a folder the administrator allowed:
``[attachments] folders`` for everyone, plus the service group's own
``attachments_folder`` for that group's e-mails. The rule is checked here, in
the engine, when a file is attached and again when the e-mail is built for
the outbox (the file may have been replaced by a symlink meanwhile):

- the path is resolved (``Path.resolve``: symlinks followed, ``..`` removed)
  and must then lie inside one of the allowed folders, itself resolved; a
  symlink inside a folder pointing outside it is refused;
- it must be a regular file, and never the store (or its WAL/SHM files), the
  config file or a secret file the config names, even inside a folder (nor a
  hard link to one);
- it may be at most ``[attachments] max_mb`` (default 20 MB);
- with Microsoft Graph (``[server] type = "graph"``) an e-mail goes in one
  ``sendMail`` request of at most 4 MB of base64 MIME (about 3 MB of mail,
  see :mod:`engine.adapters.graph.sender`); attachments that cannot fit are
  refused when attached, naming that limit.

Forwarded attachments never come from the filesystem: a forward takes the
original's attachments from its archived raw bytes (:mod:`engine.replies`).

Every function blocks on the filesystem: call it from a worker thread.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.config import Config
from engine.config.load import KeyLines, Problem
from engine.errors import Refused

#: The keys an administrator writes to allow attaching files.
FOLDERS_KEY = "[attachments] folders"
GROUP_FOLDER_KEY = "attachments_folder"
#: 1 MB as the limits count it.
MB = 1_000_000
#: Graph's sendMail takes a request body of at most 4 MB: base64 of the MIME message.
GRAPH_REQUEST_BYTES = 4 * 1024 * 1024
#: So the MIME message itself may be at most this big (base64 adds a third).
GRAPH_MESSAGE_BYTES = GRAPH_REQUEST_BYTES * 3 // 4
#: Room the headers and the text of an e-mail take, roughly.
_GRAPH_HEADROOM = 64 * 1024
#: At most this many files are listed for the picker (type to narrow the list).
LIST_LIMIT = 500
#: At most this many files are looked at for one listing, so a huge folder stays quick.
SCAN_LIMIT = 20_000


@dataclass(frozen=True)
class AttachableFile:
    """A file an agent may attach: where it is, and what the picker shows."""

    path: Path
    folder: Path
    relative: str
    size: int


@dataclass(frozen=True)
class Listing:
    """Files under the allowed folders, as the picker shows them."""

    files: tuple[AttachableFile, ...]
    #: More files matched than are listed, or the folders hold more files than were looked at.
    truncated: bool
    #: Allowed folders that do not exist (or cannot be read).
    missing: tuple[Path, ...]


def folders_for(config: Config, group: str) -> tuple[Path, ...]:
    """The folders files for ``group``'s e-mails may come from, as configured."""
    found = list(config.attachments.folders)
    settings = config.group(group)
    if settings is not None and settings.attachments_folder is not None:
        found.append(settings.attachments_folder)
    return tuple(dict.fromkeys(found))


def not_set_up(group: str) -> str:
    """What to say when nothing may be attached for ``group``."""
    return (
        "attaching files is not set up: an administrator lists the folders files may come "
        f"from in {FOLDERS_KEY} (or the service group's {GROUP_FOLDER_KEY}, "
        f"here for {group}) in the config file"
    )


def size_text(size: int) -> str:
    """A file size as the messages write it: ``31.2 MB``, ``840 kB``, ``12 bytes``."""
    if size >= MB:
        return f"{size / MB:.1f} MB"
    if size >= 1000:
        return f"{size / 1000:.0f} kB"
    return f"{size} bytes"


def _roots(config: Config, group: str) -> list[Path]:
    roots = []
    for folder in folders_for(config, group):
        try:
            root = folder.expanduser().resolve(strict=True)
        except OSError:
            continue  # a missing folder allows nothing (micc check warns about it)
        if root.is_dir():
            roots.append(root)
    return roots


def _never(config: Config) -> set[Path]:
    """Files never attached, wherever they are: the store, the config, secrets."""
    paths: list[Path | None] = [config.store.path, config.source]
    store = config.store.path
    paths += [store.with_name(store.name + s) for s in ("-wal", "-shm", "-journal")]
    server = config.server
    paths += [server.imap.password_file, server.smtp.password_file]
    if server.graph is not None:
        paths.append(server.graph.client_secret_file)
    found = set()
    for path in paths:
        if path is None:
            continue
        try:
            found.add(path.expanduser().resolve())
        except OSError:
            continue
    return found


def _never_ids(never: set[Path]) -> set[tuple[int, int]]:
    """The (device, inode) of those files: a hard link to one is the same file."""
    found = set()
    for path in never:
        try:
            info = path.stat()
        except OSError:
            continue
        found.add((info.st_dev, info.st_ino))
    return found


def _encoded(size: int) -> int:
    """Bytes a file takes in a MIME message (base64, lines of 76 and CRLF)."""
    encoded = math.ceil(size / 3) * 4
    return encoded + math.ceil(encoded / 76) * 2


def check(
    config: Config, group: str, path: Path | str, *, others: Sequence[Path] = ()
) -> AttachableFile:
    """Check that ``path`` may be attached to an e-mail of ``group``; return it resolved.

    Args:
        config: the tenant.
        group: the service group the e-mail is sent for.
        path: the file chosen.
        others: files already attached (they count towards Graph's limit).

    Raises:
        Refused: attaching is not set up for the group, the file is outside
            the allowed folders (after following symlinks), is not a regular
            file, is the store or a secret, or is too big.
    """
    chosen = Path(path).expanduser()
    shown = chosen.name or str(chosen)
    if not folders_for(config, group):
        raise Refused(not_set_up(group))
    roots = _roots(config, group)
    try:
        resolved = chosen.resolve(strict=True)
    except (OSError, RuntimeError):
        raise Refused(f"cannot attach {chosen}: no such file") from None
    root = next((r for r in roots if resolved.is_relative_to(r)), None)
    if root is None:
        where = ", ".join(str(f) for f in folders_for(config, group))
        raise Refused(
            f"cannot attach {chosen}: it is not inside a folder attachments may come from "
            f"({where}; symlinks are followed)"
        )
    never = _never(config)
    try:
        info = resolved.stat()
    except OSError as exc:
        raise Refused(f"cannot attach {chosen}: {exc.strerror or exc}") from None
    if resolved in never or (info.st_dev, info.st_ino) in _never_ids(never):
        raise Refused(f"cannot attach {chosen}: it is the store, the config or a secret file")
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"cannot attach {chosen}: it is not a regular file")
    _check_size(config, shown, info.st_size, others)
    return AttachableFile(resolved, root, str(resolved.relative_to(root)), info.st_size)


def _check_size(config: Config, name: str, size: int, others: Sequence[Path]) -> None:
    limit = config.attachments.max_mb
    if size > limit * MB:
        raise Refused(f"{name} is {size_text(size)}; attachments may be at most {limit:g} MB")
    if config.server.type != "graph":
        return
    total = _encoded(size)
    for other in others:
        try:
            total += _encoded(other.stat().st_size)
        except OSError:
            continue  # named when the e-mail is sent
    if total > GRAPH_MESSAGE_BYTES - _GRAPH_HEADROOM:
        together = " with the e-mail's other attachments" if others else ""
        raise Refused(
            f"{name} is {size_text(size)}: too big to send through Microsoft Graph, whose "
            f"sendMail takes an e-mail in one request of at most 4 MB (about 3 MB of mail; "
            f"attachments grow by a third when encoded, so this comes to "
            f"{size_text(total)}{together})"
        )


def read(config: Config, group: str, path: Path) -> bytes:
    """The bytes of an attached file, checked again as it is read (at sending).

    The path is resolved and checked as by :func:`check`, then opened without
    following a symlink, and the file opened must be the one checked.

    Raises:
        Refused: the file is gone, moved outside the allowed folders (or
            replaced by a symlink pointing outside), or grew too big.
    """
    try:
        checked = check(config, group, path)
    except Refused as refused:
        raise Refused(f"{refused}; remove it or attach it again") from None
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    limit = int(config.attachments.max_mb * MB)
    try:
        handle = os.open(checked.path, flags)
    except OSError as exc:
        raise Refused(
            f"cannot attach {path}: {exc.strerror or exc}; remove it or attach it again"
        ) from None
    with os.fdopen(handle, "rb") as file:
        opened = os.fstat(file.fileno())
        try:
            now = checked.path.stat()
        except OSError:
            now = None
        if (
            now is None
            or not stat.S_ISREG(opened.st_mode)
            or (opened.st_dev, opened.st_ino) != (now.st_dev, now.st_ino)
        ):
            raise Refused(f"cannot attach {path}: it changed while it was read; attach it again")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise Refused(
            f"{path.name} is now over {config.attachments.max_mb:g} MB; "
            "attachments may be at most that"
        )
    return data


def graph_refusal(config: Config, raw: bytes) -> str | None:
    """Why Microsoft Graph would refuse this finished message, if it would (None: it fits)."""
    if config.server.type != "graph":
        return None
    # The sender may add a Bcc line for blind copies: keep a little room for it.
    if math.ceil(len(raw) / 3) * 4 <= GRAPH_REQUEST_BYTES - 8192:
        return None
    return (
        f"the e-mail is {size_text(len(raw))} with its attachments; Microsoft Graph's sendMail "
        "takes an e-mail in one request of at most 4 MB (about 3 MB of mail): "
        "remove an attachment"
    )


def _walk(root: Path) -> Iterator[Path]:
    """Files under ``root``, in name order, hidden ones left out, symlinked folders not entered."""
    for top, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(top) / name


def listing(
    config: Config, group: str, text: str = "", *, limit: int = LIST_LIMIT, scan: int = SCAN_LIMIT
) -> Listing:
    """Files under ``group``'s allowed folders whose path holds every word of ``text``.

    Symlinks whose target is outside the folders, the store and secrets are
    left out. Files too big are listed with their size: choosing one says why
    it cannot be attached.
    """
    words = text.casefold().split()
    never = _never(config)
    never_ids = _never_ids(never)
    roots = _roots(config, group)
    missing = tuple(f for f in folders_for(config, group) if not _exists(f))
    found: list[AttachableFile] = []
    seen: set[Path] = set()
    truncated = False
    looked = 0
    for root in roots:
        for path in _walk(root):
            looked += 1
            if looked > scan:
                truncated = True
                break
            relative = str(path.relative_to(root))
            if words and not all(w in relative.casefold() for w in words):
                continue
            try:
                resolved = path.resolve(strict=True)
                info = resolved.stat()
            except (OSError, RuntimeError):
                continue
            if (
                resolved in seen
                or resolved in never
                or (info.st_dev, info.st_ino) in never_ids
                or not any(resolved.is_relative_to(r) for r in roots)
                or not stat.S_ISREG(info.st_mode)
            ):
                continue
            if len(found) >= limit:
                truncated = True
                break
            seen.add(resolved)
            found.append(AttachableFile(path, root, relative, info.st_size))
        if truncated:
            break
    return Listing(tuple(found), truncated, missing)


def _exists(folder: Path) -> bool:
    try:
        return folder.expanduser().is_dir()
    except OSError:
        return False


def problems(config: Config) -> Iterable[Problem]:
    """Warnings for ``micc check``: allowed folders that do not exist or hold the store."""
    file = config.source
    try:
        lines = KeyLines(file.read_text(encoding="utf-8")) if file else KeyLines("")
    except (OSError, UnicodeDecodeError):
        lines = KeyLines("")
    never = _never(config)
    places: list[tuple[tuple[str | int, ...], Path]] = [
        (("attachments", "folders"), f) for f in config.attachments.folders
    ]
    places += [
        (("service_group", i, "attachments_folder"), g.attachments_folder)
        for i, g in enumerate(config.service_group)
        if g.attachments_folder is not None
    ]
    for loc, folder in places:
        key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")
        if not _exists(folder):
            yield Problem(
                file,
                lines.line(loc),
                key,
                f"folder {folder} does not exist",
                "nothing can be attached from it; create it or correct the path",
            )
            continue
        root = folder.expanduser().resolve()
        held = sorted(str(p) for p in never if p.is_relative_to(root) and p.exists())
        if held:
            yield Problem(
                file,
                lines.line(loc),
                key,
                f"folder {folder} holds {', '.join(held)}",
                "agents cannot attach those, but give attachments a folder of their own",
            )


__all__ = [
    "FOLDERS_KEY",
    "GRAPH_MESSAGE_BYTES",
    "GRAPH_REQUEST_BYTES",
    "AttachableFile",
    "Listing",
    "check",
    "folders_for",
    "graph_refusal",
    "listing",
    "not_set_up",
    "problems",
    "read",
    "size_text",
]
