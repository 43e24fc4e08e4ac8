"""Install a dictionary into a culture folder: from an OpenOffice ``.oxt``/``.zip`` or a file pair.

An extension may hold several dictionaries (LibreOffice's German bundle has
de-DE, de-AT and de-CH). Its ``META-INF/manifest.xml`` names the
configuration files, and ``dictionaries.xcu`` among them says which ``.aff``/
``.dic`` pair (format ``DICT_SP``) serves which locales; the entry for the
culture is the one installed. spylls' ``Dictionary.from_zip`` would take the
first pair in the archive instead. Without an ``.xcu`` the guide's naming rule
applies (``es_ES.dic`` for es-ES), and a lone pair is taken as it is.

Files are written to a temporary folder beside the target, loaded, tested on
some of their own words, and only then moved into place under the names the
guide prescribes (``Dictionary.dic``, ``Grammar.aff``). Only members named by
the bundle are read, so a hostile archive cannot write elsewhere.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import MiccError
from engine.spelling.checker import DictionaryLoadError, SpellChecker
from engine.spelling.cultures import canonical_culture
from engine.spelling.locate import AFF_NAME, DIC_NAME, DictionaryFiles

_OOR = "{http://openoffice.org/2001/registry}"
_MANIFEST = "{http://openoffice.org/2001/manifest}"
#: Refuse archive members larger than this (a big dictionary is ~30 MB).
MAX_MEMBER_BYTES = 200 * 1024 * 1024
#: How many of its own words a new dictionary must accept.
SAMPLE_WORDS = 6
_LICENCE_PREFIXES = ("LICENSE", "LICENCE", "COPYING", "README", "COPYRIGHT")


class InstallError(MiccError):
    """The dictionary cannot be installed; the message says why and what to do."""


@dataclass(frozen=True)
class BundleEntry:
    """One spelling dictionary declared in a bundle's ``dictionaries.xcu``."""

    name: str
    aff: str
    dic: str
    locales: tuple[str, ...]


@dataclass(frozen=True)
class InstallResult:
    """What was installed where, and the proof that it works."""

    culture: str
    folder: Path
    source: str
    words: int
    sample: tuple[str, ...]
    extra_files: tuple[str, ...] = field(default=())


def _same_locale(a: str, b: str) -> bool:
    return a.replace("_", "-").casefold() == b.replace("_", "-").casefold()


def _values(prop: ET.Element) -> list[str]:
    texts: list[str] = []
    for element in prop.iter():
        if element.tag in ("value", "it") and element.text:
            texts.extend(element.text.split())
    return texts


