"""Tab and Shift+Tab move the focus before the next key is delivered.

Textual hands each key to the focused widget's own queue and returns to the
next key at once. Tab is not a key an Input handles: it bubbles from the
Input up to the screen, whose binding moves the focus, and by then the keys
typed after it are already queued in the Input. Typed fast or pasted,
``carol@example.com<Tab>Hello there`` ended up as ``carol@example.comHello
ther`` in Cc and ``e`` in Subject. A priority binding is looked at by the app
before the key is handed on, so the focus has moved when the next key comes.
No widget of the consoles uses Tab for anything else (the body's TextArea is
``tab_behavior="focus"``). The reduced case: docs/upstream/textual-tab-race.md.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

#: The consoles' apps put these first in their BINDINGS.
FOCUS_KEYS: list[BindingType] = [
    Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
]
