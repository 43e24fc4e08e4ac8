"""Pickers the composer opens: the response tree and spelling suggestions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from engine.responses import Category, Node, Response, ResponseTree
from micc_tui.widgets.safe import inert, one_line


class ResponsePicker(ModalScreen[Response | None]):
    """The group's responses as a tree; Enter on a response inserts it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, tree: ResponseTree) -> None:
        super().__init__()
        self.responses = tree

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Insert a response (Enter)", classes="dialog-title")
            tree: Tree[Node] = Tree("Responses", id="response-tree")
            tree.show_root = False
            self._fill(tree.root, self.responses.children)
            tree.root.expand_all()
            yield tree
            yield Static(id="response-preview")

    def _fill(self, parent: TreeNode[Node], nodes: Sequence[Node]) -> None:
        for node in nodes:
            if isinstance(node, Category):
                branch = parent.add(Text(one_line(node.title)), data=node)
                self._fill(branch, node.children)
            else:
                label = one_line(node.title)
                if node.shortcut:
                    label += f"  ::{one_line(node.shortcut)}"
                parent.add_leaf(Text(label), data=node)

    def on_mount(self) -> None:
        tree: Tree[Node] = self.query_one("#response-tree", Tree)
        tree.focus()
        # Start on the first response rather than a category: Enter inserts at once.
        first = next((n for n in tree.root.children if n.data is not None), None)
        while first is not None and not isinstance(first.data, Response) and first.children:
            first = first.children[0]
        if first is not None:
            tree.move_cursor(first)

    @on(Tree.NodeHighlighted, "#response-tree")
    def _preview(self, event: Tree.NodeHighlighted[Node]) -> None:
        node = event.node.data
        text = node.body if isinstance(node, Response) else ""
        self.query_one("#response-preview", Static).update(
            Content(inert(text[:600], multiline=True))
        )

    @on(Tree.NodeSelected, "#response-tree")
    def _chosen(self, event: Tree.NodeSelected[Node]) -> None:
        if isinstance(event.node.data, Response):
            self.dismiss(event.node.data)


class SuggestionPicker(ModalScreen[str | None]):
    """Replacements for a misspelled word, plus "ignore this word"."""

    IGNORE = "\x00ignore"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, word: str, suggestions: Sequence[str]) -> None:
        super().__init__()
        self.word = word
        self.suggestions = list(suggestions)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content(f"Spelling: {one_line(self.word)}"), classes="dialog-title")
            options = [
                Option(Content(one_line(s)), id=f"s{i}") for i, s in enumerate(self.suggestions)
            ]
            if not options:
                options.append(Option("(no suggestions)", disabled=True))
            options.append(
                Option(Content(f"Ignore “{one_line(self.word)}” from now on"), id="ignore")
            )
            yield OptionList(*options, id="suggestions")

    def on_mount(self) -> None:
        self.query_one("#suggestions", OptionList).focus()

    @on(OptionList.OptionSelected, "#suggestions")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        if option_id == "ignore":
            self.dismiss(self.IGNORE)
        elif option_id.startswith("s"):
            self.dismiss(self.suggestions[int(option_id[1:])])
