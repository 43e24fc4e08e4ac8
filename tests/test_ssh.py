"""SSH logins: each agent's key opens only that agent's console."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.bootstrap import open_store
from engine.config import ConfigError, load_config, parse_config
from micc_tui.cli.main import main
from micc_tui.cli.ssh import authorized_keys, key_line
from tests.agent_fixtures import deliver, mail
from tests.servers import require, sshd
from tests.tmux_terminal import Terminal, wait_until

KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0uT9cWqJ3m2QYbZ4x8pQm3l7oXw9K8f5b2N1c4d6e7 alice@laptop"
)


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
    assert alice == (
        f'command="/opt/micc/bin/micc --config {config.source} agent --agent alice"'
        f",restrict,pty {KEY}"
    )
    assert 'supervisor --agent carol",restrict,pty ssh-ed25519 ' in carol


def test_bad_keys_and_ids_are_refused(tmp_path: Path) -> None:
    config = load_config(workspace(tmp_path, KEY))
    agent = config.agent[0]
    for bad in (
        "not a key",
        'ssh-ed25519 AAAA" ,command="sh',
        "ssh-ed25519 AAAA\nssh-rsa BBBB",
        "ecdsa-fake AAAA",
    ):
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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[sshd.SshServer]:
    require(sshd.available(), "OpenSSH (apt-get install openssh-server openssh-client)")
    running = sshd.start(tmp_path / "sshd")
    yield running
    running.stop()


def test_a_key_cannot_run_another_command(tmp_path: Path, server: sshd.SshServer) -> None:
    config = workspace(tmp_path, server.public_key)
    micc = str(Path(sys.executable).with_name("micc"))
    assert (
        main(
            [
                "--config",
                str(config),
                "ssh",
                "authorized-keys",
                "--micc",
                micc,
                "-o",
                str(server.authorized_keys),
            ]
        )
        == 0
    )
    for remote in (["echo", "PWNED$((6*7))"], ["/bin/sh", "-c", "echo PWNED$((6*7))"]):
        result = subprocess.run(
            server.ssh_command(*remote),
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert "PWNED42" not in result.stdout + result.stderr


def authorize(tmp_path: Path, server: sshd.SshServer) -> Path:
    """A workspace whose agent alice logs in with the server's test key; one e-mail queued."""
    config_path = workspace(tmp_path, server.public_key)
    config = load_config(str(config_path))
    store = open_store(config)
    deliver(store, config, mail(1, name="Åsa Öberg", subject="Where is my order?"))
    store.close()
    micc = str(Path(sys.executable).with_name("micc"))
    assert (
        main(
            [
                "--config",
                str(config_path),
                "ssh",
                "authorized-keys",
                "--micc",
                micc,
                "-o",
                str(server.authorized_keys),
            ]
        )
        == 0
    )
    return config_path


def test_an_agent_logs_in_over_ssh_and_answers_an_email(
    tmp_path: Path, server: sshd.SshServer, terminals: list[Terminal]
) -> None:
    config_path = authorize(tmp_path, server)
    terminal = Terminal(server.ssh_command(tty=True), width=100, height=30)
    terminals.append(terminal)
    screen = terminal.wait_for("Alice Smith")  # that agent's own console
    assert "Bob Jones" not in screen and "Service groups" in screen
    terminal.wait_for("Åsa Öberg")
    terminal.keys("n")
    terminal.wait_for("in hand: 1")
    terminal.keys("r")
    terminal.wait_for("Re: Where is my order?")
    terminal.type("Your order ships today.")
    terminal.wait_for("Your order ships today.")
    terminal.keys("C-s")

    config = load_config(str(config_path))

    def answered() -> tuple[str, str, str] | None:
        store = open_store(config)
        try:
            row = store.query_one(
                "SELECT c.state, o.state, o.agent_id FROM conversations c "
                "JOIN outbox o ON o.conversation_id = c.id WHERE c.id = 1"
            )
        finally:
            store.close()
        return (row[0], row[1], row[2]) if row else None

    conversation, outbox_state, agent = wait_until(answered, why=terminal.screen)
    assert conversation == "answered" and agent == "alice"
    assert outbox_state in ("queued", "sending", "sent"), outbox_state
    terminal.keys("C-q")
    assert "EXITED" in terminal.wait_for("EXITED")


@pytest.mark.parametrize(
    "remote",
    [["/bin/sh"], ["/bin/sh", "-c", "echo PWNED$((6*7))"], ["micc", "agent", "--agent", "bob"]],
)
def test_a_key_with_a_terminal_still_gets_only_its_console(
    tmp_path: Path, server: sshd.SshServer, terminals: list[Terminal], remote: list[str]
) -> None:
    authorize(tmp_path, server)
    terminal = Terminal(server.ssh_command(*remote, tty=True), width=100, height=30)
    terminals.append(terminal)
    screen = terminal.wait_for("Alice Smith")
    assert "Bob Jones" not in screen and "PWNED42" not in screen
    terminal.keys("C-q")
    after = terminal.wait_for("EXITED")
    # The connection ends with the console: no shell prompt, nothing of the command.
    assert "PWNED42" not in after
    assert not [line for line in after.split("\n") if line.rstrip().endswith(("$", "#"))]
