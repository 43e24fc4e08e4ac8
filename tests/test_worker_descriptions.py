"""Every Textual worker in the consoles is named, never described by its arguments.

Without ``description=``, ``@work`` builds the worker's description from the
``repr`` of every argument, on the UI thread, each time the worker starts: a
Reading or a Body holding a 25 MB e-mail, or the composer's whole text on each
key, is turned into one huge string before any work is done. That stalled the
agent console for 100-400 ms per key on a huge e-mail (``bench/huge_body.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

from textual.app import App

import micc_tui
from micc_tui.widgets.body_view import QUICK, BodyView, prepare_text

PACKAGE = Path(micc_tui.__file__).parent


def _worker_calls(tree: ast.AST) -> list[ast.Call]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            if name in ("work", "run_worker"):
                calls.append(node)
    return calls


def test_every_worker_in_the_consoles_has_a_description() -> None:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 20
    found = 0
    undescribed = []
    for source in sources:
        for call in _worker_calls(ast.parse(source.read_text(), str(source))):
            found += 1
            if not any(keyword.arg == "description" for keyword in call.keywords):
                undescribed.append(f"{source.relative_to(PACKAGE.parent)}:{call.lineno}")
    assert found > 30  # the consoles' workers were all seen
    assert undescribed == []


class _Counting(str):
    """A text that counts how often it is turned into its repr."""

    reprs = 0

    def __repr__(self) -> str:
        _Counting.reprs += 1
        return super().__repr__()


async def test_laying_out_a_body_never_takes_the_repr_of_its_lines() -> None:
    line = _Counting("a line of a long body")
    body = prepare_text("x")
    body = type(body)((line,) * (QUICK + 1), body.shown, body.total)  # laid out in a worker

    class Host(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield BodyView(id="body")

    app = Host()
    async with app.run_test(size=(60, 10)) as pilot:
        view = app.query_one("#body", BodyView)
        view.show(body)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert view._layout is not None  # the layout worker ran
    assert _Counting.reprs == 0
