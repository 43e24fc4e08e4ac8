"""Rendering: every identifier, four locales, text and HTML, escaping, literal dollars."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.templates import IDENTIFIERS, TemplateContext, render, render_file
from engine.templates.identifiers import DESCRIPTIONS

RECEIVED = datetime(2024, 3, 7, 13, 5, tzinfo=UTC)
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)

#: Distinct values per field, each with a character HTML must escape.
CONTEXT = TemplateContext(
    subject="Order #7 & the <broken> lid",
    from_name="Åsa O'Brien",
    from_address="asa@example.se",
    received=RECEIVED,
    service_access="Sales & Orders",
    service_group='Group "Sales"',
    service_group_email="sales@example.com",
    agent_name="Jonas Berg",
    agent_first_name="Jonas",
    agent_last_name="Berg",
    agent_chat_name="JB <chat>",
    customer_name="山田 太郎",
    customer_email="taro@example.jp",
    customer_id="C&1",
    customer_number="+81 3-1234-5678",
    call_id="4711",
    now=NOW,
    timezone="UTC",
)

#: Short formats written out by hand (CLDR via Babel), not computed by the code under test.
DATES = {
    "en-US": {
        "Date": "11/26/26",
        "Time": "9:30\u202fAM",
        "Received": "3/7/24, 1:05\u202fPM",
        "Received.Date": "3/7/24",
        "Received.Time": "1:05\u202fPM",
    },
    "de-DE": {
        "Date": "26.11.26",
        "Time": "09:30",
        "Received": "07.03.24, 13:05",
        "Received.Date": "07.03.24",
        "Received.Time": "13:05",
    },
    "sv-SE": {
        "Date": "2026-11-26",
        "Time": "09:30",
        "Received": "2024-03-07 13:05",
        "Received.Date": "2024-03-07",
        "Received.Time": "13:05",
    },
    "ja-JP": {
        "Date": "2026/11/26",
        "Time": "9:30",
        "Received": "2024/03/07 13:05",
        "Received.Date": "2024/03/07",
        "Received.Time": "13:05",
    },
}

PLAIN = {
    "Subject": "Order #7 & the <broken> lid",
    "From": "Åsa O'Brien (asa@example.se)",
    "From.Name": "Åsa O'Brien",
    "From.Address": "asa@example.se",
    "ServiceAccess": "Sales & Orders",
    "ServiceAccess.Name": "Sales & Orders",
    "ServiceGroup": 'Group "Sales"',
    "ServiceGroup.Name": 'Group "Sales"',
    "ServiceGroup.Email": "sales@example.com",
    "Agent": "Jonas Berg",
    "Agent.Name": "Jonas Berg",
    "Agent.FirstName": "Jonas",
    "Agent.LastName": "Berg",
    "Agent.ChatName": "JB <chat>",
    "Customer": "山田 太郎",
    "Customer.Name": "山田 太郎",
    "Customer.Email": "taro@example.jp",
    "Customer.ID": "C&1",
    "Customer.Number": "+81 3-1234-5678",
    "CallID": "4711",
}


def test_the_table_is_the_guides() -> None:
    assert len(IDENTIFIERS) == 25
    assert set(IDENTIFIERS) == set(PLAIN) | set(DATES["en-US"])
    assert set(DESCRIPTIONS) == set(IDENTIFIERS)


@pytest.mark.parametrize("locale", sorted(DATES))
@pytest.mark.parametrize("name", IDENTIFIERS)
def test_each_identifier_in_a_text_template(locale: str, name: str) -> None:
    context = TemplateContext(**{**CONTEXT.__dict__, "locale": locale})
    expected = DATES[locale].get(name, PLAIN.get(name))
    assert render(f"Value: [${name}$] end", context) == f"Value: [{expected}] end"


@pytest.mark.parametrize("locale", sorted(DATES))
@pytest.mark.parametrize("name", IDENTIFIERS)
def test_each_identifier_in_an_html_template(locale: str, name: str) -> None:
    context = TemplateContext(**{**CONTEXT.__dict__, "locale": locale})
    expected = html.escape(DATES[locale].get(name) or PLAIN[name], quote=True)
    template = f'<p title="${name}$">[${name}$]</p>'
    assert render(template, context, html=True) == f'<p title="{expected}">[{expected}]</p>'


def test_values_in_html_are_escaped_and_never_markup() -> None:
    context = TemplateContext(customer_name="<script>alert('x')</script>")
    out = render("<p>Dear $Customer.Name$</p><script>var kept = 1;</script>", context, html=True)
    assert out == (
        "<p>Dear &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</p>"
        "<script>var kept = 1;</script>"
    )
    assert render("Dear $Customer$", context) == "Dear <script>alert('x')</script>"


def test_values_are_not_rendered_again() -> None:
    context = TemplateContext(from_name="$Subject$", subject="secret")
    assert render("$From.Name$ / $Subject$", context) == "$Subject$ / secret"


def test_identifiers_that_do_not_apply_become_empty() -> None:
    context = TemplateContext(now=NOW, timezone="UTC", locale="sv-SE")
    names = [n for n in IDENTIFIERS if n not in ("Date", "Time")]
    assert render("".join(f"[${n}$]" for n in names), context) == "[]" * len(names)
    assert render("$Date$ $Time$", context) == "2026-11-26 09:30"


def test_fallbacks_for_from_and_chat_name() -> None:
    assert render("$From$", TemplateContext(from_address="a@b.se")) == "a@b.se"
    assert render("$From$", TemplateContext(from_name="Ann")) == "Ann"
    assert render("$Agent.ChatName$", TemplateContext(agent_name="Jonas Berg")) == "Jonas Berg"


def test_unknown_words_and_prices_stay_as_written() -> None:
    context = TemplateContext(subject="S")
    for text in (
        "It costs $5 or $10.",
        "$Word$ and $Foo.Bar$",
        "$",
        "$$",
        "a $ b $ c",
        "$Subject",
        "Subject$",
        "$ Subject$",
        "$Sub ject$",
    ):
        assert render(text, context) == text
        assert render(text, context, html=True) == text
    assert render("$Price$Subject$ $5 $Subject$", context) == "$PriceS $5 S"


def test_matching_ignores_case() -> None:
    assert render("$from.name$ $SUBJECT$", TemplateContext(from_name="Ann", subject="S")) == "Ann S"


def test_dates_are_shown_in_the_requested_zone() -> None:
    late = datetime(2024, 3, 7, 23, 30, tzinfo=UTC)
    context = TemplateContext(received=late, timezone="Europe/Stockholm", locale="de-DE")
    assert render("$Received$", context) == "08.03.24, 00:30"
    assert (
        render(
            "$Received$",
            TemplateContext(received=late, timezone="America/New_York", locale="en-US"),
        )
        == "3/7/24, 6:30\u202fPM"
    )


def test_seed_culture_names_with_script_prefixes() -> None:
    context = TemplateContext(received=RECEIVED, timezone="UTC", locale="Cy-az-AZ")
    latin = TemplateContext(received=RECEIVED, timezone="UTC", locale="Lt-az-AZ")
    assert render("$Received.Date$", context) == "07.03.24"
    assert render("$Received.Date$", latin) == "07.03.24"
    fallback = TemplateContext(received=RECEIVED, timezone="UTC", locale="xx-YY")
    assert render("$Received.Date$", fallback) == "3/7/24"


def test_render_file_decides_html_by_extension(tmp_path: Path) -> None:
    text = tmp_path / "confirm.txt"
    text.write_text("Dear $From.Name$,\n", encoding="utf-8")
    page = tmp_path / "confirm.HTM"
    page.write_text("<p>Dear $From.Name$,</p>", encoding="utf-8")
    context = TemplateContext(from_name="A & B")
    assert render_file(text, context).body == "Dear A & B,\n"
    rendered = render_file(page, context)
    assert rendered.html and rendered.body == "<p>Dear A &amp; B,</p>"
    assert rendered.as_text() == "Dear A & B,\n"


def test_render_file_honours_declared_charset_and_bom(tmp_path: Path) -> None:
    word = tmp_path / "word.htm"
    word.write_bytes(
        '<meta http-equiv=Content-Type content="text/html; charset=windows-1252">'
        "<p>Grüße – $Agent$</p>".encode("cp1252")
    )
    rendered = render_file(word, TemplateContext(agent_name="Jörg"))
    assert rendered.body.endswith("<p>Grüße – Jörg</p>")
    assert rendered.encoding == "cp1252" and rendered.problem is None
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfHej $Agent$")
    assert render_file(bom, TemplateContext(agent_name="Å")).body == "Hej Å"
    utf16 = tmp_path / "unicode.txt"
    utf16.write_bytes("Hej $Agent$ ✓".encode("utf-16"))
    assert render_file(utf16, TemplateContext(agent_name="Å")).body == "Hej Å ✓"


def test_render_file_survives_undeclared_legacy_bytes(tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes("Grüße $Agent$".encode("cp1252"))
    rendered = render_file(legacy, TemplateContext(agent_name="Jörg"))
    assert rendered.body == "Grüße Jörg"
    assert rendered.problem == "not UTF-8 and no charset declared"


def test_rendering_executes_nothing() -> None:
    hostile = "{{ 7*7 }} ${7*7} $(rm -rf /) {% for x in y %} $__class__$ $Subject.__class__$"
    assert render(hostile, TemplateContext(subject="S")) == hostile
