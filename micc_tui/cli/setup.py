"""``micc init`` and ``micc check``: create a working config, then validate it."""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from engine import attachments, distribution
from engine.access import overlaps
from engine.config import Config, ConfigError, load_config
from engine.standby import missing_secrets
from engine.store.permissions import mode_of, private_folder, readable_by_others, store_files
from engine.usability import usability_problems
from micc_tui.cli.common import EXIT_UNUSABLE, add_json_flag, print_json
from micc_tui.cli.ssh import ssh_problems

#: The workspace folder ``micc init`` makes for secret files (mode 0700).
SECRETS_FOLDER = "secrets"


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``init`` and ``check``."""
    init = subparsers.add_parser(
        "init", parents=[common], help="write a commented example config, templates and responses"
    )
    init.add_argument("dir", nargs="?", default=".", help="folder to create (default: here)")
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    init.set_defaults(handler=run_init)
    check = subparsers.add_parser(
        "check", parents=[common], help="validate the config; exit 0 when usable, 2 when not"
    )
    add_json_flag(check)
    check.set_defaults(handler=run_check)


def skeleton() -> Path:
    """The folder holding the example workspace (config, templates, responses)."""
    return Path(str(resources.files("micc_tui") / "skeleton"))


def copy_skeleton(target: Path, *, force: bool = False) -> list[Path]:
    """Copy the example workspace into ``target``; return the files written."""
    written = []
    source = skeleton()
    for file in sorted(source.rglob("*")):
        if file.is_dir() or file.name.startswith(".") or "__pycache__" in file.parts:
            continue
        dest = target / file.relative_to(source)
        if dest.exists() and not force:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, dest)
        written.append(dest)
    # Where password_file / client_secret_file point: only the owner may enter it.
    private_folder(target / SECRETS_FOLDER)
    return written


def run_init(args: argparse.Namespace) -> int:
    """Write the example workspace."""
    target = Path(args.dir)
    if (target / "micc.toml").exists() and not args.force:
        print(f"micc: {target / 'micc.toml'} exists; use --force to overwrite", file=sys.stderr)
        return EXIT_UNUSABLE
    written = copy_skeleton(target, force=args.force)
    for path in written:
        print(f"wrote {path}")
    print(f"made {target / SECRETS_FOLDER} (mode 0700) for password files")
    config = target / "micc.toml"
    print(f"\nNext: edit {config}, then `micc --config {config} check`.")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Validate the config; report errors and warnings."""
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return _refuse(args, [str(p) for p in exc.problems])
    errors = [str(p) for p in usability_problems(config)]
    if errors:
        return _refuse(args, errors)
    warnings = [
        f"service accesses {o.first!r} and {o.second!r} overlap: both match {o.example}; "
        f"the one activated first receives such mail"
        for o in overlaps(config)
    ]
    # Attachment folders that do not exist (nothing can be attached) or hold the store.
    warnings += [str(p) for p in attachments.problems(config)]
    warnings += _readable_by_others(config)
    warnings += [
        f"{missing}: micc serve cannot run with this environment (the consoles can)"
        for missing in missing_secrets(config)
    ]
    warnings += ssh_problems(config)
    warnings += distribution.problems(config)
    if args.json:
        print_json(
            {"usable": True, "config": str(config.source), "errors": [], "warnings": warnings}
        )
        return 0
    for warning in warnings:
        print(f"warning: {warning}")
    print(
        f"{config.source}: usable ({len(config.service_group)} service groups, "
        f"{len(config.service_access)} service accesses, {len(config.agent)} agents)"
    )
    return 0


def _refuse(args: argparse.Namespace, errors: list[str]) -> int:
    """Print why the config cannot be used; the exit status that says so."""
    if args.json:
        print_json({"usable": False, "errors": errors, "warnings": []})
    else:
        for error in errors:
            print(f"error: {error}")
    return EXIT_UNUSABLE


def _readable_by_others(config: Config) -> list[str]:
    """Secret files and store files the group or everyone may read, with the fix."""
    server = config.server
    secrets = [
        ("server.imap password_file", server.imap.password_file),
        ("server.smtp password_file", server.smtp.password_file),
    ]
    if server.graph is not None:
        secrets.append(("server.graph client_secret_file", server.graph.client_secret_file))
    found = []
    for key, path in secrets:
        if path is not None and readable_by_others(path):
            found.append(
                f"{key} {path} can be read by others (mode {mode_of(path)}): "
                f"run chmod 600 {shlex.quote(str(path))}"
            )
    for path in store_files(config.store.path):
        if readable_by_others(path):
            found.append(
                f"store file {path} can be read by others (mode {mode_of(path)}), and it holds "
                f"every group's mail: run chmod 600 {shlex.quote(str(path))}"
            )
    return found
