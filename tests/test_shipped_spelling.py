"""What micc-tui ships passes its own spelling check (issue 15, item 10).

Every response and template ``micc init`` writes (``micc_tui/skeleton``) is
checked with the dictionary that ships (``data/spelling/en-US``, installed
as ``share/micc-tui/spelling/en-US``): an agent who inserts a shipped
response must not see it underlined. They are written in American English,
the shipped dictionary's. The German section of the support responses is
checked with German, as an agent writing German would (Debian's
``hunspell-de-de``, installed the way ``micc spelling install`` does).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.responses import Category, Node, load_tree
from engine.spelling import SpellChecker
from engine.spelling.locate import installed, shipped_folder
from engine.templates import html_to_text
from micc_tui.cli.setup import skeleton
from tests import spelling_fixtures as fx

spelling = fx.spelling
de = fx.de

#: Top-level response categories written in another language than English.
OTHER_LANGUAGE = {"Deutsch (German)": "de-DE"}


@pytest.fixture(scope="module")
def shipped() -> SpellChecker:
    """The English dictionary that ships, loaded from where micc-tui finds it."""
    files = installed(None)["en-US"]
    assert files.folder.parent == shipped_folder()
    return SpellChecker.load(files)


def texts(node: Node) -> Iterator[tuple[str, str]]:
    """(where, text) for every response under ``node``: its title and its body as inserted.

    Category titles are left out: they sort the tree, and "Deutsch (German)"
    names its language in two.
    """
    if isinstance(node, Category):
        for child in node.children:
            yield from texts(child)
    else:
        where = " > ".join(node.path)
        yield where, node.title
        yield where, html_to_text(node.body) if node.html else node.body


def response_files() -> list[Path]:
    return sorted((skeleton() / "responses").glob("*.md"))


def test_every_shipped_response_file_is_checked() -> None:
    names = [p.name for p in response_files()]
    assert names == ["marketing.md", "sales.md", "support.md"]


@pytest.mark.parametrize("path", response_files(), ids=lambda p: p.name)
def test_shipped_responses_pass_the_shipped_dictionary(
    path: Path, shipped: SpellChecker, de: SpellChecker
) -> None:
    checkers = {"en-US": shipped, "de-DE": de}
    flagged = []
    tree = load_tree(path)
    for top in tree.children:
        checker = checkers[OTHER_LANGUAGE.get(top.title, "en-US")]
        for where, text in texts(top):
            words = [m.word for m in checker.check_text(text)]
            if words:
                flagged.append(f"{path.name}: {where}: {', '.join(words)}")
    assert flagged == []
    assert len(tree) >= 5  # responses were read, not an empty tree


def test_shipped_templates_pass_the_shipped_dictionary(shipped: SpellChecker) -> None:
    templates = sorted((skeleton() / "templates").iterdir())
    assert templates
    flagged = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".htm", ".html"):
            text = html_to_text(text)
        words = [m.word for m in shipped.check_text(text)]
        if words:
            flagged.append(f"{path.name}: {', '.join(words)}")
    assert flagged == []


def test_the_check_flags_british_spellings(shipped: SpellChecker) -> None:
    # What the responses said before: the test above would have caught them.
    text = "organisations authorised cancelled enquiry"
    assert [m.word for m in shipped.check_text(text)] == text.split()
