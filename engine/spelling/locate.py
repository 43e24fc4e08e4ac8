"""Where dictionaries live: the shipped folder and the administrator's site folder.

Each culture is a folder named for it holding ``Dictionary.dic`` and
``Grammar.aff`` (the guide's layout). The shipped folder is the repository's
``data/spelling`` in a checkout or an editable install, and
``<prefix>/share/micc-tui/spelling`` in an installed wheel.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

DIC_NAME = "Dictionary.dic"
AFF_NAME = "Grammar.aff"


def shipped_folder() -> Path:
    """The folder of the dictionaries that ship with micc-tui (English).

    ``data/spelling`` in a checkout (and an editable install); a wheel puts
    the same files in ``<prefix>/share/micc-tui/spelling``.
    """
    # engine/spelling/locate.py -> repository root is three parents up.
    checkout = Path(__file__).resolve().parents[2] / "data" / "spelling"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "micc-tui" / "spelling"


@dataclass(frozen=True)
class DictionaryFiles:
    """The two files of one culture's dictionary."""

    culture: str
    folder: Path

    @property
    def dic(self) -> Path:
        """The word list, ``Dictionary.dic``."""
        return self.folder / DIC_NAME

    @property
    def aff(self) -> Path:
        """The affix and grammar rules, ``Grammar.aff``."""
        return self.folder / AFF_NAME

    def complete(self) -> bool:
        """Whether both files are present."""
        return self.dic.is_file() and self.aff.is_file()


def search_folders(site_folder: Path | None) -> list[Path]:
    """Folders searched for cultures, the site folder first so it can override English."""
    folders = [site_folder] if site_folder is not None else []
    folders.append(shipped_folder())
    return folders


def installed(site_folder: Path | None) -> dict[str, DictionaryFiles]:
    """Every culture folder holding both files, by folder name (site folder wins)."""
    found: dict[str, DictionaryFiles] = {}
    for folder in search_folders(site_folder):
        if not folder.is_dir():
            continue
        for child in sorted(folder.iterdir()):
            files = DictionaryFiles(child.name, child)
            if child.is_dir() and child.name not in found and files.complete():
                found[child.name] = files
    return found
