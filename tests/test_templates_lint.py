"""Lint and repair of template files, including one saved the way Word saves HTML."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.templates import TemplateContext, render, render_file
from engine.templates.lint import fix_bytes, fix_file, lint_bytes, lint_file
from engine.templates.repair import find_splits, repair
from micc_tui.cli.main import main

#: What Word writes: windows-1252 declared, CRLF, wrapped lines, SpellE spans, <o:p>, &nbsp;.
WORD_HTML = """<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"
xmlns="http://www.w3.org/TR/REC-html40">

<head>
<meta http-equiv=Content-Type content="text/html; charset=windows-1252">
<meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<style>
<!--
 p.MsoNormal {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}
-->
</style>
</head>

<body lang=SV style='tab-interval:65.2pt'>

<div class=WordSection1>

<p class=MsoNormal>$Date$ $Time$<o:p></o:p></p>

<p class=MsoNormal><o:p>&nbsp;</o:p></p>

<p class=MsoNormal>Hej $From.<span class=SpellE>Name</span>$,<o:p></o:p></p>

<p class=MsoNormal>Tack för att du kontaktade <span class=SpellE>$ServiceAccess.Name</span>$.
Vi återkommer så snart som möjligt – med vänliga hälsningar, $Agent.<span
class=SpellE>FirstName</span>$<o:p></o:p></p>

<p class=MsoNormal>Ärende: $Subject$&nbsp;– priset är $5 or $10.<o:p></o:p></p>

<p class=MsoNormal>Grupp: $Service<o:p></o:p>Group.Email$ och $Received.&nbsp;Date$ samt $Customer.
Number$ <b>$Call</b>ID$<o:p></o:p></p>

</div>

</body>

