"""HTML to text (SMS and text-only mail) and signatures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from engine.templates import (
    RenderedTemplate,
    TemplateContext,
    append_signature,
    html_to_text,
    render_file,
    sms_text,
)


def test_paragraphs_lists_and_links_read_as_prose() -> None:
    markup = """<html><head><style>p {color: red}</style></head><body>
    <h1>Welcome &amp; thanks</h1>
    <p>Dear <b>Anna</b>, your order 1. is <i>on its way</i>.</p>
    <p>See <a href="https://example.com/t?a=1&amp;b=2">tracking</a>,
    <a href="https://example.com">https://example.com</a> or
    <a href="mailto:help@example.com">help@example.com</a>.</p>
    <ul><li>Box</li><li>Lid</li></ul><ol><li>Open</li><li>Check</li></ol>
    <p class=MsoNormal><o:p>&nbsp;</o:p></p>
    <table><tr><td>Kind regards</td></tr><tr><td>Jonas</td></tr></table>
    </body></html>"""
    assert html_to_text(markup) == (
        "Welcome & thanks\n\n"
        "Dear Anna, your order 1. is on its way.\n\n"
        "See tracking (https://example.com/t?a=1&b=2), https://example.com or help@example.com.\n\n"
        "  - Box\n  - Lid\n\n"
        "  1. Open\n  2. Check\n\n"
        "Kind regards\nJonas\n"
    )


def test_markdown_characters_are_not_escaped() -> None:
    assert html_to_text("<p>1. first - second + third *4* _5_ [6]</p>") == (
        "1. first - second + third *4* _5_ [6]\n"
    )


def test_sms_text_from_an_html_template(tmp_path: Path) -> None:
    path = tmp_path / "sms.html"
    path.write_text("<p>Hi $From.Name$,</p><p>received $Received.Time$.</p>", encoding="utf-8")
    context = TemplateContext(
        from_name="A & B",
        received=datetime(2024, 3, 7, 13, 5, tzinfo=UTC),
        timezone="UTC",
        locale="en-US",
    )
    rendered = render_file(path, context)
    assert sms_text(rendered.body, html=True) == "Hi A & B,\n\nreceived 1:05 PM."
    assert sms_text("  plain\n", html=False) == "plain"


AGENT = "Jonas Berg\nSales"
GROUP = "<p>The <b>Sales</b> team</p>"


def test_the_agent_signature_wins_by_default_and_the_group_when_configured() -> None:
    out = append_signature(
        "Hello", html=False, agent_signature=AGENT, group_signature=GROUP, prefer="agent"
    )
    assert out == "Hello\n\nJonas Berg\nSales\n"
    out = append_signature(
        "Hello", html=False, agent_signature=AGENT, group_signature=GROUP, prefer="group"
    )
    assert out == "Hello\n\nThe Sales team\n"


def test_the_other_signature_is_used_when_the_preferred_one_is_missing() -> None:
    out = append_signature(
        "Hello\n\n", html=False, agent_signature="  \n", group_signature=GROUP, prefer="agent"
    )
    assert out == "Hello\n\nThe Sales team\n"
    assert (
        append_signature(
            "Hello", html=False, agent_signature=None, group_signature=None, prefer="agent"
        )
        == "Hello"
    )


def test_a_signature_is_appended_once() -> None:
    once = append_signature(
        "Hello", html=False, agent_signature=AGENT, group_signature=None, prefer="agent"
    )
    assert (
        append_signature(
            once, html=False, agent_signature=AGENT, group_signature=None, prefer="agent"
        )
        == once
    )
    body = "<html><body><p>Hello</p></body></html>"
    html_once = append_signature(
        body, html=True, agent_signature=None, group_signature=GROUP, prefer="agent"
    )
    assert html_once == (
        '<html><body><p>Hello</p><div class="micc-signature">'
        "<p>The <b>Sales</b> team</p></div>\n</body></html>"
    )
    assert (
        append_signature(
            html_once, html=True, agent_signature=AGENT, group_signature=GROUP, prefer="agent"
        )
        == html_once
    )


def test_a_text_signature_in_an_html_message_is_escaped() -> None:
    out = append_signature(
        "<p>Hi</p>",
        html=True,
        agent_signature="Jonas <Sales> & Co\nStockholm",
        group_signature=None,
        prefer="agent",
    )
    assert out == (
        '<p>Hi</p>\n<div class="micc-signature">Jonas &lt;Sales&gt; &amp; Co<br>\nStockholm</div>\n'
    )


def test_a_word_signature_document_contributes_its_body() -> None:
    word = RenderedTemplate(
        body="<html><head><style>p{}</style></head><body lang=SV><p>Jonas</p></body></html>",
        html=True,
        path=Path("sig.htm"),
        encoding="cp1252",
    )
    out = append_signature(
        "<p>Hi</p>", html=True, agent_signature=word, group_signature=None, prefer="agent"
    )
    assert out == '<p>Hi</p>\n<div class="micc-signature"><p>Jonas</p></div>\n'
    assert (
        append_signature(
            "Hi", html=False, agent_signature=word, group_signature=None, prefer="agent"
        )
        == "Hi\n\nJonas\n"
    )
