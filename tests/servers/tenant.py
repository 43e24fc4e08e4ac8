"""A tenant config (micc.toml) pointing at the test Dovecot and SMTP server.

Service accesses cover the four kinds of address the end-to-end tests send
to: a wildcard pattern, a Gmail plus-address, one reached only through Cc,
and (by not matching) an unrouted one.
"""

from __future__ import annotations

from pathlib import Path

from engine.config import Config, load_config

PASSWORD_ENV = "MICC_TEST_IMAP_PASSWORD"
SMTP_PASSWORD_ENV = "MICC_TEST_SMTP_PASSWORD"


def write_tenant(
    folder: Path,
    *,
    imap_port: int,
    user: str,
    smtp_port: int,
    policy: str = "delete",
    encryption: str = "none",
    smtp_encryption: str = "none",
    smtp_user: str = "",
    append_sent: bool | None = None,
    batch: int = 200,
    idle: bool = True,
    poll_seconds: float = 30.0,
    outbound_only: bool = False,
    extra: str = "",
) -> Path:
    """Write ``folder/micc.toml`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    sent_line = "" if append_sent is None else f"append_sent = {str(append_sent).lower()}\n"
    smtp_auth = (
        f'username = "{smtp_user}"\npassword_env = "{SMTP_PASSWORD_ENV}"\n' if smtp_user else ""
    )
    path = folder / "micc.toml"
    path.write_text(f"""\
[store]
path = "micc.db"

[server]
type = "imap"
outgoing_address = "noreply@seclab.com"
processed = "{policy}"
archive_folder = "Processed"
outbound_only = {str(outbound_only).lower()}

[server.imap]
host = "127.0.0.1"
port = {imap_port}
encryption = "{encryption}"
username = "{user}"
password_env = "{PASSWORD_ENV}"
fetch_batch = {batch}
idle = {str(idle).lower()}
poll_seconds = {poll_seconds}
{sent_line}
[server.smtp]
host = "127.0.0.1"
port = {smtp_port}
encryption = "{smtp_encryption}"
{smtp_auth}
[[service_group]]
name = "Sales"
email = "Solidus.Sales@seclab.com"
reply_using_incoming_address = true

[[service_group]]
name = "Support"
email = "support@seclab.com"
reply_using_incoming_address = false

[[service_group]]
name = "Marketing"
email = "marketing@seclab.com"

[[service_access]]
name = "Sales"
address = "Solidus.Sales.*@seclab.com"
service_group = "Sales"

[[service_access]]
name = "Support (Gmail)"
address = "solidus.support+help@gmail.com"
service_group = "Support"

[[service_access]]
name = "Marketing"
address = "marketing@seclab.com"
service_group = "Marketing"
{extra}""")
    return path


def tenant(folder: Path, **kwargs: object) -> Config:
    """Write the tenant file and load it."""
    return load_config(write_tenant(folder, **kwargs))  # type: ignore[arg-type]


def customer_mail(
    to: str,
    *,
    cc: str = "",
    subject: str | None = None,
    n: int = 0,
    message_id: str | None = None,
    body: str = "Hello, where is my order?",
    extra_headers: str = "",
) -> bytes:
    """A plain customer e-mail (subject ``Order question <n>`` unless given: one
    customer's e-mails with the same subject would join one conversation)."""
    subject = f"Order question {n}" if subject is None else subject
    mid = message_id or f"<cust-{n}-{abs(hash((to, subject, n)))}@customer.example>"
    cc_line = f"Cc: {cc}\n" if cc else ""
    return (
        f"From: Carla Customer <carla@customer.example>\nTo: {to}\n{cc_line}"
        f"Subject: {subject}\nDate: Thu, 26 Nov 2026 10:00:00 +0000\n"
        f"Message-ID: {mid}\n{extra_headers}MIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()
