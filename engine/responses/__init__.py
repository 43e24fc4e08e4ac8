"""Response libraries: one hierarchical file of predefined replies per service group.

The file is a Markdown outline (see ``docs/responses.md``). Typical use::

    library = ResponseLibrary.for_group(config.group("Support"))
    tree = library.tree()                   # re-read if the file changed
    response = tree.shortcut("refund")      # what '::refund' stands for
    rendered = response.render(context)     # $Identifiers$ filled in
    expansion = expand_at(text, cursor, tree, context)  # a typed '::refund' replaced
"""

from engine.responses.library import ResponseLibrary
from engine.responses.model import (
    Category,
    Node,
    RenderedResponse,
    Response,
    ResponseFileError,
    ResponseProblem,
    ResponseTree,
)
from engine.responses.parse import ParseResult, load_tree, parse_bytes, parse_file, parse_text
from engine.responses.shortcuts import (
    Expansion,
    ShortcutMatch,
    expand_at,
    find_shortcuts,
    shortcut_before,
)

__all__ = [
    "Category",
    "Expansion",
    "Node",
    "ParseResult",
    "RenderedResponse",
    "Response",
    "ResponseFileError",
    "ResponseLibrary",
    "ResponseProblem",
    "ResponseTree",
    "ShortcutMatch",
    "expand_at",
    "find_shortcuts",
    "load_tree",
    "parse_bytes",
    "parse_file",
    "parse_text",
    "shortcut_before",
]
