"""Which folder of the master mailbox is the inbox, Sent, Trash, Archive.

Configured names win; then SPECIAL-USE flags (RFC 6154) as the server lists
them; then common and localized names, because many servers (and the
embedded demo server) do not announce special use. Pure functions over the
server's folder list, so they are tested without a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: Roles the engine uses.
ROLES = ("inbox", "sent", "trash", "archive", "drafts", "junk")

_FLAGS = {
    "sent": "\\sent",
    "trash": "\\trash",
    "archive": "\\archive",
    "drafts": "\\drafts",
    "junk": "\\junk",
}

#: Names seen in the wild, compared case-insensitively, most common first.
#: Each is also tried under a parent such as "INBOX." or "[Gmail]/".
KNOWN_NAMES: Mapping[str, tuple[str, ...]] = {
    "inbox": ("INBOX",),
    "sent": (
        "Sent",
        "Sent Items",
        "Sent Mail",
        "Sent Messages",
        "[Gmail]/Sent Mail",
        "Gesendete Elemente",
        "Gesendet",
        "Gesendete Objekte",
        "Éléments envoyés",
        "Envoyés",
        "Messages envoyés",
        "Elementos enviados",
        "Enviados",
        "Posta inviata",
        "Inviata",
        "Verzonden items",
        "Verzonden",
        "Skickat",
        "Skickade objekt",
        "Sendt",
        "Sendte elementer",
        "Lähetetyt",
        "Wysłane",
        "Odeslaná pošta",
        "Itens enviados",
        "Отправленные",
    ),
    "trash": (
        "Trash",
        "Deleted Items",
        "Deleted Messages",
        "Deleted",
        "[Gmail]/Trash",
        "[Gmail]/Bin",
        "Bin",
        "Papierkorb",
        "Gelöschte Elemente",
        "Gelöschte Objekte",
        "Corbeille",
        "Éléments supprimés",
        "Papelera",
        "Elementos eliminados",
        "Cestino",
        "Posta eliminata",
        "Prullenbak",
        "Verwijderde items",
        "Papperskorgen",
        "Borttagna objekt",
        "Papirkurv",
        "Kosz",
        "Lixeira",
        "Itens excluídos",
        "Корзина",
    ),
    "archive": ("Archive", "Archives", "[Gmail]/All Mail", "Archiv", "Archivio", "Archivo"),
    "drafts": ("Drafts", "[Gmail]/Drafts", "Entwürfe", "Brouillons", "Borradores", "Bozze"),
    "junk": ("Junk", "Spam", "Junk E-mail", "[Gmail]/Spam", "Junk-E-Mail", "Courrier indésirable"),
}


@dataclass(frozen=True)
class Folder:
    """A folder as the server lists it."""

    name: str
    flags: tuple[str, ...] = ()
    delimiter: str = "/"


@dataclass(frozen=True)
class Detected:
    """The folder found for a role and how it was found."""

    role: str
    name: str
    how: str  # "configured" | "special-use" | "name"


def from_imap_list(
    listing: Iterable[tuple[Sequence[bytes | str], bytes | str | None, str]],
) -> list[Folder]:
    """Convert imapclient's ``list_folders()`` rows into :class:`Folder` values."""
    folders = []
    for flags, delimiter, name in listing:
        flag_text = tuple(f.decode() if isinstance(f, bytes) else f for f in flags)
        delim = delimiter.decode() if isinstance(delimiter, bytes) else (delimiter or "/")
        folders.append(Folder(name, flag_text, delim))
    return folders


def detect(
    folders: Sequence[Folder], configured: Mapping[str, str] | None = None
) -> dict[str, Detected]:
    """Find each role's folder.

    Args:
        folders: every folder the server lists.
        configured: role -> folder name from the config; non-empty names win
            even when the folder does not exist (the caller reports that).

    Returns:
        role -> :class:`Detected`, only for roles that were found.
    """
    configured = configured or {}
    found: dict[str, Detected] = {}
    for role in ROLES:
        name = (configured.get(role) or "").strip()
        if name:
            found[role] = Detected(role, name, "configured")
            continue
        flag = _FLAGS.get(role)
        if flag:
            flagged = [f for f in folders if flag in (x.lower() for x in f.flags)]
            if flagged:
                found[role] = Detected(role, flagged[0].name, "special-use")
                continue
        by_name = _by_name(folders, KNOWN_NAMES[role])
        if by_name:
            found[role] = Detected(role, by_name, "name")
    return found


def _by_name(folders: Sequence[Folder], names: Sequence[str]) -> str | None:
    def plain(folder: Folder) -> str:
        # "INBOX.Sent", "INBOX/Sent Items": the leaf under the inbox counts too.
        lowered = folder.name.casefold()
        for prefix in ("inbox" + folder.delimiter,):
            if lowered.startswith(prefix):
                return lowered[len(prefix) :]
        return lowered

    for candidate in names:
        wanted = candidate.casefold()
        for folder in folders:
            if folder.name.casefold() == wanted or plain(folder) == wanted:
                return folder.name
    return None


def exists(folders: Sequence[Folder], name: str) -> bool:
    """True when ``name`` is listed (INBOX compared case-insensitively, as RFC 3501 says)."""
    if name.upper() == "INBOX":
        return any(f.name.upper() == "INBOX" for f in folders)
    return any(f.name == name for f in folders)
