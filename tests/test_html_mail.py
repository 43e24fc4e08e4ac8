"""Incoming HTML e-mail shown with its structure, wherever a person reads it (issue 16 item 4).

The agent's reading pane, the quote in a reply, the supervisor's conversation
view and the archive's search read an HTML-only message as text made by one
converter (engine.mail.html): paragraphs, bullets, links with their
addresses. Nothing on the way fetches anything: a local HTTP server named by
every image, style sheet and CSS url() of a message hears nothing while the
message is shown and replied to.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.request import urlopen

import pytest
from textual.widgets import Input, TextArea

from engine import archive
from engine.archive import ArchivedMessage
from engine.bootstrap import open_store
from engine.config import Config
from engine.drafts import quote
from engine.mail.html import incoming_text
from engine.mail.parse import parse_message
from engine.service import open_contact_center
from micc_tui.agent.composer import ComposerScreen
from micc_tui.demo.generator import MailGenerator
from micc_tui.supervisor.conversation import ConversationScreen
from micc_tui.widgets.body_view import LIMIT, BodyView, prepare
from tests.agent_console_helpers import make_app, screen, settle, table
from tests.agent_fixtures import NOW, deliver, workspace
from tests.corpus import mail_gem
from tests.supervisor_fixtures import app_for, wait_for

SPANISH = (
    "<html><body><p>Buenos días:</p><p>Somos una cadena de <b>papelerías</b> en "
    "Sevilla y nos gustaría recibir el catálogo de 2027 y la tarifa para "
    "distribuidores.</p><ul><li>¿Tienen material promocional en español?</li>"
    "<li>¿Organizan demostraciones en tienda?</li></ul>"
    "<p>Un saludo,<br>María García</p></body></html>"
)
#: What the agent reads of it, line by line.
SPANISH_LINES = (
    "Buenos días:",
    "",
    "Somos una cadena de papelerías en Sevilla y nos gustaría recibir el catálogo "
    "de 2027 y la tarifa para distribuidores.",
    "",
    "• ¿Tienen material promocional en español?",
    "• ¿Organizan demostraciones en tienda?",
    "",
    "Un saludo,",
    "María García",
)


def html_mail(number: int, markup: str, *, subject: str = "", text: str | None = None) -> bytes:
    """A customer's e-mail to Sales: HTML only, or multipart/alternative with ``text``."""
    message = EmailMessage()
    message["From"] = f'"María García" <c{number}@example.es>'
    message["To"] = "Solidus.Sales.Retail@seclab.com"
    message["Subject"] = subject or f"Solicitud {number}"
    message["Date"] = format_datetime(NOW - timedelta(hours=3, minutes=-number))
    message["Message-ID"] = f"<h{number}@example.es>"
    if text is None:
        message.set_content(markup, subtype="html")
    else:
        message.set_content(text)
        message.add_alternative(markup, subtype="html")
    return bytes(message)


def delivered(tmp_path: Path, *raws: bytes) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, *raws)
    store.close()
    return config


