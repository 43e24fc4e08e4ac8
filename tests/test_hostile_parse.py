"""The parser on hostile mail (issue 14, items 1, 5, 6 and 7): addresses read
from the raw header, mislabelled charsets read as mail clients read them,
huge and deep messages bounded, and never a surrogate or NUL in a field.

The corpus is built by ``tests/hostile_mail.py`` (shared with the end-to-end
import and serve tests).
"""

from __future__ import annotations

import dataclasses
import email.utils
import json
import random
import re
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest

from engine.mail import addresses, parse
from engine.mail.addresses import FAST_OVER, split_addresses
from engine.mail.charsets import decode_iso2022jp, decode_raw_header, decode_text, decode_words
from engine.mail.parse import MAX_DEPTH, Attachment, ParsedMessage, attachment_bytes, parse_message
from tests.hostile_mail import (
    DEFAULT_TO,
    MISLABELLED,
    HostileCase,
    deep_attached_message,
    deep_multipart,
    hostile_cases,
    hostile_messages,
    iso2022jp_nec,
    many_recipients,
)

_BAD = re.compile("[\x00\ud800-\udfff]")


def _strings(value: Any) -> Iterator[str]:
    """Every string in a ParsedMessage (fields, tuples, headers, attachments)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, ParsedMessage | Attachment):
        for item in dataclasses.fields(value):
            yield from _strings(getattr(value, item.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def _assert_clean(parsed: ParsedMessage) -> None:
    for text in _strings(parsed):
        assert not _BAD.search(text), f"surrogate or NUL in {text[:80]!r}"
        assert "\\udc" not in text, f"an escaped surrogate shown as text in {text[:80]!r}"
        text.encode("utf-8")  # what SQLite does with it: strict
    json.dumps(parsed.headers, ensure_ascii=False).encode("utf-8")


def _all_addresses(parsed: ParsedMessage) -> list[str]:
    return [
        a.lower()
        for a in (parsed.from_address, *parsed.to, *parsed.cc, *parsed.reply_to, *parsed.recipients)
    ]


@pytest.mark.parametrize("case", hostile_cases(), ids=lambda c: c.name)
def test_hostile_case(case: HostileCase) -> None:
    parsed = parse_message(case.raw)
    _assert_clean(parsed)
    if case.subject is not None:
        assert parsed.subject == case.subject
    if case.from_name is not None:
        assert parsed.from_name == case.from_name
    if case.from_address is not None:
        assert parsed.from_address == case.from_address
    if case.body is not None:
        assert case.body in parsed.body_text
    for name, value in case.headers.items():
        assert parsed.headers[name] == value
    if case.recipients is not None:
        assert parsed.recipients == case.recipients
    for address in case.not_recipients:
        assert address.lower() not in _all_addresses(parsed)
    if case.problem is not None:
        assert any(case.problem in p for p in parsed.problems), parsed.problems
    # Every message still routes on its To address.
    assert DEFAULT_TO in parsed.recipients


def test_every_hostile_message_parses_clean() -> None:
    names = [name for name, _ in hostile_messages(resource=False)]
    assert len(names) == len(set(names))
    for _, raw in hostile_messages(resource=False):
        _assert_clean(parse_message(raw))


# -- item 5: addresses from the raw header ---------------------------------------


def test_an_encoded_word_never_gives_an_address() -> None:
    raw = (
        b"From: =?utf-8?Q?boss=40bank.example=2C?= <attacker@evil.example>\r\n"
        b"To: =?utf-8?Q?victim=40x.example?= <real@seclab.com>,\r\n"
        b" =?utf-8?B?" + __import__("base64").b64encode(b"a\r\nBcc: victim@x.example") + b"?="
        b" <second@seclab.com>\r\n"
        b"Subject: s\r\n\r\nbody\r\n"
    )
    parsed = parse_message(raw)
    assert (parsed.from_name, parsed.from_address) == (
        "boss@bank.example,",
        "attacker@evil.example",
    )
    assert parsed.to == ("real@seclab.com", "second@seclab.com")
    assert "victim@x.example" not in _all_addresses(parsed)
    # A display name never holds a line break (it may go into a reply's header).
    assert all("\n" not in s and "\r" not in s for s in (parsed.from_name, parsed.subject))


def test_last_first_names_are_kept_whole() -> None:
    for header, name in (
        (b'"Doe, Jane" <jane@x.example>', "Doe, Jane"),
        (b"Doe, Jane <jane@x.example>", "Doe, Jane"),
        (b"=?utf-8?Q?M=C3=BCller=2C_J=C3=B6rg?= <jane@x.example>", "Müller, Jörg"),
        (b'"=?utf-8?Q?M=C3=BCller=2C_J=C3=B6rg?=" <jane@x.example>', "Müller, Jörg"),
    ):
        parsed = parse_message(b"From: " + header + b"\r\nTo: a@b.example\r\n\r\nx\r\n")
        assert (parsed.from_name, parsed.from_address) == (name, "jane@x.example"), header
    parsed = parse_message(b'To: "Doe, Jane" <j@x.example>, Roe, Rick <r@x.example>\r\n\r\nx\r\n')
    assert parsed.to == ("j@x.example", "r@x.example")


def test_a_from_without_an_address_keeps_its_text() -> None:
    parsed = parse_message(b"From: Mailer-Daemon\r\nTo: a@b.example\r\n\r\nx\r\n")
    assert (parsed.from_name, parsed.from_address) == ("Mailer-Daemon", "")
    assert any("From: no valid address" in p for p in parsed.problems)
    parsed = parse_message(b"From: a@b.example\r\nTo: undisclosed-recipients:;\r\n\r\nx\r\n")
    assert parsed.to == () and parsed.problems == ()


def _plain_list(rng: random.Random, count: int) -> str:
    elements = []
    for n in range(count):
        address = f"u{n}.{rng.choice(['x', 'y+tag', 'z_z'])}@host{n % 7}.example"
        elements.append(
            rng.choice(
                [
                    address,
                    f"<{address}>",
                    f'"Last{n}, First" <{address}>',
                    f'"  spaced  {n} " <{address}>',
                    f"Plain  Name {n} <{address}>",
                    f"=?utf-8?Q?J=C3=B6rg_{n}?= <{address}>",
                    f"Jörg Müller {n}<{address}>",
                    f"No\xa0Break {n} <{address}>",
                    f"John Q. Public {n} <{address}>",
                    f'"" <{address}>',
                ]
            )
        )
    separators = [",", ", ", ",\r\n ", " ,  "]
    return "".join(e + rng.choice(separators) for e in elements[:-1]) + elements[-1]


def test_the_fast_reader_reads_what_the_stdlib_reads() -> None:
    rng = random.Random(14)
    for count in (300, 1000):
        value = addresses.unfold(_plain_list(rng, count))
        assert len(value) > FAST_OVER
        assert addresses._split(value)[1], "the plain list took the slow path"
        assert split_addresses(value) == email.utils.getaddresses([value])
    # Anything not plain goes to the stdlib, whole.
    tricky = _plain_list(rng, 400) + ', "unterminated <x@y.example>'
    assert split_addresses(tricky) == email.utils.getaddresses([tricky])
    assert not addresses._split(tricky)[1]


def test_folding_is_undone_like_the_regular_expression() -> None:
    for value in (
        "a\r\n b",
        "a\n\n b",
        "a\r\n\t\t  b\r\n c",
        "a\rb",
        "a\r\n" + " " * 50 + "b",
        "x",
    ):
        assert addresses.unfold(value) == re.sub(r"\r?\n[ \t]*", " ", value).strip()


# -- item 6: bounded cost --------------------------------------------------------


def test_100000_recipients_parse_and_are_deduplicated() -> None:
    raw = many_recipients(100_000)
    parsed = parse_message(raw)
    assert len(parsed.to) == 100_000 and len(parsed.cc) == 1_000
    # The Cc repeats 1,000 To addresses in upper case: dropped, order kept.
    assert len(parsed.recipients) == 100_000
    assert parsed.recipients[:3] == (DEFAULT_TO, "r0@many.example", "r1@many.example")
    assert parsed.recipients[-1] == "r99998@many.example"
    assert parse_message(raw).recipients == parsed.recipients
    _assert_clean(parsed)


def test_recipient_reading_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    """No per-address call into the stdlib's address reader (whose cost made the
    old import take minutes) and no per-address scan of the list so far."""
    calls: list[int] = []
    original = email.utils.getaddresses

    def counting(values: list[str]) -> list[tuple[str, str]]:
        calls.append(sum(len(v) for v in values))
        return original(values)

    monkeypatch.setattr(addresses.email.utils, "getaddresses", counting)
    parsed = parse_message(many_recipients(20_000))
    assert len(parsed.recipients) == 20_000
    # Only the short From value went to the stdlib; the two lists did not.
    assert len(calls) == 1 and calls[0] < 100


def test_5000_deep_multipart_never_raises() -> None:
    raw = deep_multipart(5_000)
    parsed = parse_message(raw)
    _assert_clean(parsed)
    assert parsed.subject == "deep multipart"
    assert parsed.from_address == "deep@customer.example"
    assert parsed.recipients == (DEFAULT_TO,)
    assert any(
        p.startswith(f"MIME nesting deeper than {MAX_DEPTH} levels") for p in parsed.problems
    )
    assert attachment_bytes(raw, 1) is None


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH + 50])
def test_nesting_is_followed_up_to_the_cap(depth: int) -> None:
    parsed = parse_message(deep_multipart(depth))
    deep = [p for p in parsed.problems if p.startswith("MIME nesting deeper than")]
    if depth < MAX_DEPTH:
        assert parsed.body_text.strip() == "the innermost words" and not deep
    else:
        assert parsed.body_text == "" and len(deep) == 1


def test_a_500_deep_attached_message_is_saved() -> None:
    raw = deep_attached_message(500)
    parsed = parse_message(raw)
    [attachment] = parsed.attachments
    assert (attachment.filename, attachment.content_type) == ("forwarded.eml", "message/rfc822")
    saved = attachment_bytes(raw, 1)
    assert saved is not None
    name, data = saved
    assert name == "forwarded.eml"
    assert data.startswith(b"From: l499@inner.example")
    assert b"the innermost words" in data and data.count(b"Subject: level ") == 500
    assert parse_message(data).subject == "level 499"


def test_an_attached_message_deeper_than_the_parser_reads_is_saved_whole() -> None:
    raw = deep_attached_message(5_000)
    parsed = parse_message(raw)
    assert any(p.startswith("MIME nesting deeper than") for p in parsed.problems)
    assert [a.filename for a in parsed.attachments] == ["forwarded.eml"]
    saved = attachment_bytes(raw, 1)
    assert saved is not None
    start = raw.index(b"From: l4999@")
    assert saved[1] == raw[start : raw.rindex(b"\r\n--XX--")]


def test_the_bottom_up_generator_writes_what_as_bytes_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = (
        deep_attached_message(30)
        .replace(
            b"Content-Type: message/rfc822\r\n\r\nFrom: l9@",
            b"Content-Type: message/rfc822\r\n\r\n"
            b"Content-Type: multipart/mixed; boundary=IN\r\n\r\n"
            b"pre\r\n--IN\r\nContent-Type: text/plain\r\n\r\none\r\n--IN\r\n"
            b"Content-Type: message/rfc822\r\n\r\nFrom: l9@",
        )
        .replace(b"\r\nFrom: l8@", b"\r\n--IN--\r\nepilogue\r\nFrom: l8@")
    )
    expected = attachment_bytes(raw, 1)
    assert expected is not None and b"--IN" in expected[1]
    original = Message.as_bytes
    first = [True]

    def too_deep(self: Message, *args: Any, **kwargs: Any) -> bytes:
        if first[0]:
            first[0] = False
            raise RecursionError
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Message, "as_bytes", too_deep)
    assert attachment_bytes(raw, 1) == expected


# -- item 7: charsets ------------------------------------------------------------


@pytest.mark.parametrize(("label", "codec", "text"), MISLABELLED, ids=[m[0] for m in MISLABELLED])
def test_mislabelled_charsets_read_with_the_superset(label: str, codec: str, text: str) -> None:
    data = iso2022jp_nec(text) if codec == "iso2022jp_nec" else text.encode(codec)
    problems: list[str] = []
    assert decode_text(data, label, problems) == text
    assert decode_text(data, label.upper(), problems) == text
    assert problems == []
    word = b"=?" + label.encode() + b"?B?" + __import__("base64").b64encode(data) + b"?="
    assert decode_words(word) == text


def test_iso2022jp_variants() -> None:
    assert decode_iso2022jp(b"\x1b$B$3$s$K$A$O\x1b(B") == "こんにちは"
    # Half-width katakana by escape (cp50221) and by SO/SI.
    assert decode_iso2022jp(b"\x1b(I12\x1b(B") == "ｱｲ"
    assert decode_iso2022jp(b"a\x0e12\x0fb") == "aｱｲb"
    # JIS X 0212 (ESC $ ( D) goes to the stdlib's iso2022_jp_2.
    assert decode_iso2022jp(b'\x1b$(D"q\x1b(B') == "№"
    with pytest.raises(UnicodeDecodeError):
        decode_iso2022jp(b"\x1b$B\x7f\x7f\x1b(B")
    # Raw ISO-2022-JP in a header, no encoded word.
    assert decode_raw_header(b"Re: \x1b$B-!\x1b(B") == "Re: ①"


def test_raw_header_bytes_utf8_then_declared_then_cp1252() -> None:
    assert decode_raw_header("Köln".encode(), ["shift_jis"]) == "Köln"
    assert decode_raw_header("お問い合わせ".encode("cp932"), ["shift_jis"]) == "お問い合わせ"
    assert decode_raw_header("朱镕基".encode("gbk"), ["gb2312"]) == "朱镕基"
    assert decode_raw_header(b"Caf\xe9 \x80", []) == "Café €"
    # A charset that does not read ASCII as ASCII is never tried on a header.
    assert decode_raw_header(b"Caf\xe9", ["utf-16", "utf-7"]) == "Café"
    assert decode_raw_header(b"\x81\x8d\x8f", []) == "\x81\x8d\x8f"  # Latin-1 reads any byte


def test_raw_bytes_in_encoded_words_are_decoded_without_surrogates() -> None:
    for raw_subject, expected in (
        (b"=?iso-8859-1?q?K\xf6ln?=", "Köln"),
        (b"=?utf-8?q?K\xc3\xb6ln?= =?utf-8?q?_Dom?=", "Köln Dom"),
        # A character split across two words is joined before decoding.
        (b"=?utf-8?q?K=C3?= =?utf-8?q?=B6ln?=", "Köln"),
        (b"=?utf-8?q?bad_\xff_byte?=", "bad \ufffd byte"),
        (b"=?x-unknown?q?K=F6ln?=", "Köln"),
        (b"Re: =?utf-8?B?not base64!?= x", None),
    ):
        parsed = parse_message(b"From: a@b.example\r\nSubject: " + raw_subject + b"\r\n\r\nx\r\n")
        _assert_clean(parsed)
        if expected is not None:
            assert parsed.subject == expected, raw_subject


def test_python_codecs_that_are_no_charset_are_unknown() -> None:
    for label in ("unicode_escape", "raw-unicode-escape", "base64", "rot13", "idna"):
        problems: list[str] = []
        assert decode_text(b"a\\r\\nBcc: x\\ud800", label, problems) == "a\\r\\nBcc: x\\ud800"
        assert problems and "unknown charset" in problems[0]


def test_an_undeclared_8bit_body_is_utf8_or_cp1252() -> None:
    for body, expected in ((b"K\xc3\xb6ln", "Köln"), (b"K\xf6ln \x80", "Köln €")):
        parsed = parse_message(b"From: a@b.example\r\n\r\n" + body + b"\r\n")
        assert parsed.body_text.strip() == expected


def test_a_bad_byte_in_a_declared_charset_is_named() -> None:
    parsed = parse_message(
        b"From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nK\xf6ln\r\n"
    )
    _assert_clean(parsed)
    assert "K" in parsed.body_text and "ln" in parsed.body_text
    assert any(p.startswith("body:") for p in parsed.problems)


def test_rfc2231_and_raw_filenames() -> None:
    raw = (
        b"From: a@b.example\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=gb2312''%D6%EC%E9%46.pdf\r\n\r\nx\r\n"
        b'--XX\r\nContent-Type: application/pdf; name="\x8d\xb2\x93\xa1.pdf"\r\n\r\nx\r\n'
        b"--XX\r\nContent-Type: text/plain; charset=shift_jis\r\n\r\nx\r\n"
        b'--XX\r\nContent-Type: application/pdf; name="=?utf-8?Q?a=0D=0Ab.pdf?="\r\n\r\nx\r\n'
        b"--XX--\r\n"
    )
    parsed = parse_message(raw)
    _assert_clean(parsed)
    assert [a.filename for a in parsed.attachments] == ["朱镕.pdf", "佐藤.pdf", "a b.pdf"]
    saved = attachment_bytes(raw, 2)
    assert saved is not None and saved[0] == "佐藤.pdf"


# -- item 1: no surrogate, no NUL, ever ------------------------------------------


def test_a_raw_byte_in_a_part_header_keeps_the_message_parsed() -> None:
    [case] = [c for c in hostile_cases() if c.name == "raw-content-transfer-encoding"]
    parsed = parse_message(case.raw)
    assert not any(p.startswith("cannot parse") for p in parsed.problems)
    assert [a.filename for a in parsed.attachments] == ["r.pdf"]
    assert attachment_bytes(case.raw, 1) is not None


def test_nul_characters_never_reach_a_field() -> None:
    raw = (
        b"From: Nul\x00Name <nul\x00@x.example>\r\nTo: a@b.example\r\nSubject: a\x00b\r\n"
        b"X-Mailer: m\x00\r\nMessage-ID: <id\x00@x>\r\n\r\nbody\x00text\r\n"
    )
    parsed = parse_message(raw)
    _assert_clean(parsed)
    assert parsed.subject == "ab" and parsed.from_name == "NulName"
    assert parsed.body_text.strip() == "bodytext"


def test_the_final_guard_cleans_every_string_field() -> None:
    dirty = "a\udcf6b\x00c\ud800"
    message = ParsedMessage(
        message_id=dirty,
        subject=dirty,
        from_name=dirty,
        from_address=dirty,
        to=(dirty, "ok"),
        cc=(dirty,),
        reply_to=(dirty,),
        recipients=(dirty,),
        date=None,
        in_reply_to=dirty,
        references=(dirty,),
        body_text=dirty,
        body_html=dirty,
        attachments=(Attachment(1, dirty, dirty, 1),),
        headers={dirty: dirty},
        problems=(dirty,),
        content_hash=dirty,
    )
    cleaned = parse._guarded(message)
    _assert_clean(cleaned)
    assert cleaned.subject == "a\ufffdbc\ufffd" and cleaned.to == ("a\ufffdbc\ufffd", "ok")
    clean = parse_message(b"From: a@b.example\r\n\r\nx\r\n")
    assert parse._guarded(clean) is clean


def test_a_parser_surprise_is_a_problem_not_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(raw: bytes) -> ParsedMessage:
        raise RecursionError

    monkeypatch.setattr(parse, "_parse", broken)
    parsed = parse_message(b"From: a@b.example\r\n\r\nx\x00\r\n")
    assert parsed.problems and parsed.problems[0].startswith("MIME nesting deeper than")
    _assert_clean(parsed)
