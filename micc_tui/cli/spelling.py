"""``micc spelling``: list, install and use Hunspell dictionaries; keep ignore lists."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from engine.config import Config
from engine.spelling import (
    CULTURES,
    DictionaryLoadError,
    InstallError,
    SpellChecker,
    UnknownCultureError,
    add_ignored_word,
    canonical_culture,
    ignored_words,
    install_dictionary,
    installed,
    language_of,
    list_ignored,
    remove_ignored_word,
    shipped_folder,
)
from engine.spelling.ignore import Scope
from engine.spelling.locate import DictionaryFiles
from engine.store import Store
from micc_tui.cli.common import add_json_flag, fail, load, print_json, print_table, safe_text

#: Exit code of ``check`` when it found misspellings (like a linter).
EXIT_MISSPELLED = 1


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``spelling`` with ``list``, ``install``, ``check`` and ``ignore``."""
    spelling = subparsers.add_parser(
        "spelling", parents=[common], help="spell-checking dictionaries per culture"
    )
    actions = spelling.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser(
        "list", parents=[common], help="installed dictionaries with languages and word counts"
    )
    listing.add_argument(
        "--all", action="store_true", help="list every culture name of the guide's table"
    )
    add_json_flag(listing)
    listing.set_defaults(handler=run_list)

    install = actions.add_parser(
        "install",
        parents=[common],
        help="install an OpenOffice .oxt/.zip, or a .dic and an .aff file",
    )
    install.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    install.add_argument("--culture", required=True, help="culture name, e.g. de-DE")
    install.add_argument(
        "--folder",
        type=Path,
        help="spelling folder to install into (default: spelling.site_folder)",
    )
    install.add_argument(
        "--dictionary",
        metavar="NAME",
        help="which dictionary of a bundle, when its locales do not say",
    )
    install.add_argument("--replace", action="store_true", help="replace an installed one")
    add_json_flag(install)
    install.set_defaults(handler=run_install)

    check = actions.add_parser(
        "check", parents=[common], help="print misspellings of a text file with suggestions"
    )
    check.add_argument("file", metavar="FILE", help="text file, or - for standard input")
    check.add_argument("--culture", help="culture name (default: the config's locale)")
    check.add_argument(
        "--budget",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="time for suggestions per word (default 0.5)",
    )
    check.add_argument("--no-suggest", action="store_true", help="list misspellings only")
    check.add_argument("--agent", help="apply this agent's ignore list")
    check.add_argument(
        "--group",
        action="append",
        default=[],
        help="apply this service group's ignore list (repeatable)",
    )
    add_json_flag(check)
    check.set_defaults(handler=run_check)

    ignore = actions.add_parser(
        "ignore", parents=[common], help="words to accept for an agent or a service group"
    )
    ignore.add_argument("op", choices=("add", "remove", "list"))
    ignore.add_argument("words", nargs="*", metavar="WORD")
    owner = ignore.add_mutually_exclusive_group()
    owner.add_argument("--agent", help="an agent's personal list")
    owner.add_argument("--group", help="a service group's list")
    ignore.add_argument("--culture", help="culture name (default: the config's locale)")
    add_json_flag(ignore)
    ignore.set_defaults(handler=run_ignore, intermixed="words")


def _optional_config(args: argparse.Namespace) -> Config | None:
    """The config if one is named or present; spelling works without one."""
    if args.config is None and not os.environ.get("MICC_CONFIG") and not Path("micc.toml").exists():
        return None
    return load(args)


def _culture(name: str | None, config: Config | None) -> str:
    try:
        return canonical_culture(name or (config.locale if config else "en-US"))
    except UnknownCultureError as exc:
        fail(str(exc))


def _site_folder(config: Config | None) -> Path | None:
    return config.spelling.site_folder if config else None


def _word_count(files: DictionaryFiles) -> int:
    with files.dic.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)  # the first line is Hunspell's count


def run_list(args: argparse.Namespace) -> int:
    """``micc spelling list``."""
    config = _optional_config(args)
    found = installed(_site_folder(config))
    rows: list[dict[str, Any]] = []
    if args.all:
        rows = [
            {"culture": c, "language": lang, "installed": c in found}
            for c, lang in CULTURES.items()
        ]
    else:
        for name, files in sorted(found.items()):
            rows.append(
                {
                    "culture": name,
                    "language": language_of(name) or "(not a culture name in the table)",
                    "words": _word_count(files),
                    "origin": "shipped" if files.folder.parent == shipped_folder() else "site",
                    "folder": str(files.folder),
                }
            )
    if args.json:
        print_json(rows)
    elif rows:
        print_table(list(rows[0]), [list(r.values()) for r in rows])
    return 0


