"""A private OpenSSH server on a loopback port, for the SSH login tests.

It runs Debian's ``/usr/sbin/sshd`` with its own config, host key and
authorized_keys file (written by ``micc ssh authorized-keys``); nothing of the
machine's own SSH set-up is touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SshServer:
    """A running sshd and the client key that may log in."""

    folder: Path
    port: int
    user: str
    client_key: Path
    authorized_keys: Path
    process: subprocess.Popen[bytes]

    @property
    def public_key(self) -> str:
        return self.client_key.with_suffix(".pub").read_text().strip()

    def ssh_command(self, *remote: str, tty: bool = False) -> list[str]:
        """An ``ssh`` command line that logs in with the test key."""
        return [
            "ssh",
            "-p",
            str(self.port),
            "-i",
            str(self.client_key),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            *(["-tt"] if tty else ["-T"]),
            f"{self.user}@127.0.0.1",
            *remote,
        ]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def available() -> bool:
    """True when sshd and the ssh client are installed."""
    return Path(SSHD).exists() and shutil.which("ssh") is not None


def keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=30
    )


def start(folder: Path) -> SshServer:
    """Start sshd in ``folder`` (host key, client key, config) and wait until it listens."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    keygen(folder / "host_key")
    keygen(folder / "client_key")
    authorized = folder / "authorized_keys"
    authorized.write_text("")
    os.chmod(authorized, 0o600)
    port = free_port()
    user = (
        os.environ.get("USER")
        or subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    )
    root = os.geteuid() == 0
    if root:
        # Privilege separation needs this directory; Debian's service makes it at boot.
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    config = folder / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {folder / 'host_key'}",
                f"PidFile {folder / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitUserEnvironment no",
                "AllowTcpForwarding no",
                "X11Forwarding no",
                "PrintMotd no",
                "PrintLastLog no",
                # Root may log in only through the forced command of an authorized key.
                f"PermitRootLogin {'forced-commands-only' if root else 'no'}",
                f"AllowUsers {user}",
                "LogLevel VERBOSE",
                "",
            ]
        )
    )
    log = (folder / "sshd.log").open("wb")
    process = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("sshd exited: " + (folder / "sshd.log").read_text())
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    else:
        process.kill()
        raise RuntimeError("sshd did not start listening")
    return SshServer(folder, port, user, folder / "client_key", authorized, process)