async def test_the_spanish_email_shows_its_paragraphs_and_list_in_the_reading_pane(
    tmp_path: Path,
) -> None:
    app = make_app(delivered(tmp_path, html_mail(1, SPANISH)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 1 and screen(app).reading is not None)
        body = screen(app).query_one("#reading-body", BodyView)
        assert body.body.lines == SPANISH_LINES
        painted = [body.render_line(y).text.rstrip() for y in range(body.size.height)]
        assert [row for row in painted if row.startswith("• ")] == [
            "• ¿Tienen material promocional en",
            "• ¿Organizan demostraciones en",
        ]
        assert painted[-2:] == ["Un saludo,", "María García"]


def test_the_demos_html_only_email_is_read_with_its_structure() -> None:
    tour = {m.case: m for m in MailGenerator(seed=3).tour()}
    parsed = parse_message(tour["html-only"].raw)
    lines = parsed.body_text.splitlines()
    assert lines[:2] == ["Buenos días:", ""]
    assert "• ¿Tienen material promocional en español?" in lines
    assert "• ¿Organizan demostraciones en tienda?" in lines
    assert lines[-2] == "Un saludo,"
    assert "<" not in parsed.body_text


def test_multipart_alternative_shows_its_text_part_else_its_html() -> None:
    markup = "<p>The <b>HTML</b> twin</p><ul><li>one</li></ul>"
    both = parse_message(html_mail(1, markup, text="The text part, as written.\n"))
    assert both.body_text == "The text part, as written.\n"
    assert "<b>HTML</b>" in both.body_html
    blank = parse_message(html_mail(2, markup, text=" \n"))
    assert blank.body_text == "The HTML twin\n\n• one\n"


def test_an_unlabelled_html_body_is_read_in_the_charset_its_meta_names() -> None:
    raw = (
        b"From: a@b.example\r\nTo: Solidus.Sales.Retail@seclab.com\r\nSubject: x\r\n"
        b"Content-Type: text/html\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
        "</head><body><p>Добрый день</p><p>Спасибо</p></body></html>\r\n".encode("koi8-r")
    )
    parsed = parse_message(raw)
    assert parsed.body_text == "Добрый день\n\nСпасибо\n"
    assert parsed.problems == ()


def test_the_reply_quotes_the_html_as_the_reading_pane_shows_it(tmp_path: Path) -> None:
    center = open_contact_center(delivered(tmp_path, html_mail(1, SPANISH)), "alice")
    try:
        item = center.take_next()
        assert item is not None
        body = center.draft(item.id, "reply").body
    finally:
        center.close()
    quoted = [line for line in body.splitlines() if line.startswith(">")]
    assert quoted == [f"> {line}" if line else ">" for line in SPANISH_LINES]


def test_a_message_archived_with_a_blank_text_part_is_quoted_from_its_html() -> None:
    original = ArchivedMessage(
        1, "in", 1, "<x@y>", "s", "María García", "m@example.es", [], [], None,
        "2026-11-26T12:00:00+00:00", "\n", SPANISH, [], [], "test", 1,
    )  # fmt: skip
    quoted = quote(original, "Thursday").splitlines()
    assert quoted[0] == "On Thursday, María García wrote:"
    assert quoted[5:7] == [
        "> • ¿Tienen material promocional en español?",
        "> • ¿Organizan demostraciones en tienda?",
    ]


async def test_the_supervisor_finds_it_and_reads_it_with_its_structure(tmp_path: Path) -> None:
    config = delivered(tmp_path, html_mail(1, SPANISH, subject="Catálogo HTMLONLY"))
    store = open_store(config)
    try:
        [found] = archive.search(store, "demostraciones")
        assert found.subject == "Catálogo HTMLONLY"
    finally:
        store.close()
    app = app_for(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        app.query_one("#search", Input).focus()
        await pilot.press(*"HTMLONLY", "enter")
        await wait_for(pilot, lambda: app.query_one("#hits").row_count == 1)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        view = app.screen
        await wait_for(pilot, lambda: len(view.query(BodyView)) == 1)
        lines = view.query_one(BodyView).body.lines
        assert "• ¿Organizan demostraciones en tienda?" in lines
        assert "María García" in lines


async def test_escapes_and_markup_in_html_are_shown_inert(tmp_path: Path) -> None:
    markup = (
        "<p>[bold]Win[/bold] &#27;[2J</p><ul><li>[link=http://evil]x[/link]\x1b]0;t\x07</li></ul>"
    )
    app = make_app(delivered(tmp_path, html_mail(1, markup)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: screen(app).reading is not None)
        lines = screen(app).query_one("#reading-body", BodyView).body.lines
        assert lines == (
            "[bold]Win[/bold] \\x1b[2J",
            "",
            "• [link=http://evil]x[/link]\\x1b]0;t\\x07",
        )
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "[bold]Win[/bold]" in svg


# -- nothing is fetched -----------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(b"\x89PNG")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request: (its base address, the paths)."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def fetching_html(base: str) -> str:
    """HTML naming ``base`` in every way a mail viewer could be made to fetch it."""
    return (
        f'<html><head><link rel="stylesheet" href="{base}/sheet.css">'
        f"<style>@import url({base}/import.css); body {{ background: url('{base}/bg.png') }}"
        f"</style><script src='{base}/script.js'></script></head>"
        f'<body background="{base}/body.png"><p>Hola,</p>'
        f'<p><img src="{base}/x.png" alt="Logo"> <img src="{base}/pixel.gif" width=1 height=1>'
        f'<span style="background-image: url({base}/span.png)">precios</span></p>'
        f'<iframe src="{base}/frame.html"></iframe><video poster="{base}/poster.png"></video>'
        f'<input type="image" src="{base}/input.png"><object data="{base}/object.swf"></object>'
        f'<p><a href="{base}/link">la tarifa</a></p></body></html>'
    )


async def test_showing_and_replying_to_html_fetches_nothing(
    tmp_path: Path, recorder: tuple[str, list[str]]
) -> None:
    base, hits = recorder
    with urlopen(f"{base}/proof") as answer:  # the server hears what is asked of it
        assert answer.status == 200
    assert hits == ["/proof"]
    markup = fetching_html(base)
    config = delivered(tmp_path, html_mail(1, markup), html_mail(2, "x", text=" ", subject="b"))
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2 and screen(app).reading is not None)
        lines = screen(app).query_one("#reading-body", BodyView).body.lines
        assert lines[0] == "Hola,"
        assert "[image: Logo] precios" in lines
        assert f"la tarifa ({base}/link)" in lines
        await pilot.press("n")  # take it
        await settle(pilot, lambda: table(app).row_count == 1)
        await pilot.press("r")  # the reply quotes it
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        reply = app.screen.query_one("#composer-body", TextArea).text
        assert "> [image: Logo] precios" in reply
        await pilot.pause(0.5)
    assert hits == ["/proof"]


# -- hostile and huge -------------------------------------------------------------------


async def test_a_huge_deeply_nested_html_email_is_shown_from_its_head(tmp_path: Path) -> None:
    deep = "<div><blockquote><ul><li>" * 50_000
    rows = "".join(f"<p>Fila {n:06d} del <b>informe</b></p>\n" for n in range(120_000))
    markup = f"<html><body><p>Buenos días:</p><ul><li>uno</li><li>dos</li></ul>{rows}{deep}fin"
    raw = html_mail(1, markup)
    assert len(raw) > 4 * LIMIT * 4
    parsed = parse_message(raw)
    assert parsed.body_text.startswith("Buenos días:\n\n• uno\n• dos\n\nFila 000000 del informe\n")
    app = make_app(delivered(tmp_path, raw))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: screen(app).reading is not None)
        body = screen(app).query_one("#reading-body", BodyView).body
        assert body.cut and body.shown <= LIMIT
        assert body.lines[:6] == (
            "Buenos días:",
            "",
            "• uno",
            "• dos",
            "",
            "Fila 000000 del informe",
        )


# -- the real-world corpus --------------------------------------------------------------


def test_every_html_part_of_the_corpus_reads_as_prose() -> None:
    read = 0
    for path in sorted(mail_gem().rglob("*.eml")):
        parsed = parse_message(path.read_bytes())
        if not parsed.body_html.strip():
            continue
        read += 1
        text = incoming_text(parsed.body_html)
        for mark in ("](", "**", "~~", "`", "* * *", "\\-", "\\*"):
            # Markdown is never written; what the sender wrote stays.
            assert mark not in text or mark in parsed.body_html, (path.name, mark)
        assert "<p" not in text.lower() and "</" not in text, path.name
        body = prepare(_archived(parsed.body_text, parsed.body_html))
        assert body.lines, path.name
    assert read >= 15


def test_a_real_html_only_email_keeps_its_lines_and_link() -> None:
    path = mail_gem() / "error_emails" / "content_transfer_encoding_text-html.eml"
    lines = parse_message(path.read_bytes()).body_text.splitlines()
    assert lines[:3] == ["Hello,", "", "You have qualified for the lowest rate in years."]
    assert "Approval Form (http://www.lenxzc.com/index2.php?refid=malx)" in lines
    assert "Best Regards," in lines


def _archived(body_text: str, body_html: str) -> ArchivedMessage:
    return ArchivedMessage(
        1, "in", 1, "", "", "", "", [], [], None, "", body_text, body_html, [], [], "t", 1
    )


def test_a_deep_and_huge_html_part_never_raises() -> None:
    markup = "<table><tr><td><ol><li><blockquote>" * 100_000 + "x" * 10
    parsed = parse_message(html_mail(1, markup + "<p>" * 200_000 + "&#" * 100_000))
    assert "xxxxxxxxxx" in parsed.body_text
    assert parsed.problems == ()
