"""Installing dictionaries: bundles with several dictionaries, file pairs, refusals."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from spylls.hunspell import Dictionary

from engine.spelling import InstallError, UnknownCultureError, install_dictionary
from engine.spelling.install import bundle_entries
from tests import spelling_fixtures as fx
from tests.spelling_fixtures import HUNSPELL

bundles = fx.bundles
site_folder = fx.site_folder


def test_multi_bundle_installs_the_entry_for_the_culture(
    site_folder: Path, bundles: dict[str, Path]
) -> None:
    installed = site_folder / "de-DE"
    assert (installed / "Dictionary.dic").read_bytes() == (HUNSPELL / "de_DE.dic").read_bytes()
    assert (installed / "Grammar.aff").read_bytes() == (HUNSPELL / "de_DE.aff").read_bytes()
    assert (installed / "COPYING_de_DE").is_file()  # the bundle's licence travels along
    with zipfile.ZipFile(bundles["multi"]) as zf:
        entries = bundle_entries(zf)
    assert [(e.name, e.dic) for e in entries] == [
        ("HunSpellDic_en_US", "en/en_US.dic"),
        ("HunSpellDic_de_DE", "de/de_DE_frami.dic"),
    ]


def test_spylls_from_zip_would_have_taken_the_wrong_pair(bundles: dict[str, Path]) -> None:
    # The reason for reading dictionaries.xcu: from_zip loads the first pair (English).
    naive = Dictionary.from_zip(str(bundles["multi"]))
    assert naive.lookup("receive")
    assert not naive.lookup("Bestellung")


def test_spanish_bundle_with_xcu_in_a_subfolder(site_folder: Path) -> None:
    folder = site_folder / "es-ES"
    assert (folder / "Dictionary.dic").read_bytes() == (HUNSPELL / "es_ES.dic").read_bytes()
    assert (folder / "LICENSE.txt").is_file()


def test_bundle_locales_serve_other_cultures(tmp_path: Path, bundles: dict[str, Path]) -> None:
    result = install_dictionary([bundles["es"]], "es-MX", tmp_path)
    assert result.folder == tmp_path / "es-MX"
    assert result.words > 60_000
    assert len(result.sample) == 6


def test_bundle_without_the_culture_names_what_it_offers(
    tmp_path: Path, bundles: dict[str, Path]
) -> None:
    with pytest.raises(InstallError, match=r"HunSpellDic_de_DE \(de-DE de-BE de-LU\)"):
        install_dictionary([bundles["multi"]], "de-AT", tmp_path)
    result = install_dictionary(
        [bundles["multi"]], "de-AT", tmp_path, dictionary="HunSpellDic_de_DE"
    )
    assert result.source.endswith("de/de_DE_frami.dic")
    assert [p.name for p in tmp_path.iterdir()] == ["de-AT"]  # no staging left behind


def test_bundle_without_xcu_uses_the_guides_naming_rule(
    tmp_path: Path, bundles: dict[str, Path]
) -> None:
    result = install_dictionary([bundles["bare"]], "es-ES", tmp_path)
    assert result.source.endswith("es_ES.dic")
    with pytest.raises(InstallError, match="several dictionaries"):
        install_dictionary([bundles["bare"]], "fr-FR", tmp_path)


def test_dic_and_aff_pair_is_renamed(tmp_path: Path) -> None:
    result = install_dictionary([HUNSPELL / "en_US.aff", HUNSPELL / "en_US.dic"], "en-GB", tmp_path)
    assert sorted(p.name for p in result.folder.iterdir()) == ["Dictionary.dic", "Grammar.aff"]
    with pytest.raises(InstallError, match="--replace"):
        install_dictionary([HUNSPELL / "en_US.aff", HUNSPELL / "en_US.dic"], "en-GB", tmp_path)
    install_dictionary(
        [HUNSPELL / "en_US.aff", HUNSPELL / "en_US.dic"], "en-GB", tmp_path, replace=True
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["en-GB"]


def test_unknown_culture_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(UnknownCultureError) as caught:
        install_dictionary([HUNSPELL / "en_US.aff", HUNSPELL / "en_US.dic"], "en-UK", tmp_path)
    assert "en-US" in caught.value.nearest
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_broken_dictionary_is_refused_and_nothing_installed(tmp_path: Path) -> None:
    # A Latin-1 word list under an .aff that says UTF-8: a classic broken download.
    dic = tmp_path / "src" / "xx.dic"
    dic.parent.mkdir()
    dic.write_bytes("3\nStraße\nGrüße\nMüller\n".encode("latin-1"))
    aff = dic.with_suffix(".aff")
    aff.write_text("SET UTF-8\n")
    target = tmp_path / "spelling"
    with pytest.raises(InstallError):
        install_dictionary([dic, aff], "de-CH", target)
    assert not any(target.iterdir())


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "dict.oxt"
    fake.write_text("not a zip")
    with pytest.raises(InstallError, match="not a readable"):
        install_dictionary([fake], "de-DE", tmp_path / "spelling")