def run_install(args: argparse.Namespace) -> int:
    """``micc spelling install``."""
    config = _optional_config(args)
    site = _site_folder(config)
    folder: Path | None = args.folder or site
    if folder is None:
        fail("no spelling folder: set [spelling] site_folder in the config or pass --folder DIR")
    try:
        result = install_dictionary(
            args.paths, args.culture, folder, replace=args.replace, dictionary=args.dictionary
        )
    except (UnknownCultureError, InstallError) as exc:
        fail(str(exc))
    if args.json:
        print_json(
            {
                "culture": result.culture,
                "folder": str(result.folder),
                "source": result.source,
                "words": result.words,
                "sample": list(result.sample),
                "extra_files": list(result.extra_files),
            }
        )
    else:
        print(
            f"installed {result.culture} ({language_of(result.culture)}) from "
            f"{safe_text(result.source)}: {result.words} words, in {result.folder}"
        )
        print(f"checked: {', '.join(result.sample)}")
    if config is not None and (site is None or site.resolve() != folder.resolve()):
        print(
            f"micc: warning: {folder} is not the spelling folder of {config.source} "
            f"({site or 'none is set'}): the consoles will not find this dictionary; "
            f'set [spelling] site_folder = "{folder.resolve()}" or install without --folder',
            file=sys.stderr,
        )
    return 0


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        fail(f"{file}: {exc.strerror or exc}")


def run_check(args: argparse.Namespace) -> int:
    """``micc spelling check``."""
    config = _optional_config(args)
    culture = _culture(args.culture, config)
    files = installed(_site_folder(config)).get(culture)
    if files is None:
        fail(f"no dictionary installed for {culture}; see `micc spelling list`")
    text = _read(args.file)
    try:
        checker = SpellChecker.load(files)
    except DictionaryLoadError as exc:
        fail(str(exc))
    ignored = None
    if args.agent or args.group:
        if config is None:
            fail("ignore lists live in the store: give a config (--config PATH)")
        with Store(config.store.path) as store:
            ignored = ignored_words(store, culture, agent_id=args.agent, groups=args.group)
    found = checker.check_text(text, ignored)
    if found and not args.no_suggest:
        # A one-shot command: the budget is for searching, not for building the index.
        checker.suggestions_ready(timeout=None)
    results = []
    for miss in found:
        suggestions = [] if args.no_suggest else checker.suggest(miss.word, args.budget)
        results.append(
            {
                "line": miss.line,
                "column": miss.column,
                "word": miss.word,
                "suggestions": suggestions,
            }
        )
        if not args.json:
            hint = f": {', '.join(suggestions)}" if suggestions else ""
            print(safe_text(f"{args.file}:{miss.line}:{miss.column}: {miss.word}{hint}"))
    if args.json:
        print_json(results)
    return EXIT_MISSPELLED if results else 0


def run_ignore(args: argparse.Namespace) -> int:
    """``micc spelling ignore add|remove|list``."""
    config = load(args)
    scope: Scope = "agent" if args.agent else "group"
    owner: str | None = args.agent or args.group
    if args.op != "list" and (owner is None or not args.words):
        fail("give --agent ID or --group NAME and one or more words")
    if args.agent and config.find_agent(args.agent) is None:
        known = ", ".join(a.id for a in config.agent) or "none"
        fail(f"no agent {args.agent!r} in {config.source} (agents: {known})")
    if args.group and args.group not in [g.name for g in config.service_group]:
        known = ", ".join(g.name for g in config.service_group) or "none"
        fail(f"no service group {args.group!r} in {config.source} (groups: {known})")
    owner_name = owner or ""
    culture = _culture(args.culture, config)
    with Store(config.store.path) as store:
        if args.op == "list":
            rows = list_ignored(store, scope=scope if owner else None, owner=owner)
            if args.json:
                print_json(rows)
            elif rows:
                print_table(list(rows[0]), [list(r.values()) for r in rows])
            return 0
        change = add_ignored_word if args.op == "add" else remove_ignored_word
        for word in args.words:
            try:
                changed = change(store, scope=scope, owner=owner_name, culture=culture, word=word)
            except ValueError as exc:
                fail(str(exc))
            verb = ("added" if args.op == "add" else "removed") if changed else "unchanged"
            print(safe_text(f"{verb}: {word} ({scope} {owner}, {culture})"))
    return 0
