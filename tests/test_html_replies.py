"""Issue 16, item 3: HTML replies, forwards and new e-mails.

A group whose template or signature in use is HTML sends multipart/alternative:
the text as the agent typed it, and an HTML part built from it (the
template's markup, the agent's words escaped, the HTML signature with its
pictures as cid: parts, the original in a blockquote, CSS inlined). Text
templates keep sending text/plain. The Sales group of ``micc init`` has
sales.html and an HTML signature; Marketing has text ones. F8 in the
composer previews what the customer will see.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from textual.widgets import Static

from engine import archive, outbox
from engine.bootstrap import open_store
from engine.config import Config, load_config
from engine.engine import Engine
from engine.replies import build_message
from engine.service import ContactCenter, Draft, open_contact_center
from engine.templates import html_to_text
from engine.templates.html_reply import HtmlOpening, compose, template_opening, text_html
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.preview import PreviewScreen
from micc_tui.agent.spell_area import SpellTextArea
from micc_tui.cli.setup import copy_skeleton
from tests.agent_console_helpers import make_app, settle, table
from tests.agent_fixtures import NOW, deliver, mail
from tests.servers.dovecot import make_certificate
from tests.servers.smtp import SmtpServer

#: A 1x1 PNG: the picture the Sales signature shows.
LOGO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
SALES = "Solidus.Sales.Retail@seclab.com"
MARKETING = "Solidus.Marketing@seclab.com"
HOSTILE_HTML = (
    '<html><head><style>p{color:red}</style></head><body><p onclick="steal()">Hello,'
    "<script>alert('x')</script> where is <b>my order</b>?</p>"
    '<img src="https://tracker.example/pixel.gif"></body></html>'
)


def html_workspace(folder: Path, smtp_port: int | None = None) -> Config:
    """``micc init`` with a styled sales.html and a logo in the Sales signature.

    With ``smtp_port`` the engine only sends, to a plain SMTP server there.
    """
    copy_skeleton(folder)
    templates = folder / "templates"
    sales = templates / "sales.html"
    sales.write_text(
        sales.read_text().replace(
            "<html>\n", "<html>\n<head><style>p { color: #223344; }</style></head>\n"
        )
    )
    signature = templates / "sales-signature.html"
    signature.write_text(
        signature.read_text() + '<p><img src="logo.png" alt="Solidus"> '
        '<img src="../micc.toml" alt="not a picture"></p>\n'
    )
    (templates / "logo.png").write_bytes(LOGO)
    toml = folder / "micc.toml"
    text = toml.read_text(encoding="utf-8")
    if smtp_port is not None:
        text = text.replace("# outbound_only = true", "outbound_only = true", 1)
        text = text.replace(
            'host = "smtp.seclab.com"\n', f'host = "127.0.0.1"\nport = {smtp_port}\n', 1
        )
        text = text.replace(
            'encryption = "starttls"\nusername = "SolidusMasterAcct@seclab.com"\n'
            'password_env = "MICC_SMTP_PASSWORD"\n',
            'encryption = "none"\n',
            1,
        )
    toml.write_text(text, encoding="utf-8")
    config = load_config(toml)
    open_store(config).close()
    return config


def taken(config: Config, agent: str, to: str) -> tuple[ContactCenter, int]:
    center = open_contact_center(config, agent, clock=lambda: NOW)
    item = next(i for i in center.queue() if to in i.to)
    center.take(item.id)
    return center, item.id


def answered(draft: Draft, words: str) -> Draft:
    """The draft with ``words`` typed on its answer line."""
    lines = draft.body.split("\n")
    lines[draft.answer_row] = words
    return draft.edited(body="\n".join(lines))


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    return str(text.get_content()), str(html.get_content())


def words(text: str) -> list[str]:
    """The words a reader sees (quote marks and line breaks aside)."""
    return text.replace(">", " ").split()


def queued_raw(config: Config, outbox_id: int) -> bytes:
    with open_store(config) as store:
        row = outbox.get(store, outbox_id)
        assert row is not None and row.archive_id is not None
        raw = archive.raw(store, row.archive_id)
    assert raw is not None
    return raw


def test_a_reply_from_an_html_group_arrives_as_text_and_html(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    with SmtpServer(cert, key, mode="none") as smtp:
        config = html_workspace(tmp_path / "ws", smtp_port=smtp.port)
        with open_store(config) as store:
            deliver(store, config, mail(1, name="Carla <Customer>"))
        alice, conversation = taken(config, "alice", SALES)
        draft = answered(alice.draft(conversation, "reply"), "Use <b>& not\nthat https://x.org/a.")
        sent = alice.send(draft)
        assert Engine(config, wait_slice=0.2).run(once=True, lease_wait=5) == 0
    [accepted] = smtp.accepted
    message = parsed(accepted.raw)
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    # The template's markup, its CSS inlined where Outlook and Gmail read it.
    assert '<p style="color: #223344;">Thank you for your message about' in html
    assert "<style" not in html
    # The agent's words, escaped, their line break and bare link kept.
    assert "Use &lt;b&gt;&amp; not<br>" in html
    assert '<a href="https://x.org/a">https://x.org/a</a>.' in html
    assert "<b>&" not in html
    # The HTML signature, and the quote in a blockquote (the name escaped too).
    assert 'class="micc-signature"' in html and "mailto:Solidus.SalesCall@seclab.com" in html
    quote = html[html.index("Carla &lt;Customer&gt; wrote:") :]
    assert "<blockquote" in quote and "where is order 1?" in quote
    # The text part is the text as typed; both parts say the same.
    assert text.replace("\r\n", "\n") == draft.body
    assert words(html_to_text(html)) == words(text)
    # The signature's picture travels as a related part; ../micc.toml stays out.
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    [picture] = [p for p in related.iter_parts() if p.get_content_maintype() == "image"]
    assert isinstance(picture, EmailMessage)
    cid = str(picture["Content-ID"]).strip("<>")
    assert f'src="cid:{cid}"' in html and picture.get_content() == LOGO
    assert 'src="../micc.toml"' in html and len(list(message.iter_attachments())) == 0
    # Nothing lost, nothing doubled: the bytes sent are the bytes archived.
    assert accepted.raw.replace(b"\r\n", b"\n") == queued_raw(config, sent.outbox_id).replace(
        b"\r\n", b"\n"
    )


def test_text_templates_still_send_text_plain(tmp_path: Path) -> None:
    config = html_workspace(tmp_path / "ws")
    with open_store(config) as store:
        deliver(store, config, mail(1, to=MARKETING))
    bob, conversation = taken(config, "bob", MARKETING)
    draft = bob.draft(conversation, "reply")
    assert draft.html_opening is None
    sent = bob.send(answered(draft, "Use <b>& not that."))
    message = parsed(queued_raw(config, sent.outbox_id))
    assert message.get_content_type() == "text/plain"
    assert "Use <b>& not that." in str(message.get_content())
    # The preview of a text e-mail is its text.
    assert bob.preview(draft) == draft.body


def test_a_forward_quotes_the_customers_html_sanitized(tmp_path: Path) -> None:
    config = html_workspace(tmp_path / "ws")
    with open_store(config) as store:
        deliver(store, config, mail(1, html=HOSTILE_HTML))
    alice, conversation = taken(config, "alice", SALES)
    draft = alice.draft(conversation, "forward").edited(to=("colleague@seclab.com",))
    sent = alice.send(answered(draft, "Can you check this <one>?"))
    message = parsed(queued_raw(config, sent.outbox_id))
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert "Can you check this &lt;one&gt;?" in html
    assert "---------- Forwarded message ----------" in html
    # The customer's HTML is there, made safe by nh3.
    assert "where is <b>my order</b>?" in html
    for gone in ("<script", "alert(", "onclick", "steal()", "tracker.example", "color:red"):
        assert gone not in html
    assert "Can you check this <one>?" in text


def test_a_reply_quotes_the_customers_html_in_a_blockquote_without_scripts(
    tmp_path: Path,
) -> None:
    config = html_workspace(tmp_path / "ws")
    with open_store(config) as store:
        deliver(store, config, mail(1, html=HOSTILE_HTML))
    alice, conversation = taken(config, "alice", SALES)
    html = compose(
        (draft := alice.draft(conversation, "reply")).body,
        draft.html_opening,  # type: ignore[arg-type]
    ).html
    quote = html[html.index("<blockquote") :]
    assert "where is <b>my order</b>?" in quote
    assert "<script" not in html and "alert(" not in html and "onclick" not in html


def test_a_new_e_mail_from_an_html_group_is_text_and_html(tmp_path: Path) -> None:
    config = html_workspace(tmp_path / "ws")
    alice = open_contact_center(config, "alice", clock=lambda: NOW)
    draft = alice.draft_new("Sales")
    assert draft.html_opening is not None
    draft = answered(draft, "Our spring offer: 10% & more.").edited(
        to=("carla@customer.example",), subject="Spring"
    )
    message = parsed(queued_raw(config, alice.send(draft).outbox_id))
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert "<p>Hello,</p>" in html and "Our spring offer: 10% &amp; more." in html
    assert 'class="micc-signature"' in html and "Alice Smith" in html
    assert words(html_to_text(html)) == words(text)


def test_an_inserted_html_response_goes_as_its_html(tmp_path: Path) -> None:
    config = html_workspace(tmp_path / "ws")
    with open_store(config) as store:
        deliver(store, config, mail(1))
    alice, conversation = taken(config, "alice", SALES)
    draft = alice.draft(conversation, "reply")
    tree = alice.responses("Sales")
    assert tree is not None
    payment = next(r for r in tree.responses() if r.title == "Payment terms")
    inserted = alice.render_response(draft, payment)
    draft = answered(draft, inserted.rstrip("\n"))
    message = build_message(draft, config, responses=alice.html_responses(draft))
    text, html = parts(message)
    assert "<li><strong>Card</strong> (Visa" in html
    assert "Card (Visa" in text
    # Edited, it is the agent's own text: escaped, no list any more.
    edited = draft.edited(body=draft.body.replace("when ordering online", "on the web"))
    _, html = parts(build_message(edited, config, responses=alice.html_responses(edited)))
    assert "<strong>Card</strong>" not in html and "on the web" in html


def test_the_agents_text_lands_where_it_stands_among_the_templates_pieces() -> None:
    before, after, pieces = template_opening(
        "<html><head><meta charset=windows-1252></head><body><div class=WordSection1>"
        "<p class=MsoNormal>Dear Carla,<o:p></o:p></p><p class=MsoNormal>Thanks.</p>"
        "</div></body></html>"
    )
    assert [p.text for p in pieces] == ["Dear Carla,", "Thanks."]
    assert "charset" not in before and before.endswith("<div class=WordSection1>")
    opening = HtmlOpening(before, after, pieces)
    html = compose("Dear Carla,\n\nFirst.\n\nSecond line\nthird.\n\nThanks.\n", opening).html
    assert html.index("Dear Carla,") < html.index("<p>First.</p>") < html.index("Thanks.")
    assert "<p>Second line<br>third.</p>" in html
    # The greeting rewritten: it is the agent's text now, escaped; nothing is lost.
    html = compose("Hi <Carla>,\n\nFirst.\n\nThanks.\n", opening).html
    assert "<p>Hi &lt;Carla&gt;,</p>" in html and "Dear Carla" not in html
    assert 'class="MsoNormal">Thanks.' in html


def test_plain_text_becomes_escaped_paragraphs_with_links() -> None:
    assert text_html("a <b> & c\nd\n\n\ne mail@x.org (https://x.org/p?q=1&r=2).") == (
        "<p>a &lt;b&gt; &amp; c<br>d</p>\n"
        '<p>e <a href="mailto:mail@x.org">mail@x.org</a> '
        '(<a href="https://x.org/p?q=1&amp;r=2">https://x.org/p?q=1&amp;r=2</a>).</p>\n'
    )


async def test_f8_previews_what_the_customer_will_see(tmp_path: Path) -> None:
    config = html_workspace(tmp_path / "ws")
    with open_store(config) as store:
        deliver(store, config, mail(1))
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: table(app).row_count >= 1)
        await pilot.press("n")
        await settle(pilot, lambda: table(app).row_count == 1)
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        composer = app.screen
        await pilot.press(*"Use [bold]<b>& now")
        await pilot.press("f8")
        await settle(pilot, lambda: isinstance(app.screen, PreviewScreen))
        preview = app.screen
        assert isinstance(preview, PreviewScreen) and preview.html
        shown = str(preview.query_one("#preview-text", Static).render())
        # The HTML part as text: the template, the words as typed (never markup),
        # the signature and the quote, in the customer's order.
        lines = [line.strip() for line in shown.splitlines()]
        order = ["Dear Customer 1,", "Use [bold]<b>& now", "Thank you for your message about"]
        found = [next(i for i, line in enumerate(lines) if line.startswith(o)) for o in order]
        assert found == sorted(found)
        assert "Kind regards," in shown and "> where is order 1?" in shown
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is composer)
        assert "Use [bold]<b>& now" in composer.query_one("#composer-body", SpellTextArea).text
