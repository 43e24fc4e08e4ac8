"""Drafts: where the agent's answer goes, and the names the spelling check accepts."""

from __future__ import annotations

from engine.drafts import names_of, with_answer_line


def test_the_answer_line_follows_the_greeting() -> None:
    text, row = with_answer_line("Dear Åsa,\n\nThank you.\n\nKind regards,\nAlice\n", greeting=True)
    lines = text.split("\n")
    assert row == 2 and lines[:5] == ["Dear Åsa,", "", "", "", "Thank you."]
    assert text.endswith("Kind regards,\nAlice\n")


def test_a_greeting_of_two_lines_and_a_template_with_only_a_greeting() -> None:
    text, row = with_answer_line("Dear Åsa,\ndear Bo,", greeting=True)
    assert row == 3 and text.split("\n") == ["Dear Åsa,", "dear Bo,", "", "", ""]


def test_without_a_template_the_answer_line_is_the_first() -> None:
    text, row = with_answer_line("Kind regards,\nAlice\n", greeting=False)
    assert row == 0 and text.split("\n")[:3] == ["", "", "Kind regards,"]
    assert with_answer_line("", greeting=False) == ("\n", 0)


def test_names_are_split_into_words() -> None:
    assert names_of("Åsa Öberg-Lund", "O'Brien, Seán (Sales)", "") == (
        "Åsa",
        "Öberg-Lund",
        "Öberg",
        "Lund",
        "O'Brien",
        "Seán",
        "Sales",
    )
