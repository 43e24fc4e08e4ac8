"""Editable fields whose text is always inert: what enters them goes through :mod:`safe`.

The composer's fields and the supervisor's review editor start from e-mail
text (a subject, a Reply-To address, a greeting with the customer's name, the
quoted original) and take pasted or inserted text (responses rendered with the
e-mail's subject and name). Every way text gets into these widgets makes
control, bidi and zero-width characters visible first
(:func:`micc_tui.widgets.safe.inert`), so they are neither written to the
terminal nor sent in the e-mail.
"""

from __future__ import annotations

from typing import Any

from textual.document._document import EditResult
from textual.document._edit import Edit
from textual.widgets import Input, TextArea

from micc_tui.widgets.safe import inert


class InertInput(Input):
    """A one-line Input that never holds a control, bidi or zero-width character."""

    def validate_value(self, value: str) -> str:
        """Every value set (given, typed or pasted) is made inert."""
        return inert(value)


class InertTextArea(TextArea):
    """A TextArea that never holds a control, bidi or zero-width character.

    The initial text, ``load_text``, and every edit (``insert``, ``replace``,
    typing and pasting all end in :meth:`TextArea.edit`) are made inert.
    """

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(inert(text, multiline=True), **kwargs)

    def load_text(self, text: str) -> None:
        """Replace the text (made inert) and clear the edit history."""
        super().load_text(inert(text, multiline=True))

    def edit(self, edit: Edit) -> EditResult:
        """Perform an edit, its inserted text made inert first."""
        if edit.text:
            edit.text = inert(edit.text, multiline=True)
        return super().edit(edit)
