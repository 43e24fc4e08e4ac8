"""``micc ssh authorized-keys``: SSH logins that land each agent in their own console.

Every key line gets a forced command and ``restrict``: whatever the client asks
for (a shell, another command, port forwarding), sshd runs only that agent's
console, with a terminal.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

from engine.config import AgentConfig, Config
from micc_tui.cli.common import fail, load

#: Public key types OpenSSH accepts in authorized_keys.
KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
_KEY = re.compile(r"^(?P<type>[\w@.-]+) (?P<blob>[A-Za-z0-9+/]+={0,3})(?: (?P<comment>[^\r\n]*))?$")
#: Agent ids that go into a forced command as they are: no leading dash (an option).
_SAFE_ID = re.compile(r"[A-Za-z0-9_@][A-Za-z0-9._@-]*")
#: Characters of a path written into a forced command: no space, quote, newline,
#: backslash or other character that sshd or the shell would read differently.
_SAFE_PATH = re.compile(r"/[A-Za-z0-9._/@+,=:%~-]*")
SAFE_ID_CHARACTERS = "letters, digits and . _ @ -, not starting with . or -"
SAFE_PATH_CHARACTERS = "letters, digits and . _ / @ + , = : % ~ -"


def unsafe_id(agent_id: str) -> str | None:
    """Why ``agent_id`` cannot go into an authorized_keys line, or None when it can."""
    if _SAFE_ID.fullmatch(agent_id):
        return None
    return (
        f"agent id {agent_id!r} cannot go into an SSH forced command "
        f"(allowed: {SAFE_ID_CHARACTERS})"
    )


def unsafe_path(what: str, path: str) -> str | None:
    """Why ``path`` cannot go into an authorized_keys line, or None when it can."""
    if _SAFE_PATH.fullmatch(path):
        return None
    return (
        f"{what} {path!r} cannot go into an SSH forced command (an absolute path of "
        f"{SAFE_PATH_CHARACTERS} only): move it, or link it from such a path"
    )


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``ssh authorized-keys``."""
    ssh = subparsers.add_parser("ssh", parents=[common], help="SSH logins for agents")
    actions = ssh.add_subparsers(dest="action", metavar="ACTION", required=True)
    keys = actions.add_parser(
        "authorized-keys",
        parents=[common],
        help="write an authorized_keys file: each agent's keys open only their console",
    )
    keys.add_argument(
        "--output", "-o", metavar="FILE", help="write here (mode 600) instead of printing"
    )
    keys.add_argument(
        "--micc", metavar="PATH", help="the micc executable sshd runs (default: this one)"
    )
    keys.set_defaults(handler=run_authorized_keys)


def _micc_path(explicit: str | None) -> str:
    if explicit:
        return explicit
    found = shutil.which("micc")
    return str(Path(found).resolve()) if found else str(Path(sys.argv[0]).resolve())


def key_line(agent: AgentConfig, key: str, command: str) -> str:
    """One authorized_keys line for ``agent``'s public ``key``.

    Raises:
        ValueError: the key is not a single OpenSSH public key line.
    """
    match = _KEY.match(key.strip())
    if not match or match["type"] not in KEY_TYPES:
        raise ValueError(f"agent {agent.id!r}: not an OpenSSH public key: {key.strip()[:40]!r}")
    comment = (match["comment"] or "").strip()
    if not comment.isprintable():  # a control character in a comment: not worth keeping
        comment = ""
    comment = comment or f"micc-{agent.id}"
    forced = command.replace("\\", "\\\\").replace('"', '\\"')
    return f'command="{forced}",restrict,pty {match["type"]} {match["blob"]} {comment}'


def authorized_keys(config: Config, micc: str) -> list[str]:
    """Every agent's key lines, each forced into that agent's (or supervisor's) console.

    Raises:
        ValueError: a key is not one public key, or the config path, the micc
            path or an agent id holds a character outside the safe set (a
            newline would start a line of its own, without ``restrict``).
    """
    assert config.source is not None
    for problem in (
        unsafe_path("the config path", str(config.source)),
        unsafe_path("the micc executable", micc),
    ):
        if problem is not None:
            raise ValueError(problem)
    lines = [f"# Written by `micc ssh authorized-keys` from {config.source}; do not edit."]
    for agent in config.agent:
        if not agent.ssh_keys:
            continue
        problem = unsafe_id(agent.id)
        if problem is not None:
            raise ValueError(problem)
        console = "supervisor" if agent.role == "supervisor" else "agent"
        command = shlex.join([micc, "--config", str(config.source), console, "--agent", agent.id])
        lines.extend(key_line(agent, key, command) for key in agent.ssh_keys)
    return lines


def run_authorized_keys(args: argparse.Namespace) -> int:
    """Print or write the authorized_keys file."""
    config = load(args)
    try:
        lines = authorized_keys(config, _micc_path(args.micc))
    except ValueError as exc:
        fail(str(exc))
    text = "\n".join(lines) + "\n"
    if not args.output:
        sys.stdout.write(text)
        return 0
    target = Path(args.output)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(temporary, target)
    print(f"wrote {target}: {len(lines) - 1} keys")
    return 0


def ssh_problems(config: Config) -> list[str]:
    """What would make ``micc ssh authorized-keys`` refuse this config (for ``micc check``)."""
    problems = [p for p in (unsafe_id(a.id) for a in config.agent) if p is not None]
    if config.source is not None and any(a.ssh_keys for a in config.agent):
        problem = unsafe_path("the config path", str(config.source))
        if problem is not None:
            problems.append(problem)
    return problems
