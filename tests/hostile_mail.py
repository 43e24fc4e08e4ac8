"""A hostile corpus, built here (issue 14): raw 8-bit headers, mislabelled
charsets, spoofing display names and resource cases.

Used by the parser tests (``tests/test_hostile_parse.py``) and by the
end-to-end import/serve tests. The function names are stable:

- :func:`hostile_cases` -> list of :class:`HostileCase` (name, raw bytes and
  what the parser must read from it);
- :func:`hostile_messages` -> list of ``(name, raw bytes)``: every case, the
  resource cases included unless ``resource=False``;
- :func:`resource_messages` -> the big ones alone (100,000 recipients, a
  5,000-deep multipart, a 500-deep attached message);
- builders: :func:`many_recipients`, :func:`deep_multipart`,
  :func:`deep_attached_message`, :func:`iso2022jp_nec`.

Every message has a unique Message-ID and is addressed to ``to`` (a routable
address of the test tenant by default), so an end-to-end test can put them
in a mailbox among ordinary ones and expect each to be archived.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

#: A routable address of the test tenant (``tests/servers/tenant.py``).
DEFAULT_TO = "Solidus.Sales.Retail@seclab.com"


@dataclass(frozen=True)
class HostileCase:
    """One hostile message and what the parser must read from it.

    ``None`` means "not checked"; ``body`` is a substring of ``body_text``;
    ``headers`` maps a lower-cased header name to its expected value in
    ``ParsedMessage.headers``; ``not_recipients`` are addresses that must not
    appear in any address field.
    """

    name: str
    raw: bytes
    subject: str | None = None
    from_name: str | None = None
    from_address: str | None = None
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    recipients: tuple[str, ...] | None = None
    not_recipients: tuple[str, ...] = ()
    #: A substring of one of ``ParsedMessage.problems``.
    problem: str | None = None


def _message(
    name: str,
    *,
    to: str,
    subject: bytes | None = None,
    from_: bytes = b"Customer <customer@customer.example>",
    extra: bytes = b"",
    content_type: bytes = b"text/plain; charset=utf-8",
    cte: bytes = b"8bit",
    body: bytes = b"Hello, this is an ordinary body.\r\n",
) -> bytes:
    return (
        b"From: " + from_ + b"\r\n"
        b"To: " + to.encode() + b"\r\n"
        # Its own subject by default: a customer's follow-up with the same
        # subject would join the first one's conversation (engine.ingest).
        b"Subject: " + (b"hostile " + name.encode() if subject is None else subject) + b"\r\n"
        b"Date: Thu, 03 Dec 2026 09:00:00 +0000\r\n"
        b"Message-ID: <hostile-"
        + name.encode()
        + b"@customer.example>\r\n"
        + extra
        + b"MIME-Version: 1.0\r\n"
        b"Content-Type: " + content_type + b"\r\n"
        b"Content-Transfer-Encoding: " + cte + b"\r\n"
        b"\r\n" + body
    )


def _encoded_word(text: str, label: str, codec: str) -> bytes:
    return b"=?" + label.encode() + b"?B?" + base64.b64encode(text.encode(codec)) + b"?="


def iso2022jp_nec(text: str) -> bytes:
    """``text`` as Outlook writes ISO-2022-JP (cp50220-like): JIS X 0208 mode
    (``ESC $ B``) holding NEC row 13 and IBM extension characters too."""
    out = bytearray()
    jis = False
    for ch in text:
        if ord(ch) < 0x80:
            if jis:
                out += b"\x1b(B"
                jis = False
            out += ch.encode("ascii")
            continue
        lead, trail = ch.encode("cp932")
        # Shift_JIS -> the JIS X 0208 byte pair (rows 0x21-0x7E).
        high = ((lead - (0x70 if lead <= 0x9F else 0xB0)) << 1) - (1 if trail < 0x9F else 0)
        low = trail - (0x7E if trail >= 0x9F else 0x1F if trail < 0x7F else 0x20)
        if not jis:
            out += b"\x1b$B"
            jis = True
        out += bytes((high, low))
    if jis:
        out += b"\x1b(B"
    return bytes(out)


# -- the mislabelled charsets: label, the codec that really wrote the bytes, text
#    made of characters that exist only in the superset.
MISLABELLED: tuple[tuple[str, str, str], ...] = (
    ("gb2312", "gbk", "朱镕基 喆 臺灣 堃"),
    ("shift_jis", "cp932", "①②③ ㈱ 髙橋 №5 Ⅳ"),
    ("big5", "big5hkscs", "啱嘅咗 香港 𨋢"),
    ("ks_c_5601-1987", "cp949", "똠방각하 햏 쓔"),
    ("euc-kr", "cp949", "뷁 똠 햏"),
    ("iso-2022-jp", "iso2022jp_nec", "①② ㈱ № 日本語 髙"),
)


def _encode(text: str, codec: str) -> bytes:
    return iso2022jp_nec(text) if codec == "iso2022jp_nec" else text.encode(codec)


def _charset_cases(to: str) -> list[HostileCase]:
    cases = []
    for label, codec, text in MISLABELLED:
        data = _encode(text, codec)
        name = f"charset-{label}"
        word = b"=?" + label.encode() + b"?B?" + base64.b64encode(data) + b"?="
        cases.append(
            HostileCase(
                name,
                _message(
                    name,
                    to=to,
                    subject=word,
                    from_=word + b" <sender-" + label.encode() + b"@customer.example>",
                    content_type=b"text/plain; charset=" + label.encode(),
                    cte=b"7bit" if codec == "iso2022jp_nec" else b"8bit",
                    body=data + b"\r\n",
                ),
                subject=text,
                from_name=text,
                from_address=f"sender-{label}@customer.example",
                body=text,
            )
        )
        # The same, base64 in the body (what most clients send).
        name = f"charset-{label}-base64"
        cases.append(
            HostileCase(
                name,
                _message(
                    name,
                    to=to,
                    subject=b"Re: " + word,
                    content_type=b'text/plain; charset="' + label.upper().encode() + b'"',
                    cte=b"base64",
                    body=base64.encodebytes(data + b"\r\n").replace(b"\n", b"\r\n"),
                ),
                subject="Re: " + text,
                body=text,
            )
        )
    return cases


def _raw_header_cases(to: str) -> list[HostileCase]:
    """One raw 0x80-0xFF byte sequence in each header the issue names."""
    m = _message
    sjis = "お問い合わせ ①".encode("cp932")
    return [
        HostileCase(
            "raw-x-mailer",
            m("raw-x-mailer", to=to, extra=b"X-Mailer: Outl\xc3\xb6ok\r\n"),
            headers={"x-mailer": "Outlöok"},
        ),
        HostileCase(
            "raw-x-mailer-latin1",
            m("raw-x-mailer-latin1", to=to, extra=b"X-Mailer: Outl\xf6ok \x80\r\n"),
            headers={"x-mailer": "Outlöok €"},
        ),
        HostileCase(
            "raw-x-original-to",
            m(
                "raw-x-original-to",
                to=to,
                extra=b"X-Original-To: " + to.encode() + b" (K\xc3\xb6ln)\r\n",
            ),
            headers={"x-original-to": f"{to} (Köln)"},
        ),
        HostileCase(
            "raw-delivered-to",
            m(
                "raw-delivered-to",
                to=to,
                extra=b"Delivered-To: master+\xe4\xb8\xad@seclab.com\r\n",
            ),
            headers={"delivered-to": "master+中@seclab.com"},
        ),
        HostileCase(
            "raw-return-path",
            m("raw-return-path", to=to, extra=b"Return-Path: <bounce-\xe9@customer.example>\r\n"),
            headers={"return-path": "<bounce-é@customer.example>"},
        ),
        HostileCase(
            "raw-content-type-param",
            m(
                "raw-content-type-param",
                to=to,
                content_type=b'text/plain; charset="utf-8"; x-note="caf\xc3\xa9"',
            ),
            headers={"content-type": 'text/plain; charset="utf-8"; x-note="café"'},
            body="ordinary body",
        ),
        HostileCase(
            # A raw byte in an attachment's Content-Transfer-Encoding (the stdlib
            # then returns a Header object, not a str).
            "raw-content-transfer-encoding",
            m(
                "raw-content-transfer-encoding",
                to=to,
                content_type=b"multipart/mixed; boundary=XX",
                cte=b"7bit",
                body=b"--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
                b"--XX\r\nContent-Type: application/pdf; name=r.pdf\r\n"
                b"Content-Transfer-Encoding: base64\xc3\xa4\r\n\r\nJVBERi0xLjQK\r\n--XX--\r\n",
            ),
            body="see attached",
            headers={"content-type": "multipart/mixed; boundary=XX"},
        ),
        HostileCase(
            "raw-list-id",
            m(
                "raw-list-id",
                to=to,
                extra=b"List-Id: Kunden \xc3\x9cbersicht <kunden.lists.example>\r\n",
            ),
            headers={"list-id": "Kunden Übersicht <kunden.lists.example>"},
        ),
        HostileCase(
            "raw-subject-utf8",
            m("raw-subject-utf8", to=to, subject=b"Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln"),
            subject="Grüße aus Köln",
        ),
        HostileCase(
            "raw-subject-cp1252",
            m("raw-subject-cp1252", to=to, subject=b"Caf\xe9 \x80 5 \x93ok\x94"),
            subject="Café € 5 “ok”",
        ),
        HostileCase(
            # Raw Shift_JIS in the header; the body declares shift_jis (read as cp932).
            "raw-subject-shift-jis",
            m(
                "raw-subject-shift-jis",
                to=to,
                subject=sjis,
                from_=b"\x8d\xb2\x93\xa1 <sato@customer.example>",
                content_type=b"text/plain; charset=shift_jis",
                body=sjis + b"\r\n",
            ),
            subject="お問い合わせ ①",
            from_name="佐藤",
            from_address="sato@customer.example",
            body="お問い合わせ ①",
        ),
        HostileCase(
            "raw-from",
            m("raw-from", to=to, from_=b"J\xc3\xb6rg M\xc3\xbcller <jorg@example.de>"),
            from_name="Jörg Müller",
            from_address="jorg@example.de",
        ),
        HostileCase(
            "raw-from-latin1",
            m("raw-from-latin1", to=to, from_=b'"M\xfcller, J\xf6rg" <jorg2@example.de>'),
            from_name="Müller, Jörg",
            from_address="jorg2@example.de",
        ),
        HostileCase(
            # Raw bytes inside encoded words: decoded with the word's charset.
            "raw-in-encoded-word-latin1",
            m("raw-in-encoded-word-latin1", to=to, subject=b"=?iso-8859-1?q?K\xf6ln_Dom?="),
            subject="Köln Dom",
        ),
        HostileCase(
            "raw-in-encoded-word-utf8",
            m(
                "raw-in-encoded-word-utf8",
                to=to,
                subject=b"=?utf-8?Q?caf\xc3\xa9_cr\xc3\xa8me?=",
            ),
            subject="café crème",
        ),
        HostileCase(
            "nul-in-headers",
            m(
                "nul-in-headers",
                to=to,
                subject=b"nul\x00here",
                from_=b"Nul\x00Name <nul@customer.example>",
                extra=b"X-Mailer: a\x00b\r\n",
            ),
            from_address="nul@customer.example",
        ),
    ]


def _spoofing_cases(to: str) -> list[HostileCase]:
    m = _message
    crlf_bcc = _encoded_word("Support\r\nBcc: victim@victim.example", "utf-8", "utf-8")
    return [
        HostileCase(
            "spoof-encoded-address",
            m(
                "spoof-encoded-address",
                to=to,
                from_=b"=?utf-8?Q?boss=40bank.example=2C?= <attacker@evil.example>",
            ),
            from_name="boss@bank.example,",
            from_address="attacker@evil.example",
            not_recipients=("boss@bank.example",),
        ),
        HostileCase(
            "spoof-encoded-angle-address",
            m(
                "spoof-encoded-angle-address",
                to=to,
                from_=b"=?utf-8?Q?=3Cboss=40bank.example=3E?= <attacker@evil.example>",
            ),
            from_name="<boss@bank.example>",
            from_address="attacker@evil.example",
            not_recipients=("boss@bank.example",),
        ),
        HostileCase(
            "spoof-encoded-bcc-from",
            m("spoof-encoded-bcc-from", to=to, from_=crlf_bcc + b" <customer@customer.example>"),
            from_address="customer@customer.example",
            not_recipients=("victim@victim.example",),
        ),
        HostileCase(
            "spoof-encoded-bcc-to",
            m(
                "spoof-encoded-bcc-to",
                to=to,
                extra=b"Cc: " + crlf_bcc + b" <cc@customer.example>\r\n",
            ),
            recipients=(to, "cc@customer.example"),
            not_recipients=("victim@victim.example",),
        ),
        HostileCase(
            "spoof-encoded-list",
            m(
                "spoof-encoded-list",
                to=to,
                extra=b"Reply-To: =?utf-8?Q?a=40x.example=2C_b=40y.example?= <c@z.example>\r\n",
            ),
            not_recipients=("a@x.example", "b@y.example"),
        ),
        HostileCase(
            "name-last-first-quoted",
            m("name-last-first-quoted", to=to, from_=b'"Doe, Jane" <jane@customer.example>'),
            from_name="Doe, Jane",
            from_address="jane@customer.example",
        ),
        HostileCase(
            "name-last-first-unquoted",
            m("name-last-first-unquoted", to=to, from_=b"Doe, Jane <jane@customer.example>"),
            from_name="Doe, Jane",
            from_address="jane@customer.example",
        ),
        HostileCase(
            "name-last-first-encoded",
            m(
                "name-last-first-encoded",
                to=to,
                from_=b"=?utf-8?Q?M=C3=BCller=2C_J=C3=B6rg?= <joerg@example.de>",
            ),
            from_name="Müller, Jörg",
            from_address="joerg@example.de",
        ),
    ]


def many_recipients(count: int = 100_000, *, to: str = DEFAULT_TO) -> bytes:
    """A message with ``count`` recipients: ``to`` and ``count - 1`` distinct
    others in To (folded lines, some with display names), and the first 1,000
    of them again in Cc in upper case (duplicates to drop)."""
    addresses = [
        f'"Recipient {n}" <r{n}@many.example>' if n % 3 == 0 else f"r{n}@many.example"
        for n in range(count - 1)
    ]
    to_value = ",\r\n ".join([to, *addresses])
    cc_value = ",\r\n ".join(f"R{n}@MANY.EXAMPLE" for n in range(min(1_000, count - 1)))
    return (
        b"From: Many <many@customer.example>\r\n"
        b"To: " + to_value.encode() + b"\r\n"
        b"Cc: " + cc_value.encode() + b"\r\n"
        b"Subject: many recipients\r\n"
        b"Message-ID: <hostile-many-recipients@customer.example>\r\n"
        b"\r\nhello all\r\n"
    )


def deep_multipart(depth: int = 5_000, *, to: str = DEFAULT_TO) -> bytes:
    """``depth`` multiparts nested inside one another around one text part."""
    out = [
        b"From: Deep <deep@customer.example>\r\nTo: " + to.encode() + b"\r\n"
        b"Subject: deep multipart\r\n"
        b"Message-ID: <hostile-deep-multipart@customer.example>\r\nMIME-Version: 1.0\r\n"
    ]
    for level in range(depth):
        out.append(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (level, level))
    out.append(b"Content-Type: text/plain\r\n\r\nthe innermost words\r\n")
    for level in reversed(range(depth)):
        out.append(b"--b%d--\r\n" % level)
    return b"".join(out)


def deep_attached_message(depth: int = 500, *, to: str = DEFAULT_TO) -> bytes:
    """A message whose attachment 1 is a message/rfc822 nested ``depth`` deep."""
    inner = b"From: x@inner.example\r\nSubject: innermost\r\n\r\nthe innermost words\r\n"
    for level in range(depth):
        inner = (
            b"From: l%d@inner.example\r\nSubject: level %d\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: message/rfc822\r\n\r\n" % (level, level)
        ) + inner
    return (
        b"From: Deep <deep@customer.example>\r\nTo: " + to.encode() + b"\r\n"
        b"Subject: deep attached message\r\n"
        b"Message-ID: <hostile-deep-attached@customer.example>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nsee the attached message\r\n"
        b"--XX\r\nContent-Type: message/rfc822\r\n"
        b"Content-Disposition: attachment; filename=forwarded.eml\r\n\r\n"
        + inner
        + b"\r\n--XX--\r\n"
    )


def hostile_cases(to: str = DEFAULT_TO) -> list[HostileCase]:
    """The small hostile cases with what the parser must read (no resource cases)."""
    return [*_raw_header_cases(to), *_charset_cases(to), *_spoofing_cases(to)]


def resource_messages(to: str = DEFAULT_TO) -> list[tuple[str, bytes]]:
    """The big ones: 100,000 recipients, 5,000-deep multipart, 500-deep attached message."""
    return [
        ("many-recipients", many_recipients(to=to)),
        ("deep-multipart", deep_multipart(to=to)),
        ("deep-attached-message", deep_attached_message(to=to)),
    ]


def hostile_messages(to: str = DEFAULT_TO, *, resource: bool = True) -> list[tuple[str, bytes]]:
    """Every hostile message as ``(name, raw bytes)``; names are unique."""
    small = [(case.name, case.raw) for case in hostile_cases(to)]
    return small + (resource_messages(to) if resource else [])
