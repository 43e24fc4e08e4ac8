"""Files only the service account may read: the store, its WAL and SHM, the secrets folder.

The store holds every group's mail and the secrets folder the mail server's
passwords, so neither is ever created readable by others. SQLite gives a
database's ``-wal`` and ``-shm`` files the database file's own mode, so a
store file created 0600 keeps all three private. Files that exist already are
not changed: ``micc check`` reports those that others can read (see
:func:`readable_by_others`) with the ``chmod`` that fixes them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: Mode of a file only its owner may read and write.
PRIVATE_FILE = 0o600
#: Mode of a folder only its owner may list and enter.
PRIVATE_FOLDER = 0o700
#: The files SQLite keeps beside a store in WAL mode.
STORE_SIDE_FILES = ("-wal", "-shm")


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; whether it was created.

    The file is created with its final mode, so nothing is ever written to it
    while others could read it. An empty file is a valid, empty SQLite database.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def private_folder(path: Path) -> Path:
    """Make the folder ``path`` (and its parents) and set it to 0700; return it."""
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_FOLDER)
    return path


def store_files(path: Path) -> list[Path]:
    """The store file and its ``-wal`` and ``-shm`` files, those that exist."""
    candidates = [path, *(path.with_name(path.name + side) for side in STORE_SIDE_FILES)]
    return [p for p in candidates if p.exists()]


def readable_by_others(path: Path) -> bool:
    """Whether the group or everyone may read ``path`` (a missing file: no)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))


def mode_of(path: Path) -> str:
    """``path``'s permission bits in octal, as ``chmod`` takes them (``0644``)."""
    return f"{stat.S_IMODE(path.stat().st_mode):04o}"
