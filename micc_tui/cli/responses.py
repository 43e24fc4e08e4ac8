"""``micc responses``: show a service group's response tree, check a response file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.responses import (
    Category,
    Node,
    ParseResult,
    ResponseFileError,
    ResponseProblem,
    ResponseTree,
    parse_file,
)
from micc_tui.cli.common import add_json_flag, fail, load, print_json, safe_text

#: Exit code when a response file has errors.
EXIT_ERRORS = 1


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``responses show`` and ``responses lint``."""
    parser = subparsers.add_parser(
        "responses",
        parents=[common],
        help="service groups' response files",
        description="Predefined responses agents insert into replies, one file per service group.",
    )
    commands = parser.add_subparsers(dest="responses_command", metavar="ACTION", required=True)

    show = commands.add_parser(
        "show",
        parents=[common],
        help="print a service group's response tree",
        description="Print the response tree of a service group (its 'responses' file).",
    )
    show.add_argument("group", metavar="GROUP", help="service group name, e.g. Support")
    add_json_flag(show)
    show.set_defaults(handler=run_show)

    lint = commands.add_parser(
        "lint",
        parents=[common],
        help="check response files and say what to fix",
        description="Check response files; exit 1 when any has errors (warnings do not count).",
    )
    lint.add_argument("files", metavar="FILE", nargs="+", type=Path, help="response file(s)")
    lint.set_defaults(handler=run_lint)


def _parse(path: Path) -> ParseResult:
    try:
        return parse_file(path)
    except ResponseFileError as exc:
        # Unreadable: report it like any other problem so lint can go on to the next file.
        return ParseResult(tree=ResponseTree((), path), problems=exc.problems)


def _print_problems(problems: tuple[ResponseProblem, ...]) -> None:
    for problem in problems:
        print(safe_text(problem), file=sys.stderr)


def run_lint(args: argparse.Namespace) -> int:
    """Check each file; print every problem with file and line."""
    failed = False
    for path in args.files:
        result = _parse(path)
        _print_problems(result.problems)
        if result.ok:
            tree = result.tree
            categories = sum(1 for n in tree.walk() if isinstance(n, Category))
            warnings = len(result.problems)
            note = f", {_count(warnings, 'warning')}" if warnings else ""
            print(
                f"{path}: ok: {_count(len(tree), 'response')} in "
                f"{_count(categories, 'category', 'categories')}{note}"
            )
        else:
            failed = True
            print(f"{path}: {_count(len(result.errors), 'error')}", file=sys.stderr)
    return EXIT_ERRORS if failed else 0


def run_show(args: argparse.Namespace) -> int:
    """Print the tree of the group's response file."""
    config = load(args)
    group = config.group(args.group)
    if group is None:
        names = ", ".join(g.name for g in config.service_group) or "none are configured"
        fail(f"no service group '{args.group}' (service groups: {names})")
    if group.responses is None:
        fail(
            f"service group '{group.name}' has no response file; add "
            f'responses = "responses/{group.name.lower()}.md" to its [[service_group]] table'
        )
    result = _parse(group.responses)
    _print_problems(result.problems)
    if not result.ok:
        return EXIT_ERRORS
    if args.json:
        print_json(
            {
                "group": group.name,
                "file": str(group.responses),
                "locale": group.locale or config.locale,
                "responses": len(result.tree),
                "tree": [_node_json(n) for n in result.tree.children],
                "warnings": [_problem_json(p) for p in result.problems],
            }
        )
        return 0
    print(f"{safe_text(group.name)}: {group.responses} ({_count(len(result.tree), 'response')})")
    _print_tree(result.tree.children, "")
    return 0


def _count(number: int, one: str, many: str = "") -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"


def _print_tree(nodes: tuple[Node, ...], indent: str) -> None:
    for index, node in enumerate(nodes):
        last = index == len(nodes) - 1
        branch, further = ("└── ", "    ") if last else ("├── ", "│   ")
        if isinstance(node, Category):
            print(f"{indent}{branch}{safe_text(node.title)}/")
            _print_tree(node.children, indent + further)
        else:
            extras = [f"::{node.shortcut}"] if node.shortcut else []
            if node.html:
                extras.append("HTML")
            suffix = f"  [{', '.join(extras)}]" if extras else ""
            print(f"{indent}{branch}{safe_text(node.title)}{safe_text(suffix)}")


def _node_json(node: Node) -> dict[str, Any]:
    if isinstance(node, Category):
        return {
            "type": "category",
            "title": node.title,
            "path": list(node.path),
            "line": node.line,
            "children": [_node_json(c) for c in node.children],
        }
    return {
        "type": "response",
        "title": node.title,
        "path": list(node.path),
        "line": node.line,
        "shortcut": node.shortcut,
        "html": node.html,
        "body": node.body,
    }


def _problem_json(problem: ResponseProblem) -> dict[str, Any]:
    return {
        "severity": problem.severity,
        "file": str(problem.file) if problem.file else None,
        "line": problem.line,
        "message": problem.message,
        "hint": problem.hint,
    }
