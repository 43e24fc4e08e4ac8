"""``micc template``: lint and mend template files, preview them, list identifiers."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.templates import IDENTIFIERS, TemplateContext, render_file, sms_text
from engine.templates.identifiers import DESCRIPTIONS
from engine.templates.lint import Problem, fix_file, lint_file
from micc_tui.cli.common import add_json_flag, fail, print_json, print_table, safe_text

#: Values ``render --sample`` fills in, so a preview shows every identifier.
SAMPLE = TemplateContext(
    subject="Order 10442 arrived damaged",
    from_name="Anna Lindqvist",
    from_address="anna.lindqvist@example.com",
    received=datetime(2026, 3, 7, 13, 5, tzinfo=UTC),
    service_access="Solidus Sales",
    service_group="Sales",
    service_group_email="sales@example.com",
    agent_name="Jonas Berg",
    agent_first_name="Jonas",
    agent_last_name="Berg",
    customer_name="Anna Lindqvist",
    customer_email="anna.lindqvist@example.com",
    customer_id="C-20931",
    customer_number="+46 8 123 456 78",
    call_id="4711",
)
_DATES = ("received", "now")
TEMPLATE_SUFFIXES = frozenset({".txt", ".htm", ".html"})


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``template`` with ``lint``, ``render`` and ``identifiers``."""
    template = subparsers.add_parser(
        "template", parents=[common], help="e-mail templates: lint, mend, preview"
    )
    actions = template.add_subparsers(dest="action", metavar="ACTION", required=True)

    lint = actions.add_parser(
        "lint", parents=[common], help="find split or unknown identifiers and encoding problems"
    )
    lint.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="template files, or folders to search for .txt/.htm/.html files",
    )
    lint.add_argument(
        "--fix",
        action="store_true",
        help="mend split identifiers in place; other bytes stay as they are",
    )
    lint.add_argument("--strict", action="store_true", help="warnings fail too")
    add_json_flag(lint)
    lint.set_defaults(handler=run_lint)

    preview = actions.add_parser("render", parents=[common], help="preview a filled-in template")
    preview.add_argument("file", type=Path, metavar="FILE")
    preview.add_argument(
        "--context",
        metavar="JSON",
        help="values as a JSON object of TemplateContext fields, or @FILE",
    )
    preview.add_argument("--sample", action="store_true", help="start from example values")
    preview.add_argument("--locale", help="culture name for dates and times, e.g. de-DE")
    preview.add_argument("--timezone", help="IANA time zone for dates and times")
    preview.add_argument("--sms", action="store_true", help="plain text as an SMS would get it")
    preview.set_defaults(handler=run_render)

    listing = actions.add_parser(
        "identifiers", parents=[common], help="the replaceable identifiers"
    )
    add_json_flag(listing)
    listing.set_defaults(handler=run_identifiers)


def run_lint(args: argparse.Namespace) -> int:
    """Lint (and with ``--fix`` mend) each file; 1 when errors remain."""
    problems: list[Problem] = []
    mended: dict[str, int] = {}
    for path in _expand(args.files):
        try:
            if args.fix:
                result = fix_file(path)
                if result.refused:
                    print(f"{safe_text(path)}: {result.refused}", file=sys.stderr)
                mended[str(path)] = result.fixed
            problems += lint_file(path)
        except OSError as exc:
            fail(f"{safe_text(path)}: {exc.strerror or exc}")
    failing = {"error", "warning"} if args.strict else {"error"}
    if args.json:
        print_json({"problems": [_problem_json(p) for p in problems], "fixed": mended})
    else:
        for path_name, count in mended.items():
            if count:
                print(f"{safe_text(path_name)}: mended {count} split identifier(s)")
        for problem in problems:
            print(safe_text(problem))
    return 1 if any(p.severity in failing for p in problems) else 0


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEMPLATE_SUFFIXES
            )
        else:
            files.append(path)
    return files


def _problem_json(problem: Problem) -> dict[str, object]:
    return {
        "file": str(problem.path),
        "line": problem.line,
        "column": problem.column,
        "severity": problem.severity,
        "message": problem.message,
    }


def run_render(args: argparse.Namespace) -> int:
    """Print the template filled in with the given or sample values."""
    context = _context(args)
    try:
        rendered = render_file(args.file, context)
    except OSError as exc:
        fail(f"{safe_text(args.file)}: {exc.strerror or exc}")
    if rendered.problem:
        print(f"warning: {safe_text(args.file)}: {rendered.problem}", file=sys.stderr)
    output = sms_text(rendered.body, html=rendered.html) + "\n" if args.sms else rendered.body
    sys.stdout.write(output)
    return 0


def _context(args: argparse.Namespace) -> TemplateContext:
    base = SAMPLE if args.sample else TemplateContext()
    values = _context_json(args.context) if args.context else {}
    if args.locale:
        values["locale"] = args.locale
    if args.timezone:
        values["timezone"] = args.timezone
    fields = {f.name for f in dataclasses.fields(TemplateContext)}
    unknown = sorted(set(values) - fields)
    if unknown:
        fail(
            f"--context: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(fields))}"
        )
    for name in _DATES:
        if isinstance(values.get(name), str):
            values[name] = _datetime(name, values[name])
    for name, item in values.items():
        if name not in _DATES and item is not None and not isinstance(item, str):
            fail(f"--context: {name} must be a string")
    return dataclasses.replace(base, **values)


def _context_json(raw: str) -> dict[str, Any]:
    try:
        text = Path(raw[1:]).read_text(encoding="utf-8") if raw.startswith("@") else raw
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        fail(f"--context: {exc}")
    if not isinstance(data, dict):
        fail("--context: expected a JSON object")
    return dict(data)


def _datetime(name: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--context: {name} is not an ISO 8601 date and time: {text!r}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def run_identifiers(args: argparse.Namespace) -> int:
    """List every identifier and what it becomes."""
    rows = [(f"${name}$", DESCRIPTIONS[name]) for name in IDENTIFIERS]
    if args.json:
        print_json([{"identifier": i, "replacement": d} for i, d in rows])
    else:
        print_table(("IDENTIFIER", "REPLACEMENT"), rows)
    return 0
