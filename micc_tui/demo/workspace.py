"""The demo's workspace: the example tenant, pointed at the embedded servers.

:func:`prepare_workspace` copies the example workspace (the Solidus tenant:
Sales, Marketing and Support, templates, signatures, response files) and
replaces the config's ``[server]`` tables so the engine talks to the loopback
servers without encryption. The password goes to a file readable only by its
owner, named by ``password_file``: secrets never go in the TOML.
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from engine.store.permissions import private_folder
from micc_tui.cli.setup import copy_skeleton

CONFIG_NAME = "micc.toml"
PASSWORD_FILE = "secrets/demo-password"
#: The password of the embedded servers' ``customers`` account (mail sent to customers).
CUSTOMERS_PASSWORD_FILE = "secrets/customers-password"
#: Every message the embedded SMTP server accepted, for people and tests to read.
SENT_MBOX = "sent.mbox"
#: The folder the demo's agents may attach files from.
ATTACHMENTS_FOLDER = "shared"
PRICE_LIST = """Solidus price list (demo)

Desk lamp, brass          49.00
Office chair, grey       189.00
Monitor arm, double       79.00
"""
_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")


@dataclass(frozen=True)
class Tenant:
    """What the demo needs to know about the example tenant."""

    #: The master mailbox's login.
    master: str
    #: The domain of the service access addresses (mail for it reaches the master mailbox).
    domain: str


@dataclass(frozen=True)
class Endpoints:
    """Where the embedded servers listen."""

    host: str
    imap_port: int
    smtp_port: int


def read_tenant(config_path: Path) -> Tenant:
    """The master mailbox login and the tenant's domain, from a config file."""
    data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    server = data.get("server", {})
    master = str(server.get("imap", {}).get("username") or "SolidusMasterAcct@seclab.com")
    domain = master.rpartition("@")[2] or "seclab.com"
    return Tenant(master=master, domain=domain)


def create_workspace(target: Path) -> Path:
    """Copy the example workspace into ``target`` (existing files are kept).

    Returns:
        The config file's path.
    """
    target.mkdir(parents=True, exist_ok=True)
    copy_skeleton(target)
    config_path = target / CONFIG_NAME
    allow_attachments(config_path)
    return config_path


def allow_attachments(config_path: Path) -> None:
    """Give the demo's agents a folder to attach files from (Ctrl+T), with a price list."""
    folder = config_path.parent / ATTACHMENTS_FOLDER
    folder.mkdir(exist_ok=True)
    sample = folder / "solidus-price-list.txt"
    if not sample.exists():
        sample.write_text(PRICE_LIST, encoding="utf-8")
    text = config_path.read_text(encoding="utf-8")
    table = (
        "[attachments]\n"
        "# micc demo: agents attach files from this folder only (Ctrl+T in the composer).\n"
        f'folders = ["{ATTACHMENTS_FOLDER}"]\n'
        "max_mb = 20\n\n"
    )
    config_path.write_text(replace_tables(text, "attachments", table), encoding="utf-8")


def point_at_servers(
    config_path: Path, tenant: Tenant, endpoints: Endpoints, password: str
) -> None:
    """Rewrite the config's ``[server]`` tables for the embedded servers.

    Everything else in the file (groups, accesses, agents, comments) stays as
    it is. The password is written to :data:`PASSWORD_FILE` (mode 0600).
    """
    write_secret(config_path.parent / PASSWORD_FILE, password)
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(
        replace_tables(text, "server", server_tables(tenant, endpoints)), encoding="utf-8"
    )


def write_secret(path: Path, secret: str) -> None:
    """Write ``secret`` to a file only its owner can read, in a folder only they can enter."""
    private_folder(path.parent)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # a file left by an earlier run may have other permissions
    # Created 0600 before anything is written, so the secret is never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(secret + "\n")


def server_tables(tenant: Tenant, endpoints: Endpoints) -> str:
    """The ``[server]``, ``[server.imap]`` and ``[server.smtp]`` tables for the demo."""
    return f'''[server]
# micc demo: the embedded IMAP (pymap) and SMTP (aiosmtpd) servers on loopback.
type = "imap"
outgoing_address = "noreply@{tenant.domain}"
# Processed mail is moved to a folder, so the master mailbox shows what was done.
processed = "archive"
archive_folder = "Processed"

[server.imap]
host = "{endpoints.host}"
port = {endpoints.imap_port}
encryption = "none"
username = "{tenant.master}"
password_file = "{PASSWORD_FILE}"
# pymap has no SPECIAL-USE flags: name the folders.
inbox = "INBOX"
sent = "Sent"
trash = "Trash"
poll_seconds = 5.0

[server.smtp]
host = "{endpoints.host}"
port = {endpoints.smtp_port}
encryption = "none"
username = "{tenant.master}"
password_file = "{PASSWORD_FILE}"
timeout_seconds = 10.0

'''


def replace_tables(text: str, name: str, replacement: str) -> str:
    """Replace table ``name`` and its sub-tables (``name.x``) in TOML ``text``.

    The replacement goes where the first such table was (or at the end). A
    table runs from its header to the next header, comments included: they
    describe the values being replaced.
    """
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    inserted = False
    skipping = False
    for line in lines:
        match = _TABLE_HEADER.match(line)
        if match:
            table = match.group(1).replace('"', "").replace(" ", "")
            skipping = table == name or table.startswith(name + ".")
            if skipping and not inserted:
                out.append(replacement)
                inserted = True
        if not skipping:
            out.append(line)
    if not inserted:
        out.append("\n" + replacement)
    return "".join(out)
