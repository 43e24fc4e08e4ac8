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
from textual.widgets import Input, Label, OptionList, Static, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from engine.responses import Category, Node, Response, ResponseTree
from micc_tui.widgets.inert_fields import InertInput
from micc_tui.widgets.safe import inert, one_line


class ResponsePicker(ModalScreen[Response | None]):
    """The group's responses as a tree, filtered as the agent types; Enter inserts one.

    The filter box has the focus: typed words keep the responses that hold
    them all (titles, shortcut or text, :meth:`ResponseTree.matching`); Up
    and Down move in the tree meanwhile, Tab goes into it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("down", "move('cursor_down')", "Next", show=False),
        Binding("up", "move('cursor_up')", "Previous", show=False),
        Binding("pagedown", "move('page_down')", "Page down", show=False),
        Binding("pageup", "move('page_up')", "Page up", show=False),
    ]

    def __init__(self, tree: ResponseTree) -> None:
        super().__init__()
        self.responses = tree

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Insert a response: type to filter, Enter inserts", classes="dialog-title")
            yield InertInput(placeholder="Type to filter", id="response-filter", compact=True)
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
        self.query_one("#response-filter", Input).focus()
        self._to_first()

    def _to_first(self) -> None:
        """Put the cursor on the first response rather than a category: Enter inserts it."""
        tree: Tree[Node] = self.query_one("#response-tree", Tree)
        line = 0
        while (node := tree.get_node_at_line(line)) is not None:
            if isinstance(node.data, Response):
                tree.cursor_line = line
                break
            line += 1
        self._show(node.data if node is not None else None)

    @on(Input.Changed, "#response-filter")
    def _filter(self, event: Input.Changed) -> None:
        tree: Tree[Node] = self.query_one("#response-tree", Tree)
        tree.clear()
        self._fill(tree.root, self.responses.matching(event.value))
        tree.root.expand_all()
        self._to_first()

    def action_move(self, how: str) -> None:
        """Move the tree's cursor while the filter box has the focus."""
        getattr(self.query_one("#response-tree", Tree), f"action_{how}")()

    @on(Input.Submitted, "#response-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        node = self.query_one("#response-tree", Tree).cursor_node
        if node is not None and isinstance(node.data, Response):
            self.dismiss(node.data)

    @on(Tree.NodeHighlighted, "#response-tree")
    def _preview(self, event: Tree.NodeHighlighted[Node]) -> None:
        self._show(event.node.data)

    def _show(self, node: Node | None) -> None:
        if node is None:
            typed = self.query_one("#response-filter", Input).value
            words = Content(f"No response holds “{one_line(typed)}”.") if typed else Content()
        else:
            text = node.body if isinstance(node, Response) else ""
            words = Content(inert(text[:600], multiline=True))
        self.query_one("#response-preview", Static).update(words)

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
