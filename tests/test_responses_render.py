"""Inserting a response: $Identifiers$ are filled in then, not when the file is read."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.responses import Response, parse_text
from engine.responses.shortcuts import expand_at
from engine.templates import TemplateContext

FILE = """\
# Support
## Acknowledgement
shortcut: ack
Dear $From.Name$,

my name is $Agent.FirstName$ and I am handling "$Subject$" (received $Received.Date$).
A $5 voucher is $Unknown$ here.
## Wi-Fi steps
shortcut: wifi
```html
<p>Dear $From.Name$,</p>
<ol><li>Restart the router.</li></ol>
```
"""

CONTEXT = TemplateContext(
    subject="Order <42> & delivery",
    from_name="Åsa <b>Öberg</b>",
    from_address="asa@example.se",
    received=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
    agent_name="Alice Smith",
    agent_first_name="Alice",
    service_group="Support",
    locale="en-US",
    timezone="UTC",
)


def shortcut(word: str) -> Response:
    response = parse_text(FILE).tree.shortcut(word)
    assert response is not None
    return response


def test_identifiers_rendered_at_insertion() -> None:
    ack = shortcut("ack")
    assert "$From.Name$" in ack.body  # the tree keeps the identifiers
    rendered = ack.render(CONTEXT)
    assert not rendered.html
    assert rendered.text == (
        "Dear Åsa <b>Öberg</b>,\n\n"
        'my name is Alice and I am handling "Order <42> & delivery" (received 11/26/26).\n'
        "A $5 voucher is $Unknown$ here."
    )
    # Another e-mail, another rendering of the same response.
    other = ack.render(TemplateContext(from_name="Bob", agent_first_name="Carol"))
    assert other.text.startswith('Dear Bob,\n\nmy name is Carol and I am handling ""')


def test_html_response_escapes_values_and_has_a_text_form() -> None:
    rendered = shortcut("wifi").render(CONTEXT)
    assert rendered.html
    assert rendered.text == (
        "<p>Dear Åsa &lt;b&gt;Öberg&lt;/b&gt;,</p>\n<ol><li>Restart the router.</li></ol>"
    )
    text = rendered.as_text()
    assert "Dear Åsa <b>Öberg</b>," in text and "Restart the router." in text
    assert "<p>" not in text and "<li>" not in text


def test_expanding_a_typed_shortcut_in_the_composer() -> None:
    tree = parse_text(FILE).tree
    typed = "Hi,\n::ack"
    expansion = expand_at(typed, len(typed), tree, CONTEXT)
    assert expansion is not None and expansion.response.title == "Acknowledgement"
    assert expansion.text.startswith("Hi,\nDear Åsa <b>Öberg</b>,\n\nmy name is Alice")
    assert expansion.cursor == len(expansion.text)
    # In a plain-text composer an HTML response goes in as text; in HTML as HTML.
    plain = expand_at("::wifi and more", 6, tree, CONTEXT)
    assert plain is not None and "<p>" not in plain.text and plain.text.endswith(" and more")
    assert plain.text[plain.cursor :] == " and more"
    rich = expand_at("::wifi", 6, tree, CONTEXT, html=True)
    assert rich is not None and rich.text.startswith("<p>Dear Åsa &lt;b&gt;")
    # Unknown words and text without a shortcut at the cursor stay as typed.
    assert expand_at("::nothing", 9, tree, CONTEXT) is None
    assert expand_at("::ack then", 10, tree, CONTEXT) is None