</html>
""".replace("\n", "\r\n")

#: The same file mended by hand: only the split identifiers differ.
MENDED = (
    WORD_HTML.replace("$From.<span class=SpellE>Name</span>$", "$From.Name$")
    .replace(
        "<span class=SpellE>$ServiceAccess.Name</span>$",
        "<span class=SpellE>$ServiceAccess.Name$</span>",
    )
    .replace("$Agent.<span\r\nclass=SpellE>FirstName</span>$", "$Agent.FirstName$")
    .replace("$Service<o:p></o:p>Group.Email$", "$ServiceGroup.Email$")
    .replace("$Received.&nbsp;Date$", "$Received.Date$")
    .replace("$Customer.\r\nNumber$", "$Customer.Number$")
    .replace("<b>$Call</b>ID$", "<b>$CallID$</b>")
)

SPLIT_LINES = {
    "From.Name": 25,
    "ServiceAccess.Name": 27,
    "Agent.FirstName": 28,
    "ServiceGroup.Email": 33,
    "Received.Date": 33,
    "Customer.Number": 33,
    "CallID": 34,
}


@pytest.fixture
def word_file(tmp_path: Path) -> Path:
    path = tmp_path / "Bekräftelse.htm"
    path.write_bytes(WORD_HTML.encode("cp1252"))
    return path


def test_word_file_is_really_windows_1252(word_file: Path) -> None:
    with pytest.raises(UnicodeDecodeError):
        word_file.read_bytes().decode("utf-8")


def test_lint_names_each_split_identifier_with_its_line(word_file: Path) -> None:
    problems = lint_file(word_file)
    splits = [p for p in problems if "split" in p.message]
    assert [(p.message.split("$")[1], p.line) for p in splits] == list(SPLIT_LINES.items())
    assert all(p.severity == "error" and p.path == word_file for p in splits)
    assert str(splits[0]).startswith(f"{word_file}:25:")
    notes = [p for p in problems if p.severity == "note"]
    assert len(notes) == 1 and "cp1252" in notes[0].message and "windows-1252" in notes[0].message
    # The price is no identifier and nothing else is wrong.
    assert len(problems) == len(SPLIT_LINES) + 1


def test_fix_changes_only_the_split_identifiers(word_file: Path) -> None:
    result = fix_file(word_file)
    assert result.refused is None and result.fixed == len(SPLIT_LINES)
    assert word_file.read_bytes() == MENDED.encode("cp1252")
    assert [p for p in lint_file(word_file) if p.severity != "note"] == []
    again = fix_file(word_file)
    assert again.fixed == 0 and word_file.read_bytes() == MENDED.encode("cp1252")


def test_the_word_file_renders_even_before_the_fix(word_file: Path) -> None:
    context = TemplateContext(
        from_name="Åsa",
        service_access="Försäljning",
        agent_first_name="Jonas",
        subject="Fråga",
        service_group_email="s@x.se",
        customer_number="08-123",
        call_id="77",
        locale="sv-SE",
    )
    body = render_file(word_file, context).body
    for expected in (
        "Hej Åsa,",
        "<span class=SpellE>Försäljning</span>.",
        "hälsningar, Jonas<o:p>",
        "Ärende: Fråga&nbsp;– priset är $5 or $10.",
        "Grupp: s@x.se och  samt 08-123",
        "<b>77</b>",
    ):
        assert expected in body
    assert "$" not in body.replace("$5 or $10", "")


def test_fix_keeps_multibyte_text_byte_for_byte(tmp_path: Path) -> None:
    original = "<p>日本語 ✓ $From.<span>Name</span>$ — ünïcode $5</p>\n"
    path = tmp_path / "utf8.html"
    path.write_bytes(original.encode("utf-8"))
    assert fix_file(path).fixed == 1
    assert path.read_bytes() == "<p>日本語 ✓ $From.Name$ — ünïcode $5</p>\n".encode()
    utf16 = tmp_path / "utf16.htm"
    utf16.write_bytes(original.encode("utf-16"))
    assert fix_file(utf16).fixed == 1
    assert utf16.read_bytes() == "<p>日本語 ✓ $From.Name$ — ünïcode $5</p>\n".encode("utf-16")


def test_fix_refuses_a_file_it_cannot_decode(tmp_path: Path) -> None:
    data = b'<meta charset="utf-8"><p>ok</p>\n<p>\xff $From.<b>Name</b>$</p>'
    result = fix_bytes(data, tmp_path / "bad.html")
    assert result.refused and result.fixed == 0 and result.data == data
    problems = lint_bytes(data, tmp_path / "bad.html")
    assert (problems[0].line, problems[0].severity) == (2, "error")
    assert "not valid utf-8" in problems[0].message


def test_text_templates_are_utf8_or_wrong(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes("Hej\nGrüße $Agent$\n".encode("cp1252"))
    [problem] = lint_file(path)
    assert (problem.line, problem.severity) == (2, "error")
    assert "not UTF-8 and no charset declared" in problem.message


def test_unknown_identifiers_are_reported_not_changed(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("Hi $From.Nmae$,\n$Discount$ off, $5 or $10\n$subject$\n", encoding="utf-8")
    problems = lint_file(path)
    assert [(p.line, p.column, p.severity) for p in problems] == [
        (1, 4, "error"),
        (2, 1, "warning"),
        (3, 1, "note"),
    ]
    assert "did you mean $From.Name$" in problems[0].message
    assert fix_file(path).fixed == 0


def test_repair_moves_tags_out_of_the_identifier() -> None:
    # Openers go in front, closers behind: still balanced, the whole identifier italic.
    assert repair("<i>$From.</i><i>Name$</i>", html=True) == "<i><i>$From.Name$</i></i>"
    assert repair("$From.<br>Name$", html=True) == "$From.Name$<br>"
    # Plain spaces end an identifier; so does an unknown name.
    assert find_splits("$From. Name$ $Fro<b>m.Nam</b>$", html=True) == []
    # In a text template only line breaks count as noise.
    text = "$From.\nName$ $From.<b>Name</b>$"
    assert repair(text, html=False) == "$From.Name$ $From.<b>Name</b>$"


def test_a_dollar_after_a_line_break_opens_the_next_identifier() -> None:
    # An unclosed $Agent.FirstName does not swallow the $ that opens $Subj...ect$.
    text = "Thanks $Agent.FirstName\n<span lang=EN-US>$Subj</span><span>ect$</span>"
    assert repair(text, html=True) == (
        "Thanks $Agent.FirstName\n<span lang=EN-US><span>$Subject$</span></span>"
    )
    [split] = find_splits(text, html=True)
    assert split.name == "Subject"
    # A line break inside the name is still noise: Word wraps long lines anywhere.
    assert repair("$Agent.\nFirstName$ $Date$", html=False) == "$Agent.FirstName$ $Date$"


def test_lint_warns_about_an_unclosed_identifier(tmp_path: Path) -> None:
    path = tmp_path / "t.html"
    path.write_text("Thanks $Agent.FirstName\n<p>Price: 5$ on $Date$, $From.Name$.</p>\n")
    problems = lint_file(path)
    assert [(p.line, p.column, p.severity) for p in problems] == [(1, 8, "warning")]
    assert "$Agent.FirstName has no closing $" in problems[0].message


def test_cli_lint_reports_file_and_line_and_fails(
    word_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["template", "lint", str(word_file)]) == 1
    out = capsys.readouterr().out
    assert f"{word_file}:25:" in out and f"{word_file}:34:" in out
    assert main(["template", "lint", "--fix", str(word_file)]) == 0
    out = capsys.readouterr().out
    assert "mended 7 split identifier(s)" in out
    assert word_file.read_bytes() == MENDED.encode("cp1252")


def test_cli_lint_json_and_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.txt"
    path.write_text("$Discount$\n", encoding="utf-8")
    assert main(["template", "lint", str(path)]) == 0
    capsys.readouterr()
    assert main(["template", "lint", "--strict", "--json", str(path)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["problems"][0]["line"] == 1 and data["problems"][0]["severity"] == "warning"


def test_cli_render_with_context_and_sms(
    word_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    context = json.dumps(
        {"from_name": "<script>x</script>", "now": "2026-11-26T08:00:00+00:00", "timezone": "UTC"}
    )
    assert (
        main(["template", "render", str(word_file), "--context", context, "--locale", "de-DE"]) == 0
    )
    out = capsys.readouterr().out
    assert "Hej &lt;script&gt;x&lt;/script&gt;," in out and "26.11.26 08:00" in out
    assert main(["template", "render", str(word_file), "--sample", "--sms"]) == 0
    sms = capsys.readouterr().out
    assert "Hej Anna Lindqvist," in sms and "<" not in sms and "&nbsp;" not in sms
    assert "priset är $5 or $10." in sms


def test_cli_render_rejects_unknown_context_fields(
    word_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["template", "render", str(word_file), "--context", '{"nmae": "x"}'])
    assert exit_info.value.code == 2
    assert "unknown field(s) nmae" in capsys.readouterr().err


def test_cli_lint_searches_folders(
    tmp_path: Path, word_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ok.txt").write_text("$Subject$\n", encoding="utf-8")
    (tmp_path / "sub" / "image.png").write_bytes(b"\x89PNG$From.\nName$")
    assert main(["template", "lint", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert str(word_file) in out and "image.png" not in out and "ok.txt" not in out


PIECES = st.sampled_from(
    [
        "$",
        "From",
        ".",
        "Name",
        "Subject",
        "<span class=SpellE>",
        "</span>",
        "<o:p>",
        "</o:p>",
        "&nbsp;",
        "\r\n",
        " ",
        "x",
        "5",
        "<b>",
        "</b>",
        "å",
    ]
)


@given(st.lists(PIECES, max_size=40).map("".join))
def test_fix_is_idempotent_and_leaves_no_split(text: str) -> None:
    path = Path("t.html")
    data = text.encode("utf-8")
    once = fix_bytes(data, path)
    assert once.refused is None
    assert fix_bytes(once.data, path).data == once.data
    assert not any("split" in p.message for p in lint_bytes(once.data, path))
    # Mending only removes noise and moves tags: no character appears that was not there.
    assert not Counter(once.data.decode()) - Counter(text)
    if once.fixed == 0:
        assert once.data == data
    # Rendering mends in memory the same way, so the fixed file renders identically.
    context = TemplateContext(from_name="N", subject="S")
    assert render(once.data.decode(), context, html=True) == render(text, context, html=True)
