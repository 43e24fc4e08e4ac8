"""Import e-mail without a mail server: .eml files, folders of them, and mbox files.

Imported messages take the same path as fetched ones (:func:`engine.ingest.ingest`).
Their dedupe key is the file (and position in an mbox) plus the content hash:
importing a file twice adds nothing, while two files that happen to hold the
same bytes are two deliveries and are both kept.

A file named on the command line that is neither an ``.eml``, an mbox nor in a
Maildir and does not begin with mail headers (a README, a spreadsheet) is
skipped and reported, unless forced. An ``.eml`` is mail whatever it holds:
broken mail is archived raw and parked, never skipped.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.config import Config
from engine.ingest import IngestResult, ingest
from engine.mail.parse import content_hash
from engine.ports import FetchedMessage
from engine.store import Store

#: Messages archived per transaction while importing.
BATCH = 500


@dataclass
class ImportReport:
    """Counts of an import run, and the files that could not be read at all."""

    files: int = 0
    archived: int = 0
    duplicates: int = 0
    routed: int = 0
    unrouted: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    #: Messages archived raw and unrouted because ingesting them failed:
    #: (dedupe key, reason). They are among ``archived`` and ``unrouted``.
    parked: list[tuple[str, str]] = field(default_factory=list)
    #: Files that are not e-mail, left alone (path, why); ``force`` imports them.
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def add(self, results: Iterable[IngestResult]) -> None:
        """Count a batch of results."""
        for result in results:
            if result.duplicate:
                self.duplicates += 1
                continue
            self.archived += 1
            if result.error:
                self.parked.append((result.source_key, result.error))
            if result.route.routed:
                self.routed += 1
            else:
                self.unrouted += 1


def _is_mbox(path: Path) -> bool:
    if path.suffix.lower() in (".mbox", ".eml"):
        # An .eml may begin with an mbox "From " line; it is still one message.
        return path.suffix.lower() == ".mbox"
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


#: Header fields one of which every e-mail has near its start.
MAIL_FIELDS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"received",
    b"return-path",
    b"delivered-to",
    b"mime-version",
    b"content-type",
)
_FIELD = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")


def not_mail(raw: bytes) -> str | None:
    """Why ``raw`` is not an e-mail (None: it begins with mail headers).

    Lenient on purpose: a header block whose first line is a field and which
    has one of :data:`MAIL_FIELDS` is mail, however broken the rest.
    """
    head = raw[:65536].lstrip(b"\r\n")
    block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
    lines = block.splitlines()
    if not lines or not _FIELD.match(lines[0]):
        return "it does not begin with a mail header (From:, To:, Subject: …)"
    names = {m.group(1).lower() for line in lines if (m := _FIELD.match(line))}
    if not names & set(MAIL_FIELDS):
        return "none of From:, To:, Subject:, Date:, Message-ID: or Received: in its header"
    return None


def _known_mail(file: Path, named: bool) -> bool:
    """An ``.eml``, or a file of a Maildir folder found by walking one: mail by where it is."""
    return file.suffix.lower() == ".eml" or (not named and file.parent.name in ("cur", "new"))


def iter_messages(
    paths: Sequence[Path], report: ImportReport, *, force: bool = False
) -> Iterator[FetchedMessage]:
    """Yield every message in ``paths`` (files, folders searched recursively, mbox files).

    A named file that is not mail (:func:`not_mail`) lands in ``report.skipped``
    unless ``force``.
    """
    for path in paths:
        named = not path.is_dir()
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            files = [
                p
                for p in files
                if p.suffix.lower() in (".eml", ".mbox") or p.parent.name in ("cur", "new")
            ]
        else:
            files = [path]
        for file in files:
            try:
                if _is_mbox(file):
                    report.files += 1
                    yield from _mbox_messages(file, report)
                    continue
                raw = file.read_bytes()
            except Exception as exc:  # one unreadable file never stops the others
                report.unreadable.append((str(file), _why(exc)))
                continue
            why = None if force or _known_mail(file, named) else not_mail(raw)
            if why is not None:
                report.skipped.append((str(file), why))
                continue
            report.files += 1
            where = file.resolve()
            yield FetchedMessage(f"import:{where}:{content_hash(raw)}", f"import:{where}", raw)


def _why(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return f"{exc.__class__.__name__}: {exc}"


def _mbox_messages(file: Path, report: ImportReport) -> Iterator[FetchedMessage]:
    where = file.resolve()
    box = mailbox.mbox(file, create=False)
    try:
        for key in box.iterkeys():
            try:
                raw = box.get_bytes(key)
            except Exception as exc:  # one unreadable message never stops the others
                report.unreadable.append((f"{file}#{key}", _why(exc)))
                continue
            yield FetchedMessage(
                f"import:{where}#{key}:{content_hash(raw)}", f"import:{where}#{key}", raw
            )
    finally:
        box.close()


def import_paths(
    store: Store, config: Config, paths: Sequence[Path], *, force: bool = False
) -> ImportReport:
    """Import every message under ``paths``; return what happened.

    ``force``: import named files that do not look like e-mail too.
    """
    report = ImportReport()
    batch: list[FetchedMessage] = []
    for message in iter_messages(paths, report, force=force):
        batch.append(message)
        if len(batch) >= BATCH:
            report.add(ingest(store, config, batch, backlog=True))
            batch = []
    if batch:
        report.add(ingest(store, config, batch, backlog=True))
    return report
