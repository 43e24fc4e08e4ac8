"""Incoming HTML as text for a person (engine.mail.html): each structure, then hostile HTML.

The converter is html2text tuned for prose; these tests pin what a reader
sees: paragraphs and line breaks, bullets, links as ``text (address)``,
table cells, headings, blockquotes, images as ``[image: alt]``, and never
a Markdown mark. Hostile HTML (deep, huge, unclosed, broken references)
stays bounded: no RecursionError, no search of the rest of the text for
every unclosed construct.
"""

from __future__ import annotations

import html.parser

import pytest

from engine.mail import html as converter
from engine.mail.charsets import html_charset
from engine.mail.html import (
    MAX_NESTING,
    flat_text,
    html_text,
    incoming_text,
    message_text,
)

SPANISH = (
    "<html><body><p>Buenos días:</p><p>Somos una cadena de <b>papelerías</b> en "
    "Sevilla y nos gustaría recibir el catálogo de 2027 y la tarifa para "
    "distribuidores.</p><ul><li>¿Tienen material promocional en español?</li>"
    "<li>¿Organizan demostraciones en tienda?</li></ul>"
    "<p>Un saludo,<br>María García</p></body></html>"
)


def test_the_spanish_customers_paragraphs_list_and_signature_are_lines() -> None:
    assert html_text(SPANISH) == (
        "Buenos días:\n\n"
        "Somos una cadena de papelerías en Sevilla y nos gustaría recibir el catálogo "
        "de 2027 y la tarifa para distribuidores.\n\n"
        "• ¿Tienen material promocional en español?\n"
        "• ¿Organizan demostraciones en tienda?\n\n"
        "Un saludo,\n"
        "María García\n"
    )


def test_paragraphs_divs_and_line_breaks() -> None:
    markup = "<div>one</div><div>two<br>three<br><br>four</div><p>five</p>six"
    assert html_text(markup) == "one\n\ntwo\nthree\n\nfour\n\nfive\n\nsix\n"


def test_outlook_lines_are_lines_and_its_empty_paragraphs_blank_lines() -> None:
    markup = (
        "<p class=MsoNormal>Hi Anna,<o:p></o:p></p>"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
        "<p class=MsoNormal>Thanks for the order.<o:p></o:p></p>"
        "<p class=MsoNormal>Jonas<o:p></o:p></p>"
    )
    assert html_text(markup) == "Hi Anna,\n\nThanks for the order.\nJonas\n"


def test_lists_are_bullets_and_numbers_nested_lists_indented() -> None:
    markup = (
        "<ul><li>Box<ul><li>small</li><li>large<ol><li>red</li><li>blue</li></ol></li></ul>"
        "</li><li>Lid<br>with a second line</li></ul>"
        '<ol start="7"><li>seventh</li><li>eighth</li></ol>'
        "<ol start><li>no start given</li></ol>"
    )
    assert html_text(markup) == (
        "• Box\n"
        "  • small\n"
        "  • large\n"
        "    1. red\n"
        "    2. blue\n"
        "• Lid\n"
        "  with a second line\n\n"
        "7. seventh\n"
        "8. eighth\n\n"
        "1. no start given\n"
    )


def test_links_are_text_and_address() -> None:
    markup = (
        '<p>See <a href="https://example.com/t?a=1&amp;b=2">tracking</a>, '
        '<a href="https://example.com">https://example.com</a>, '
        '<a href="mailto:help@example.com?subject=Hi">help@example.com</a>, '
        '<a href="mailto:help@example.com">write to us</a>, '
        '<a href="#top">top</a>, <a href="javascript:go()">go</a> and '
        '<a href="https://example.com/b">this </a>page.</p>'
        '<p><a href="https://example.com/img"><img src="x.png"></a>'
        '<a href="https://example.com/logo"><img src="logo.png" alt="Logo"></a></p>'
    )
    assert html_text(markup) == (
        "See tracking (https://example.com/t?a=1&b=2), https://example.com, "
        "help@example.com, write to us (help@example.com), top, go and "
        "this (https://example.com/b) page.\n\n"
        "[image: Logo] (https://example.com/logo)\n"
    )


def test_tables_are_rows_of_cells() -> None:
    markup = (
        "<p>Your order:</p><table>"
        "<tr><th>Article</th><th>Qty</th><th>Price</th></tr>"
        "<tr><td>Chair</td><td>40</td><td>1&nbsp;200 €</td></tr>"
        "<tr><td>Desk</td><td></td><td>300 €</td></tr>"
        "</table><p>Thanks</p>"
    )
    assert html_text(markup) == (
        "Your order:\n\nArticle | Qty | Price\nChair | 40 | 1\u00a0200 €\nDesk | 300 €\n\nThanks\n"
    )


