"""SSH logins: each agent's key opens only that agent's console."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.config import ConfigError, load_config, parse_config
from micc_tui.cli.main import main
from micc_tui.cli.ssh import authorized_keys, key_line
from tests.servers import sshd

KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0uT9cWqJ3m2QYbZ4x8pQm3l7oXw9K8f5b2N1c4d6e7"
       " alice@laptop")


def workspace(tmp_path: Path, alice_key: str, carol_key: str | None = None) -> Path:
    assert main(["init", str(tmp_path / "ws")]) == 0
    config = tmp_path / "ws" / "micc.toml"
    text = config.read_text().replace('id = "alice"', f'id = "alice"\nssh_keys = ["{alice_key}"]')
    if carol_key:
        text = text.replace('id = "carol"', f'id = "carol"\nssh_keys = ["{carol_key}"]')
    config.write_text(text)
    return config


def test_lines_force_each_agent_into_their_own_console(tmp_path: Path) -> None:
    config = load_config(workspace(tmp_path, KEY, KEY.replace("alice@laptop", "carol")))
    lines = authorized_keys(config, "/opt/micc/bin/micc")
    assert lines[0].startswith("#")
    alice, carol = lines[1:]
    assert alice == (f'command="/opt/micc/bin/micc --config {config.source} agent --agent alice"'
                     f",restrict,pty {KEY}")
    assert "supervisor --agent carol\",restrict,pty ssh-ed25519 " in carol


def test_bad_keys_and_ids_are_refused(tmp_path: Path) -> None:
    config = load_config(workspace(tmp_path, KEY))
    agent = config.agent[0]
    for bad in ("not a key", 'ssh-ed25519 AAAA" ,command="sh', "ssh-ed25519 AAAA\nssh-rsa BBBB",
                "ecdsa-fake AAAA"):
        with pytest.raises(ValueError):
            key_line(agent, bad, "micc")
    with pytest.raises(ConfigError, match="not a usable id"):
        parse_config('[[agent]]\nid = "alice; sh"\nname = "A"\n', tmp_path / "m.toml")


def test_the_file_is_written_private(tmp_path: Path) -> None:
    config = workspace(tmp_path, KEY)
    target = tmp_path / "keys" / "authorized_keys"
    assert main(["--config", str(config), "ssh", "authorized-keys", "-o", str(target)]) == 0
    assert target.stat().st_mode & 0o777 == 0o600
    assert "agent --agent alice" in target.read_text()


needs_sshd = pytest.mark.skipif(not sshd.available() or shutil.which("tmux") is None,
                                reason="openssh-server and tmux are installed by .ci/run")


@pytest.fixture
def server(tmp_path: Path) -> sshd.SshServer:
    running = sshd.start(tmp_path / "sshd")
    yield running  # type: ignore[misc]
    running.stop()


@needs_sshd
def test_a_key_cannot_run_another_command(tmp_path: Path, server: sshd.SshServer) -> None:
    config = workspace(tmp_path, server.public_key)
    micc = str(Path(sys.executable).with_name("micc"))
    assert main(["--config", str(config), "ssh", "authorized-keys", "--micc", micc,
                 "-o", str(server.authorized_keys)]) == 0
    for remote in (["echo", "PWNED$((6*7))"], ["/bin/sh", "-c", "echo PWNED$((6*7))"]):
        result = subprocess.run(server.ssh_command(*remote), capture_output=True, text=True,
                                timeout=60, stdin=subprocess.DEVNULL, check=False)
        assert "PWNED42" not in result.stdout + result.stderr