def parse_xcu(data: bytes, base: str) -> list[BundleEntry]:
    """The ``DICT_SP`` entries of a ``dictionaries.xcu`` whose folder in the bundle is ``base``."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InstallError(f"dictionaries.xcu is not valid XML: {exc}") from exc
    entries: list[BundleEntry] = []
    for node in root.iter("node"):
        props = {p.get(f"{_OOR}name"): _values(p) for p in node.findall("prop")}
        if props.get("Format") != ["DICT_SP"]:
            continue
        locations = [
            loc.replace("%origin%", base).lstrip("/") for loc in props.get("Locations", [])
        ]
        aff = next((posixpath.normpath(x) for x in locations if x.endswith(".aff")), None)
        dic = next((posixpath.normpath(x) for x in locations if x.endswith(".dic")), None)
        if aff and dic:
            entries.append(
                BundleEntry(
                    node.get(f"{_OOR}name") or dic, aff, dic, tuple(props.get("Locales", []))
                )
            )
    return entries


def bundle_entries(archive: zipfile.ZipFile) -> list[BundleEntry]:
    """Every spelling dictionary an extension declares (empty when it has no ``.xcu``)."""
    names = set(archive.namelist())
    xcus: list[str] = []
    if "META-INF/manifest.xml" in names:
        try:
            manifest = ET.fromstring(archive.read("META-INF/manifest.xml"))
        except ET.ParseError as exc:
            raise InstallError(f"META-INF/manifest.xml is not valid XML: {exc}") from exc
        for entry in manifest.iter(f"{_MANIFEST}file-entry"):
            path = entry.get(f"{_MANIFEST}full-path", "")
            if path.endswith(".xcu") and path in names:
                xcus.append(path)
    if not xcus:
        xcus = [n for n in names if posixpath.basename(n) == "dictionaries.xcu"]
    entries: list[BundleEntry] = []
    for xcu in xcus:
        entries += parse_xcu(archive.read(xcu), posixpath.dirname(xcu))
    return entries


def choose_entry(
    archive: zipfile.ZipFile, culture: str, dictionary: str | None = None
) -> tuple[str, str]:
    """The (aff, dic) member names to install for ``culture``.

    Args:
        archive: The opened ``.oxt``/``.zip``.
        culture: Canonical culture name.
        dictionary: An entry name or file base name that overrides the choice,
            for bundles whose locales do not name the culture.
    """
    names = set(archive.namelist())
    entries = bundle_entries(archive)
    pairs = sorted(n[:-4] for n in names if n.endswith(".dic") and n[:-4] + ".aff" in names)
    if dictionary is not None:
        for entry in entries:
            if dictionary in (entry.name, posixpath.basename(entry.dic)[:-4]):
                return entry.aff, entry.dic
        for base in pairs:
            if posixpath.basename(base) == dictionary:
                return base + ".aff", base + ".dic"
        raise InstallError(
            f"no dictionary {dictionary!r} in the bundle; it has: "
            + ", ".join(posixpath.basename(p) for p in pairs)
        )
    if entries:
        for entry in entries:
            if any(_same_locale(loc, culture) for loc in entry.locales):
                return entry.aff, entry.dic
        offered = "; ".join(f"{e.name} ({' '.join(e.locales)})" for e in entries)
        raise InstallError(
            f"the bundle has no spelling dictionary for {culture}: it offers "
            f"{offered}. Pick one with --dictionary NAME if it fits."
        )
    for base in pairs:  # the guide: main files are named for the culture
        if _same_locale(posixpath.basename(base), culture):
            return base + ".aff", base + ".dic"
    if len(pairs) == 1:
        return pairs[0] + ".aff", pairs[0] + ".dic"
    if not pairs:
        raise InstallError("the archive holds no .aff/.dic pair")
    raise InstallError(
        "the archive holds several dictionaries and no dictionaries.xcu: "
        + ", ".join(posixpath.basename(p) for p in pairs)
        + ". Pick one with --dictionary NAME."
    )


def _copy_member(archive: zipfile.ZipFile, member: str, target: Path) -> None:
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise InstallError(f"the bundle names {member}, which it does not contain") from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise InstallError(f"{member} is larger than {MAX_MEMBER_BYTES // 2**20} MiB")
    with archive.open(info) as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst)


def _stage_from_archive(
    path: Path, culture: str, dictionary: str | None, staging: Path
) -> tuple[str, tuple[str, ...]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InstallError(f"{path}: not a readable .oxt/.zip: {exc}") from exc
    with archive:
        aff, dic = choose_entry(archive, culture, dictionary)
        _copy_member(archive, aff, staging / AFF_NAME)
        _copy_member(archive, dic, staging / DIC_NAME)
        extras: list[str] = []
        folders = {"", posixpath.dirname(dic)}
        for member in archive.namelist():
            base = posixpath.basename(member)
            if (
                posixpath.dirname(member) in folders
                and base.upper().startswith(_LICENCE_PREFIXES)
                and base not in (AFF_NAME, DIC_NAME)
                and base not in extras
            ):
                _copy_member(archive, member, staging / base)
                extras.append(base)
    return f"{path.name}:{dic}", tuple(extras)


def _stage_from_pair(paths: Sequence[Path], staging: Path) -> str:
    by_suffix = {p.suffix.lower(): p for p in paths}
    if set(by_suffix) != {".dic", ".aff"}:
        raise InstallError("give one .oxt/.zip, or a .dic and an .aff file")
    for suffix, name in ((".dic", DIC_NAME), (".aff", AFF_NAME)):
        source = by_suffix[suffix]
        if not source.is_file():
            raise InstallError(f"{source}: no such file")
        shutil.copyfile(source, staging / name)
    return by_suffix[".dic"].name


def verify(files: DictionaryFiles) -> tuple[int, tuple[str, ...]]:
    """Load a staged dictionary and check it accepts some of its own words.

    Returns:
        The entry count and the sample words checked.

    Raises:
        InstallError: It does not load, or refuses its own words (a mismatched pair).
    """
    try:
        checker = SpellChecker.load(files)
    except DictionaryLoadError as exc:
        raise InstallError(str(exc)) from exc
    words = [w for w in checker.dictionary_words() if w.isalpha() and len(w) > 3]
    if not words:
        raise InstallError(f"{files.culture}: the dictionary has no words")
    step = max(1, len(words) // SAMPLE_WORDS)
    sample = tuple(words[step // 2 :: step][:SAMPLE_WORDS])
    # Some entries only exist with an affix or inside compounds; most must pass.
    refused = [w for w in sample if not checker.check_word(w)]
    if len(refused) > len(sample) // 3:
        raise InstallError(
            f"{files.culture}: the dictionary loads but refuses its own words "
            f"{', '.join(refused)}: do the .aff and .dic belong together?"
        )
    return checker.word_count, sample


def install_dictionary(
    sources: Sequence[Path],
    culture: str,
    spelling_folder: Path,
    *,
    replace: bool = False,
    dictionary: str | None = None,
) -> InstallResult:
    """Install a dictionary as ``spelling_folder/<culture>/Dictionary.dic`` + ``Grammar.aff``.

    Args:
        sources: One ``.oxt``/``.zip``, or a ``.dic`` and an ``.aff`` file.
        culture: A culture name from the guide's table (case and ``_`` forgiven).
        spelling_folder: The folder holding one folder per culture.
        replace: Replace an installed dictionary for the culture.
        dictionary: For bundles: the entry to take when the locales do not say.

    Raises:
        UnknownCultureError: ``culture`` is not in the table (with the nearest names).
        InstallError: Anything else that stops the install; nothing is changed then.
    """
    name = canonical_culture(culture)
    target = spelling_folder / name
    if target.exists() and not replace:
        raise InstallError(f"{target} exists; pass --replace to replace it")
    spelling_folder.mkdir(parents=True, exist_ok=True)
    staging = spelling_folder / f".{name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        extras: tuple[str, ...] = ()
        if len(sources) == 1 and sources[0].suffix.lower() in (".oxt", ".zip", ".xpi"):
            source, extras = _stage_from_archive(sources[0], name, dictionary, staging)
        else:
            source = _stage_from_pair(sources, staging)
        words, sample = verify(DictionaryFiles(name, staging))
        old = spelling_folder / f".{name}.old-{os.getpid()}"
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return InstallResult(name, target, source, words, sample, extras)