def test_headings_and_blockquotes() -> None:
    markup = (
        "<h1>Order</h1>text<h3>Details</h3>more"
        "<blockquote>they wrote<br>two lines<blockquote>deeper<br>still</blockquote></blockquote>"
        "<p>after</p>"
    )
    assert html_text(markup) == (
        "Order\n\ntext\n\nDetails\n\nmore\n\n"
        "> they wrote\n> two lines\n>\n>> deeper\n>> still\n\n"
        "after\n"
    )


def test_what_a_reader_never_sees_is_dropped() -> None:
    markup = (
        "<html><head><title>Newsletter</title><style>p {color: red}</style>"
        "<script>alert(1)</script></head><body><style>.x{}</style>"
        "<!--[if mso]><p>mso only</p><![endif]-->"
        "<p>\u200c\u034f&zwnj;Hello&#8203;</p><script>document.write('x')</script></body></html>"
    )
    assert html_text(markup) == "Hello\n"
    # A stray end tag hides nothing after it.
    assert html_text("</style></head></script>still here") == "still here\n"


def test_entities_are_decoded_and_no_markdown_leaks() -> None:
    markup = (
        "<p>1. first - second + third *4* _5_ [6] # x \\ &lt;b&gt; &amp; &eacute;&#233;&#xe9;</p>"
        "<p><b>bold</b> <i>it</i> <u>under</u> <del>gone</del> <code>code()</code> "
        "<kbd>Ctrl</kbd> <abbr title='Order number'>ON</abbr> <sup>2</sup></p><hr>"
        "<pre>  keep\n    indent</pre>"
    )
    text = html_text(markup)
    assert text == (
        "1. first - second + third *4* _5_ [6] # x \\ <b> & ééé\n\n"
        "bold it under gone code() Ctrl ON 2\n\n"
        "----------\n\n"
        "  keep\n    indent\n"
    )
    assert "**" not in text and "~~" not in text and "`" not in text and "](" not in text


def test_images_are_their_alt_text() -> None:
    markup = (
        '<p>Logo: <img src="http://127.0.0.1:9/logo.png" alt=" Solidus\n logo "> '
        '<img src="http://127.0.0.1:9/pixel.gif" width=1 height=1> done</p>'
    )
    assert html_text(markup) == "Logo: [image: Solidus logo] done\n"


def test_escapes_and_markup_in_html_stay_text_for_the_sanitizer() -> None:
    # The converter keeps them as characters; micc_tui.widgets.safe makes them inert.
    text = html_text("<p>[bold]x[/bold] &#27;[2J \x1b]0;t\x07 end</p>")
    assert text == "[bold]x[/bold] \x1b[2J \x1b]0;t\x07 end\n"


def test_templates_keep_their_own_style() -> None:
    from engine.templates import html_to_text

    markup = "<ul><li>Box</li></ul><p><img src=x alt=Logo> <a href='http://a'>a</a></p>"
    assert html_to_text(markup) == "  - Box\n\na (http://a)\n"
    assert html_text(markup) == "• Box\n\n[image: Logo] a (http://a)\n"


# -- hostile HTML ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("<div>", "</div>"),
        ("<ul><li>", "</li></ul>"),
        ("<ol><li>", ""),
        ("<blockquote>", "</blockquote>"),
        ("<table><tr><td>", ""),
        ("<a href='http://x'>", "</a>"),
        ("<b><i><span>", ""),
        ("<p>", ""),
    ],
)
def test_100000_levels_deep_never_raise_and_stay_small(opening: str, closing: str) -> None:
    depth = 100_000
    markup = opening * depth + "the innermost words" + closing * depth
    text = html_text(markup)
    assert "the innermost words" in text
    # Indentation and quote marks stop growing at MAX_NESTING: no line is long.
    assert max(len(line) for line in text.splitlines()) < 20 * MAX_NESTING + 200


def test_nesting_deeper_than_the_cap_reads_as_the_deepest() -> None:
    deep = MAX_NESTING + 5
    lists = "<ul><li>x" * deep + "</li></ul>" * deep + "after"
    lines = html_text(lists).splitlines()
    assert lines[MAX_NESTING - 1] == "  " * (MAX_NESTING - 1) + "• x"
    assert lines[-3] == "  " * (MAX_NESTING - 1) + "• x" and lines[-2:] == ["", "after"]
    quotes = "<blockquote>" * deep + "q" + "</blockquote>" * deep + "after"
    quoted, blank, after = html_text(quotes).splitlines()[-3:]
    assert quoted.replace(" ", "") == ">" * MAX_NESTING + "q" and (blank, after) == ("", "after")


