"""A private Dovecot on loopback high ports, for tests and benchmarks.

Each instance has its own config, base_dir, state, log and Maildirs under one
folder. Any user name logs in with :data:`PASSWORD` (static passdb), so a test
gets a fresh, empty master mailbox by inventing a new user. Customer mail is
delivered with LMTP, the way a real mail server hands mail to Dovecot.

Works as root (CI) and as an ordinary user; see ../shared/notes/mail-servers.md.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import require

PASSWORD = "secret"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1: (cert, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.exists():
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=localhost",
                "-keyout",
                str(key),
                "-out",
                str(cert),
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )
    return cert, key


def _mail_user() -> tuple[str, int, int]:
    """The system user that owns the Maildirs: never root (Dovecot refuses uid 0)."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return entry.pw_name, entry.pw_uid, entry.pw_gid
    try:
        entry = pwd.getpwnam("vmail")
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                "--user-group",
                "vmail",
            ],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam("vmail")
    return entry.pw_name, entry.pw_uid, entry.pw_gid


@dataclass
class Dovecot:
    """One private Dovecot instance (not started until :meth:`start`)."""

    root: Path
    imap_port: int = field(default_factory=free_port)
    imaps_port: int = field(default_factory=free_port)
    lmtp_port: int = field(default_factory=free_port)
    #: Special-use folders created for every user.
    special_use: bool = True
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def in_temp(cls, special_use: bool = True) -> Dovecot:
        """An instance in a new folder under the system temp dir.

        The mail user (not root) must be able to walk down to the Maildirs, and
        pytest's own temp folders are private to their owner.
        """
        root = Path(tempfile.mkdtemp(prefix="micc-dovecot-"))
        os.chmod(root, 0o755)
        return cls(root, special_use=special_use)

    def remove(self) -> None:
        """Stop and delete everything this instance wrote."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def config_path(self) -> Path:
        """The private dovecot.conf."""
        return self.root / "dovecot.conf"

    @property
    def cert_path(self) -> Path:
        """The self-signed certificate clients must trust."""
        return self.root / "cert.pem"

    def write_config(self) -> None:
        """Write dovecot.conf, the certificate and the folders it names."""
        self.root.mkdir(parents=True, exist_ok=True)
        cert, key = make_certificate(self.root)
        user, uid, gid = _mail_user()
        home = self.root / "home"
        for sub in ("run", "state", "home"):
            (self.root / sub).mkdir(exist_ok=True)
        shutil.chown(home, uid, gid)
        os.chmod(self.root, 0o755)
        as_root = os.geteuid() == 0
        me = pwd.getpwuid(os.geteuid()).pw_name
        my_group = grp.getgrgid(os.getegid()).gr_name
        if as_root:
            users = "default_login_user = dovenull\ndefault_internal_user = dovecot\n"
            chroot = ""
        else:
            users = (
                f"default_login_user = {me}\ndefault_internal_user = {me}\n"
                f"default_internal_group = {my_group}\n"
            )
            chroot = "  chroot =\n"
        specials = ""
        if self.special_use:
            for name, flag in (
                ("Sent", "Sent"),
                ("Trash", "Trash"),
                ("Drafts", "Drafts"),
                ("Archive", "Archive"),
                ("Junk", "Junk"),
            ):
                specials += (
                    f"  mailbox {name} {{\n    special_use = \\{flag}\n    auto = subscribe\n  }}\n"
                )
        self.config_path.write_text(f"""\
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
listen = 127.0.0.1
protocols = imap lmtp
{users}first_valid_uid = {min(uid, 500)}
first_valid_gid = {min(gid, 500)}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
mail_fsync = never
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u allow_all_users=yes
}}
namespace inbox {{
  inbox = yes
  separator = /
{specials}}}
service imap-login {{
{chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service anvil {{
{chroot}}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
}}
protocol lmtp {{
  postmaster_address = postmaster@localhost
}}
""")
        del user

    def start(self, timeout: float = 10.0) -> None:
        """Start Dovecot and wait until IMAP and LMTP answer."""
        if not self.config_path.exists():
            self.write_config()
        # The daemon inherits stdout/stderr: a pipe there would never close.
        with open(self.root / "start.log", "ab") as log:
            subprocess.run(
                ["dovecot", "-c", str(self.config_path)],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        for port in (self.imap_port, self.lmtp_port):
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                        sock.recv(64)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"Dovecot did not start: see {self.root}/dovecot.log"
                        ) from None
                    time.sleep(0.05)

    def stop(self) -> None:
        """Stop Dovecot and wait until its master process is gone."""
        pid_file = self.root / "run" / "master.pid"
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    @staticmethod
    def new_user(prefix: str = "master") -> str:
        """A fresh master mailbox: any new name logs in with :data:`PASSWORD`."""
        return f"{prefix}-{uuid.uuid4().hex[:10]}@test.local"

    def deliver(self, user: str, raw: bytes) -> None:
        """Deliver ``raw`` into ``user``'s INBOX over LMTP (synchronous)."""
        with smtplib.LMTP("127.0.0.1", self.lmtp_port) as lmtp:
            lmtp.sendmail("customer@outside.example", [user], _crlf(raw))

    def deliver_many(self, user: str, messages: list[bytes]) -> None:
        """Deliver several messages over one LMTP connection."""
        with smtplib.LMTP("127.0.0.1", self.lmtp_port) as lmtp:
            for raw in messages:
                lmtp.sendmail("customer@outside.example", [user], _crlf(raw))

    def maildir(self, user: str) -> Path:
        """Where ``user``'s mail is stored."""
        return self.root / "home" / user / "Maildir"


@contextmanager
def private_dovecot() -> Iterator[Dovecot]:
    """A started Dovecot in a folder of its own, removed afterwards."""
    require(
        shutil.which("dovecot") is not None, "Dovecot (apt-get install dovecot-imapd dovecot-lmtpd)"
    )
    server = Dovecot.in_temp()
    server.start()
    try:
        yield server
    finally:
        server.remove()


def _crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
