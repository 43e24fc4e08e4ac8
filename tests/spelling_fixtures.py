"""Session fixtures for the spelling tests: real OpenOffice bundles built from Debian's files.

A test module takes them with ``bundles = fx.bundles`` (and so on), after
``from tests import spelling_fixtures as fx``.

Needs Debian's ``hunspell-en-us``, ``hunspell-de-de`` and ``hunspell-es``
(``/usr/share/hunspell``). Dictionaries load once per session: a load takes
0.5-1.5 s and the suggestion index 0.3-2.5 s.
"""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path

import pytest

from engine.spelling import SpellChecker, Spelling, install_dictionary

HUNSPELL = Path("/usr/share/hunspell")

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="http://openoffice.org/2001/manifest">
 <manifest:file-entry manifest:media-type="application/vnd.sun.star.configuration-data"
   manifest:full-path="{xcu}"/>
 <manifest:file-entry manifest:media-type="application/vnd.sun.star.package-bundle-description"
   manifest:full-path="description.xml"/>
</manifest:manifest>
"""

XCU_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:component-data xmlns:oor="http://openoffice.org/2001/registry"
  xmlns:xs="http://www.w3.org/2001/XMLSchema" oor:name="Linguistic"
  oor:package="org.openoffice.Office">
 <node oor:name="ServiceManager">
  <node oor:name="Dictionaries">
"""
XCU_TAIL = """  </node>
 </node>
</oor:component-data>
"""
XCU_ENTRY = """   <node oor:name="{name}" oor:op="fuse">
    <prop oor:name="Locations" oor:type="oor:string-list">
     <value>{locations}</value>
    </prop>
    <prop oor:name="Format" oor:type="xs:string">
     <value>{format}</value>
    </prop>
    <prop oor:name="Locales" oor:type="oor:string-list">
     <value>{locales}</value>
    </prop>
   </node>
"""


def xcu(*entries: tuple[str, str, str, str]) -> str:
    """A dictionaries.xcu from (name, locations, format, locales) rows."""
    body = "".join(
        XCU_ENTRY.format(name=n, locations=loc, format=f, locales=lc) for n, loc, f, lc in entries
    )
    return XCU_HEAD + body + XCU_TAIL


def build_multi_bundle(path: Path) -> Path:
    """Like LibreOffice's bundles: several dictionaries, the wanted one not first.

    English comes first in the archive, so spylls' ``from_zip`` would load it
    for any culture; a hyphenation entry shares the German locale.
    """
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("META-INF/manifest.xml", MANIFEST.format(xcu="dictionaries.xcu"))
        zf.writestr("description.xml", "<description/>")
        zf.write(HUNSPELL / "en_US.aff", "en/en_US.aff")
        zf.write(HUNSPELL / "en_US.dic", "en/en_US.dic")
        zf.write(HUNSPELL / "de_DE.aff", "de/de_DE_frami.aff")
        zf.write(HUNSPELL / "de_DE.dic", "de/de_DE_frami.dic")
        zf.writestr("de/hyph_de_DE.dic", "ISO8859-1\n")
        zf.writestr("de/COPYING_de_DE", "GPL-2+ (Debian hunspell-de-de)\n")
        zf.writestr(
            "dictionaries.xcu",
            xcu(
                (
                    "HunSpellDic_en_US",
                    "%origin%/en/en_US.aff %origin%/en/en_US.dic",
                    "DICT_SP",
                    "en-US",
                ),
                ("HyphDic_de_DE", "%origin%/de/hyph_de_DE.dic", "DICT_HYPH", "de-DE"),
                (
                    "HunSpellDic_de_DE",
                    "%origin%/de/de_DE_frami.aff %origin%/de/de_DE_frami.dic",
                    "DICT_SP",
                    "de-DE de-BE de-LU",
                ),
            ),
        )
    return path


def build_spanish_bundle(path: Path) -> Path:
    """One Spanish dictionary, its .xcu in a sub-folder named by the manifest."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("META-INF/manifest.xml", MANIFEST.format(xcu="config/dictionaries.xcu"))
        zf.write(HUNSPELL / "es_ES.aff", "config/dicts/es_ES.aff")
        zf.write(HUNSPELL / "es_ES.dic", "config/dicts/es_ES.dic")
        zf.writestr("LICENSE.txt", "GPL-3 / LGPL-3 / MPL-1.1 (Debian hunspell-es)\n")
        zf.writestr(
            "config/dictionaries.xcu",
            xcu(
                (
                    "HunSpellDic_es",
                    "%origin%/dicts/es_ES.aff %origin%/dicts/es_ES.dic",
                    "DICT_SP",
                    "es-ES es-MX es-AR",
                ),
            ),
        )
    return path


def build_bare_bundle(path: Path) -> Path:
    """Two pairs and no dictionaries.xcu: the guide's naming rule must decide."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(HUNSPELL / "en_US.aff", "en_US.aff")
        zf.write(HUNSPELL / "en_US.dic", "en_US.dic")
        zf.write(HUNSPELL / "es_ES.aff", "es_ES.aff")
        zf.write(HUNSPELL / "es_ES.dic", "es_ES.dic")
    return path


# Each test module that uses these fixtures gets its own session-scoped copy
# from pytest; the caches below make them all share one build and one load.


@functools.cache
def _bundles(root: Path) -> dict[str, Path]:
    folder = root / "spelling-bundles"
    folder.mkdir()
    return {
        "multi": build_multi_bundle(folder / "dict-de.oxt"),
        "es": build_spanish_bundle(folder / "dict-es.oxt"),
        "bare": build_bare_bundle(folder / "two-pairs.zip"),
    }


@functools.cache
def _site_folder(root: Path) -> Path:
    folder = root / "spelling-site"
    install_dictionary([_bundles(root)["multi"]], "de-DE", folder)
    install_dictionary([_bundles(root)["es"]], "es_es", folder)
    return folder


@functools.cache
def _spelling(root: Path) -> Spelling:
    service = Spelling(_site_folder(root))
    for culture in ("en-US", "de-DE", "es-ES"):
        service.preload(culture)
    return service


@pytest.fixture(scope="session")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Paths of the test bundles: ``multi`` (en-US + de-DE), ``es``, ``bare``."""
    return _bundles(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def site_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site spelling folder with de-DE and es-ES installed from the bundles."""
    return _site_folder(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def spelling(tmp_path_factory: pytest.TempPathFactory) -> Spelling:
    """One service over the shipped and site folders, suggestion indexes started early."""
    return _spelling(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def en(spelling: Spelling) -> SpellChecker:
    """The shipped English checker."""
    return spelling.checker("en-US")


@pytest.fixture(scope="session")
def de(spelling: Spelling) -> SpellChecker:
    """German, installed from the several-dictionary bundle."""
    return spelling.checker("de-DE")


@pytest.fixture(scope="session")
def es(spelling: Spelling) -> SpellChecker:
    """Spanish, installed from its bundle."""
    return spelling.checker("es-ES")