def test_unclosed_tags_keep_the_text() -> None:
    markup = "<p>one<p>two<ul><li>three<li>four<table><tr><td>five<td>six <b>seven"
    # The table is in the last (unclosed) item: under its text.
    assert html_text(markup) == "one\n\ntwo\n\n• three\n• four\n\n  five | six seven\n"
    # A < that opens nothing, or never closes, is text; so is an unclosed comment.
    assert html_text("1 < 2 and 3 <4, a <b and <!-- no end") == (
        "1 < 2 and 3 <4, a <b and <!-- no end\n"
    )


def test_a_broken_character_reference_does_not_show_the_rest_as_html() -> None:
    # html.parser stops at "&#65abc": the rest of the HTML, tags and all, came as text.
    markup = "<p>a &#65abc &#; &#x41;&#X42 b &#</p><ul><li>c</li></ul>&#" + "9" * 5000 + ";"
    assert html_text(markup) == "a Aabc &#; AB b &#\n\n• c\n\n\ufffd\n"


#: Constructs html.parser (Python 3.11) looks for the end of in all the rest of
#: the text, once for each of them when they never close.
UNCLOSED = ["<!--x", "</", "<?", "<!", "<![CDATA[", "<a b=c ", "<p"]


@pytest.mark.parametrize("construct", UNCLOSED)
def test_unclosed_constructs_are_never_searched_to_the_end(
    construct: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each construct html.parser starts is closed: it never searches the rest of
    the text for an end (once per construct, that is minutes for a megabyte)."""
    incomplete: list[str] = []
    for name in ("parse_starttag", "parse_endtag", "parse_comment", "parse_pi"):
        original = getattr(html.parser.HTMLParser, name)

        def counting(self: object, i: int, _original: object = original, _name: str = name) -> int:
            found: int = _original(self, i)  # type: ignore[operator]
            if found < 0:
                incomplete.append(_name)
            return found

        monkeypatch.setattr(html.parser.HTMLParser, name, counting)
    original_declaration = html.parser.HTMLParser.parse_html_declaration

    def declaration(self: html.parser.HTMLParser, i: int) -> int:
        found = original_declaration(self, i)
        if found < 0:
            incomplete.append("parse_html_declaration")
        return found

    monkeypatch.setattr(html.parser.HTMLParser, "parse_html_declaration", declaration)
    markup = "<p>before</p>" + (construct + " words ") * 20_000
    text = html_text(markup)
    assert text.startswith("before") and "words" in text
    assert incomplete == []


def test_a_huge_body_is_structured_at_its_head_and_flat_after() -> None:
    rows = "".join(f"<p>Row {n:06d} &amp; <b>more</b></p>\n" for n in range(200_000))
    markup = f"<html><body><ul><li>first</li><li>second</li></ul>{rows}</body></html>"
    assert len(markup) > 5 * converter.STRUCTURED_CHARS
    text = incoming_text(markup)
    assert text.startswith("• first\n• second\n\nRow 000000 & more\n\nRow 000001 & more\n\n")
    assert text.rstrip().endswith("Row 199999 & more")
    assert "<" not in text and "&amp;" not in text
    assert text.count("Row ") == 200_000


def test_the_head_of_a_huge_body_never_ends_inside_a_style_sheet() -> None:
    css = "<style>" + "p { margin: 0 }\n" * 60_000 + "</style>"
    markup = "<p>Hello</p>" + css + "<p>after the style</p>"
    assert html_text(markup) == "Hello\n\nafter the style\n"
    assert incoming_text(markup) == "Hello\n\nafter the style\n"
    assert "margin" not in incoming_text("<p>x</p><style>" + "p{margin:0}" * 100_000)


def test_flat_text_is_linear_on_unclosed_tags() -> None:
    # "<[^>]*>" searched to the end for every unclosed "<": quadratic.
    assert flat_text("<" * 200_000 + "a") == "<" * 200_000 + "a"
    assert flat_text("<style>" * 50_000) == ""


def test_what_a_person_reads_of_a_message() -> None:
    assert message_text("the text part\n", "<p>the html</p>") == "the text part\n"
    assert message_text(" \n", "<p>the <b>html</b></p><p>part</p>") == "the html\n\npart\n"
    assert message_text("", "  ") == ""


def test_the_charset_of_an_html_body() -> None:
    cyrillic = '<meta charset="windows-1251"><p>Привет</p>'.encode("cp1251")
    assert html_charset(cyrillic, None) == "windows-1251"
    assert html_charset(cyrillic, "us-ascii") == "windows-1251"
    # The MIME label wins; so does valid UTF-8 over a <meta> that says Latin-1.
    assert html_charset(cyrillic, "koi8-r") == "koi8-r"
    utf8 = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">é'.encode()
    assert html_charset(utf8, None) == "utf-8"
    assert html_charset(b"<meta charset=klingon><p>x", None) is None
    assert html_charset(b"<p>no meta", None) is None
