"""Structured logs for ``micc serve``: one logfmt line per event on stderr.

A line looks like::

    ts=2026-11-26T09:14:03.512Z level=info logger=micc.engine msg="mail read" \
mailbox=imap:master@seclab.com/INBOX fetched=12 archived=12 duplicates=0 processed=12

``ts`` (UTC, milliseconds), ``level``, ``logger`` and ``msg`` come first, then
the event's fields (the ``extra`` of the log call) in the order given.
Values with spaces, quotes or ``=`` are double-quoted with backslash escapes;
a traceback stays on the line as ``traceback="...\\n..."``. journald, grep
and logfmt tools (``lnav``, Loki, ``hl``) read it as is.

Only the ``micc.*`` loggers follow ``--log-level``; other libraries' loggers
stay at ``warning`` (imapclient's debug log would carry whole messages).
Every configured password or client secret is masked (``***``) wherever it
might appear, as a second line of defence behind code that never logs them.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from engine.config import Config, SecretError, read_secret

LEVELS = ("debug", "info", "warning", "error")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_BARE = re.compile(r"^[^\s\"=\\]+$")


def _value(value: object) -> str:
    text = (
        value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    )
    if isinstance(value, bool):
        text = str(value).lower()
    if _BARE.match(text):
        return text
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


class LogfmtFormatter(logging.Formatter):
    """Formats a record as one logfmt line, masking the given secrets.

    Args:
        secrets: strings that must never appear in a line (passwords).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """The record as ``ts=... level=... logger=... msg=... key=value...``."""
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        parts = [
            f"ts={stamp}.{int(record.msecs):03d}Z",
            f"level={record.levelname.lower()}",
            f"logger={record.name}",
            f"msg={_value(record.getMessage())}",
        ]
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                parts.append(f"{key}={_value(value)}")
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            parts.append(f"exc={_value(f'{exc.__class__.__name__}: {exc}')}")
            parts.append(f"traceback={_value(''.join(traceback.format_exception(exc)))}")
        line = " ".join(parts)
        for secret in self.secrets:
            line = line.replace(secret, "***")
        return line


class _LogfmtHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`setup_logging` installs (found again to replace it)."""


def config_secrets(config: Config) -> list[str]:
    """The passwords and client secrets the config names, as far as they can be read."""
    server = config.server
    wanted = [
        (server.imap.password_env, server.imap.password_file),
        (server.smtp.password_env, server.smtp.password_file),
    ]
    if server.graph is not None:
        wanted.append((server.graph.client_secret_env, server.graph.client_secret_file))
    found = []
    for env, file in wanted:
        if env or file:
            try:
                found.append(read_secret(env, file, "secret"))
            except SecretError:
                continue
    return found


def setup_logging(level: str, stream: TextIO, secrets: Iterable[str] = ()) -> None:
    """Send log records to ``stream`` as logfmt lines; ``micc.*`` at ``level``.

    Calling it again (tests run several commands in one process) replaces
    the handler it installed before.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _LogfmtHandler)]:
        root.removeHandler(handler)
    handler = _LogfmtHandler(stream)
    handler.setFormatter(LogfmtFormatter(secrets))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("micc").setLevel(level.upper())
