"""The real-world e-mail corpus, kept in the repository (see README.md here).

Every test over the corpus goes through :func:`mail_gem_files` (or
:func:`mail_gem`), which fails unless all :data:`MAIL_GEM_MESSAGES` messages
are there: a missing or emptied folder must fail, never pass over no files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: 103 ``.eml`` files from the Ruby mail gem's test fixtures (MIT, LICENSE inside).
MAIL_GEM = Path(__file__).resolve().parent / "mail-gem-fixtures"
MAIL_GEM_MESSAGES = 103


def mail_gem_files(subfolder: str = "") -> list[Path]:
    """The corpus's ``.eml`` files (all, or one subfolder's), sorted.

    Fails the test unless the folder holds exactly :data:`MAIL_GEM_MESSAGES`
    messages and the subfolder asked for holds at least one.
    """
    if not MAIL_GEM.is_dir():
        pytest.fail(f"the mail corpus is missing: no folder {MAIL_GEM}", pytrace=False)
    every = sorted(MAIL_GEM.rglob("*.eml"))
    if len(every) != MAIL_GEM_MESSAGES:
        pytest.fail(
            f"the mail corpus in {MAIL_GEM} holds {len(every)} .eml files, "
            f"not {MAIL_GEM_MESSAGES}: restore it as it came (see tests/corpus/README.md)",
            pytrace=False,
        )
    if not subfolder:
        return every
    files = [p for p in every if p.parent == MAIL_GEM / subfolder]
    if not files:
        pytest.fail(f"no .eml files in {MAIL_GEM / subfolder}", pytrace=False)
    return files


def mail_gem() -> Path:
    """The corpus folder, once :func:`mail_gem_files` has found it complete."""
    mail_gem_files()
    return MAIL_GEM
