"""Secrets come from the environment or a file, never from the config or the store."""

from __future__ import annotations

import os
from pathlib import Path

from engine.errors import MiccError


class SecretError(MiccError):
    """A secret could not be read. The message never contains the secret."""


def read_secret(env: str | None, file: Path | None, what: str) -> str:
    """Return the secret named by ``env`` (a variable name) or ``file`` (a path).

    Args:
        env: name of an environment variable holding the secret.
        file: a file whose first line is the secret.
        what: words for error messages, e.g. "the IMAP password".

    Raises:
        SecretError: neither is set, the variable is empty, or the file is unreadable.
    """
    if env:
        value = os.environ.get(env)
        if not value:
            raise SecretError(f"{what}: environment variable {env} is not set")
        return value
    if file:
        try:
            return file.read_text(encoding="utf-8").splitlines()[0].strip()
        except (OSError, UnicodeDecodeError, IndexError) as exc:
            reason = "it is empty" if isinstance(exc, IndexError) else exc.__class__.__name__
            raise SecretError(f"{what}: cannot read {file} ({reason})") from None
    raise SecretError(f"{what}: not configured (set *_env or *_file)")
