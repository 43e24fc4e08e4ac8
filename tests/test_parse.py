"""The parser: odd and broken mail is read as well as it can be, never raising."""

from __future__ import annotations

from engine.mail.parse import attachment_bytes, parse_message


def test_encoded_words_8bit_headers_and_addresses() -> None:
    raw = (
        "From: =?iso-8859-1?q?J=F6rg_M=FCller?= <jorg@example.de>\r\n"
        'To: "Sales" <Solidus.Sales.Retail@seclab.com>, other@x.org\r\n'
        "Cc: cc@x.org\r\nDelivered-To: master@seclab.com\r\n"
        "X-Original-To: Solidus.Sales.Retail@seclab.com\r\n"
        "Subject: Räksmörgås ümlaut\r\n"
        "\r\nbody\r\n"
    ).encode()
    parsed = parse_message(raw)
    assert parsed.from_name == "Jörg Müller" and parsed.from_address == "jorg@example.de"
    assert parsed.subject == "Räksmörgås ümlaut"
    assert parsed.recipients == (
        "Solidus.Sales.Retail@seclab.com",
        "other@x.org",
        "cc@x.org",
        "master@seclab.com",
    )
    assert parsed.message_id == "" and parsed.date is None


def test_unknown_charset_still_gives_text() -> None:
    raw = (
        b"From: a@b.c\r\nTo: d@e.f\r\nSubject: x\r\nContent-Type: text/plain; "
        b"charset=x-klingon\r\n\r\nplain words\r\n"
    )
    parsed = parse_message(raw)
    assert "plain words" in parsed.body_text
    assert any("body" in p for p in parsed.problems)


def test_html_only_mail_gets_searchable_text() -> None:
    raw = (
        b"From: a@b.c\r\nTo: d@e.f\r\nSubject: x\r\nContent-Type: text/html\r\n\r\n"
        b"<html><style>p{}</style><p>Hello &amp; welcome</p><p>Bye</p></html>\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.body_text == "Hello & welcome\n\nBye\n"
    assert "<p>" in parsed.body_html


def test_attachments_listed_and_extracted() -> None:
    raw = (
        b"From: a@b.c\r\nTo: d@e.f\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
        b"Content-Type: text/plain\r\n\r\nsee attached\r\n--XX\r\n"
        b'Content-Type: application/pdf; name="r\xc3\xa4kning.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XX--\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.body_text.strip() == "see attached"
    [attachment] = parsed.attachments
    assert attachment.filename == "räkning.pdf" and attachment.content_type == "application/pdf"
    assert attachment_bytes(raw, 1) == ("räkning.pdf", b"%PDF-1.4\n")
    assert attachment_bytes(raw, 2) is None


def test_broken_boundary_keeps_the_body_visible() -> None:
    raw = (
        b"From: a@b.c\r\nTo: d@e.f\r\nSubject: x\r\n"
        b"Content-Type: multipart/alternative; boundary=NOPE\r\n\r\n"
        b"--OTHER\r\nContent-Type: text/plain\r\n\r\nthe words\r\n--OTHER--\r\n"
    )
    parsed = parse_message(raw)
    assert "the words" in parsed.body_text


def test_threading_headers() -> None:
    raw = (
        b"From: a@b.c\r\nTo: d@e.f\r\nMessage-ID: <m3@x>\r\nIn-Reply-To: <m2@x>\r\n"
        b"References: <m1@x>\r\n <m2@x>\r\nDate: Thu, 26 Nov 2026 10:00:00 +0100\r\n\r\nx\r\n"
    )
    parsed = parse_message(raw)
    assert (parsed.message_id, parsed.in_reply_to, parsed.references) == (
        "<m3@x>",
        "<m2@x>",
        ("<m1@x>", "<m2@x>"),
    )
    assert parsed.date is not None and parsed.date.utcoffset() is not None


def test_nonsense_never_raises() -> None:
    for raw in (
        b"",
        b"\r\n\r\n",
        b"\x00\xff" * 100,
        b"From:\r\nTo: <<<>>>\r\n\r\n",
        b"Content-Type: multipart/mixed\r\n\r\n--\r\n",
    ):
        parse_message(raw)
