"""Response files: the outline format, every mistake with its line, lookups."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from engine.responses import (
    Category,
    Response,
    ResponseFileError,
    load_tree,
    parse_bytes,
    parse_text,
)
from engine.responses.shortcuts import find_shortcuts, shortcut_before


def md(text: str) -> str:
    return dedent(text).lstrip("\n")


FOUR_LEVELS = md(
    """
    # Support
    ## Technical
    ### Device does not start
    #### Battery and power
    shortcut: power
    Charge it for 30 minutes.

    Then hold the power button.

    #### After an update
    Hold power and volume-down.
    ## Closing
    Glad we could help.
    # Sales
    Thanks for your order.
    """
)


def test_four_levels_of_nesting() -> None:
    result = parse_text(FOUR_LEVELS)
    assert result.ok and result.problems == ()
    tree = result.tree
    support = tree.children[0]
    assert isinstance(support, Category) and support.title == "Support"
    technical = support.children[0]
    assert isinstance(technical, Category)
    device = technical.children[0]
    assert isinstance(device, Category) and device.line == 3
    power = device.children[0]
    assert isinstance(power, Response)
    assert power.path == ("Support", "Technical", "Device does not start", "Battery and power")
    assert power.body == "Charge it for 30 minutes.\n\nThen hold the power button."
    assert power.shortcut == "power" and power.line == 4 and not power.html
    assert [n.title for n in support.children] == ["Technical", "Closing"]
    # A response may sit at any level, even the top.
    sales = tree.children[1]
    assert isinstance(sales, Response) and sales.body == "Thanks for your order."
    assert len(tree) == 4
    assert [n.title for n in tree.walk()] == [
        "Support",
        "Technical",
        "Device does not start",
        "Battery and power",
        "After an update",
        "Closing",
        "Sales",
    ]


def test_find_by_path_ignores_case_and_spacing() -> None:
    tree = parse_text(FOUR_LEVELS).tree
    found = tree.find(["support", "TECHNICAL", "device  does not start", "after an update"])
    assert isinstance(found, Response) and found.body == "Hold power and volume-down."
    assert isinstance(tree.find(["Support", "Technical"]), Category)
    assert tree.find(["Support", "Nothing"]) is None


def test_shortcut_lookup() -> None:
    tree = parse_text(FOUR_LEVELS).tree
    assert tree.shortcut("power") is tree.shortcut("::POWER") is not None
    assert tree.shortcut("nothing") is None
    assert set(tree.shortcuts) == {"power"}


def test_shortcut_typed_in_the_composer() -> None:
    text = "Hello,\n::power"
    match = shortcut_before(text, len(text))
    assert match is not None and match.word == "power"
    assert text[match.start : match.end] == "::power"
    # Not at the cursor, glued to a word, or three colons: no shortcut.
    assert shortcut_before("::power and more", 16) is None
    assert shortcut_before("std::power", 10) is None
    assert shortcut_before(":::power", 8) is None
    found = find_shortcuts("::a then ::de-ack, not x::y")
    assert [(m.word, m.start) for m in found] == [("a", 0), ("de-ack", 9)]


def test_html_body() -> None:
    text = md(
        """
        # Payment
        shortcut: pay
        ```html
        <p>We accept:</p>
        # not a heading inside HTML
        <ul><li>Card</li></ul>
        ```
        # Next
        plain
        """
    )
    result = parse_text(text)
    assert result.ok, result.problems
    pay = result.tree.shortcut("pay")
    assert pay is not None and pay.html
    assert pay.body == "<p>We accept:</p>\n# not a heading inside HTML\n<ul><li>Card</li></ul>"
    assert [n.title for n in result.tree.children] == ["Payment", "Next"]


def test_non_ascii_titles_and_shortcuts() -> None:
    text = md(
        """
        # Deutsch
        ## Rücksendung und Erstattung
        shortcut: rückgabe
        Sie können jeden Artikel innerhalb von 30 Tagen zurücksenden.
        ## Straße und Hausnummer
        Bitte nennen Sie uns Ihre vollständige Anschrift.
        # Svenska
        ## Ärende löst
        shortcut: löst
        Ärendet är stängt.
        # 日本語
        ## お問い合わせありがとうございます
        担当者よりご連絡いたします。
        """
    )
    result = parse_bytes(text.encode())
    assert result.ok, result.problems
    tree = result.tree
    assert tree.shortcut("RÜCKGABE") is not None
    assert tree.shortcut("löst") is tree.find(["svenska", "ärende löst"])
    # Case folding: 'STRASSE' is how 'Straße' folds.
    assert tree.find(["DEUTSCH", "STRASSE UND HAUSNUMMER"]) is not None
    japanese = tree.find(["日本語", "お問い合わせありがとうございます"])
    assert isinstance(japanese, Response) and japanese.body == "担当者よりご連絡いたします。"


def test_crlf_bom_closing_hashes_and_escaped_hash() -> None:
    text = "\ufeff# Sales ##\r\n## Top seller\r\n\\#1 in our range.\r\n"
    result = parse_bytes(text.encode())
    assert result.ok, result.problems
    top = result.tree.find(["Sales", "Top seller"])
    assert isinstance(top, Response) and top.body == "#1 in our range."
    # C# keeps its hash: only a separate run of '#' closes a heading.
    assert parse_text("# C#\nText\n").tree.children[0].title == "C#"


def _only_problem(text: str) -> tuple[int, str, str, str]:
    problems = parse_text(text, Path("support.md")).problems
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert problem.file == Path("support.md")
    return problem.line, problem.severity, problem.message, problem.hint


# (file text, line, message fragment, hint fragment)
ERROR_CASES = {
    "body and sub-headings": (
        "# Sales\nIntro text\n## Pricing\nSee the list.\n",
        1,
        "has both body text (line 2) and sub-headings (line 3)",
        "## Overview",
    ),
    "skipped level": (
        "# Sales\n## Pricing\n#### Volume\ny\n",
        3,
        "heading level 4 skips a level under 'Pricing' (line 2)",
        "write '### Volume'",
    ),
    "skipped level at the top": (
        "## Pricing\nx\n",
        1,
        "skips a level at the top of the file",
        "write '# Pricing'",
    ),
    "empty heading": ("# Sales\n##\nText\n", 2, "heading has no title", "'## Title'"),
    "empty heading with spaces": ("#   \nText\n", 1, "heading has no title", "'# Title'"),
    "no space after hashes": (
        "# Sales\n##Pricing\nText\n",
        2,
        "needs a space after its '#'",
        "write '## Pricing'",
    ),
    "duplicate sibling titles": (
        "# Sales\n## Pricing\na\n## pricing\nb\n",
        4,
        "'pricing' is already a title at line 2 in the same category",
        "different title",
    ),
    "duplicate shortcuts": (
        "# A\nshortcut: refund\na\n# B\n## C\nshortcut: Refund\nc\n",
        6,
        "shortcut 'Refund' is already used at line 2",
        "unique",
    ),
    "unclosed html fence": (
        "# Terms\n```html\n<p>Terms</p>\n# Next\nx\n",
        2,
        "```html block opened here is never closed",
        "add a line with just ```",
    ),
    "shortcut not first": (
        "# Refund\nWe refunded you.\nshortcut: refund\n",
        3,
        "'shortcut:' line must be the first line",
        "directly below the heading at line 1",
    ),
    "shortcut with spaces": (
        "# Refund\nshortcut: full refund\nWe refunded you.\n",
        2,
        "shortcut 'full refund' has a space",
        "'shortcut: full-refund'",
    ),
    "shortcut with invalid characters": (
        "# Refund\nshortcut: refund/now!\nWe refunded you.\n",
        2,
        "may hold only letters, digits, '-' and '_'",
        "'shortcut: refund-now'",
    ),
    "empty shortcut": ("# Refund\nshortcut:\nWe refunded you.\n", 2, "shortcut is empty", ""),
    "shortcut without text": (
        "# Refund\n\nshortcut: refund\n\n# Next\nx\n",
        3,
        "has a shortcut but no text",
        "",
    ),
    "text before the first heading": (
        "\nResponses for Sales\n# Sales\nx\n",
        2,
        "before the first heading",
        "# General",
    ),
    "text outside the html block": (
        "# Terms\nRead this:\n```html\n<p>Terms</p>\n```\n",
        2,
        "text outside its ```html block",
        "starts at line 3",
    ),
    "empty html block": ("# Terms\n```html\n\n```\n", 2, "```html block is empty", ""),
}


@pytest.mark.parametrize("case", ERROR_CASES)
def test_every_error_names_its_line_and_what_to_write(case: str) -> None:
    text, line, message, hint = ERROR_CASES[case]
    got_line, severity, got_message, got_hint = _only_problem(text)
    assert (got_line, severity) == (line, "error")
    assert message in got_message
    assert hint in got_hint
    assert not parse_text(text).ok


def test_empty_category_is_a_warning_and_the_file_still_works() -> None:
    line, severity, message, hint = _only_problem("# Sales\n## Later\n## Pricing\nx\n")
    assert (line, severity) == (2, "warning")
    assert "'Later' has neither body text nor sub-headings" in message and "remove it" in hint
    result = parse_text("# Sales\n## Later\n## Pricing\nx\n")
    assert result.ok and result.tree.warnings == result.problems


def test_unknown_identifier_is_a_warning_with_a_suggestion() -> None:
    line, severity, message, hint = _only_problem(
        "# Hello\nDear $From.Name$,\n\nthis is $Agent.Frstname$.\n"
    )
    assert (line, severity) == (4, "warning")
    assert "$Agent.Frstname$ is not a template identifier" in message
    assert hint == "did you mean $Agent.FirstName$?"


def test_not_utf8_names_byte_offset_and_line() -> None:
    data = "# Support\n## Rücksendung\n".encode() + "Grüße\n".encode("latin-1")
    result = parse_bytes(data, Path("support.md"))
    assert not result.ok
    (problem,) = result.problems
    offset = data.index(b"\xfc", 20)
    assert problem.line == 3
    assert f"byte 0xFC at offset {offset} (line 3, column 3)" in problem.message
    assert "UTF-8" in problem.hint
    assert str(problem).startswith("support.md:3: error: the file is not UTF-8")


def test_all_problems_are_reported_in_one_pass_in_line_order() -> None:
    text = "# A\n##\nx\n# A\ny\n# B\n#### Deep\nz\n"
    lines = [p.line for p in parse_text(text).problems]
    assert lines == [2, 4, 7]


def test_same_title_in_different_categories_is_fine() -> None:
    text = "# Sales\n## Thanks\na\n# Support\n## Thanks\nb\n"
    result = parse_text(text)
    assert result.ok and result.problems == ()


def test_load_tree_raises_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "sales.md"
    path.write_text("# Sales\nIntro\n## Pricing\nx\n", encoding="utf-8")
    with pytest.raises(ResponseFileError) as caught:
        load_tree(path)
    assert str(caught.value).startswith(f"{path}:1: error: 'Sales' has both body text")
    with pytest.raises(ResponseFileError, match="cannot read the response file"):
        load_tree(tmp_path / "missing.md")


def test_skeleton_examples_are_clean() -> None:
    folder = Path(__file__).resolve().parent.parent / "micc_tui" / "skeleton" / "responses"
    for name in ("sales.md", "marketing.md", "support.md"):
        result = parse_bytes((folder / name).read_bytes(), folder / name)
        assert result.problems == (), [str(p) for p in result.problems]
        assert len(result.tree) >= 5 and result.tree.shortcuts
        assert any(r.html for r in result.tree.responses())
    support = load_tree(folder / "support.md")
    german = support.find(["Deutsch (German)", "Rücksendung und Erstattung"])
    assert isinstance(german, Response) and "zurücksenden" in german.body


def test_empty_file_is_a_warning() -> None:
    result = parse_text("\n\n")
    assert result.ok and len(result.tree) == 0
    (problem,) = result.problems
    assert problem.severity == "warning" and "no responses" in problem.message
