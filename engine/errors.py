"""The product's errors: one base, two kinds a person meets.

Every error micc-tui raises on purpose derives from :class:`MiccError`; its
``str()`` is written for a person (what is wrong, where, what to do) and its
``title`` heads a notification. Two kinds matter to callers:

- :class:`Refused`: a request a person made cannot be done now (someone else
  took the e-mail, no reason was given, the group does not exist...). Nothing
  changed; the message says why.
- :class:`MailServerError`: a mail server (IMAP, SMTP, Microsoft Graph) could
  not be used. ``kind`` names the failure for programs and ``permanent`` says
  whether retrying the same thing can help.

Consoles and the command line catch :class:`MiccError` once and show it; no
facade translates one error into another.
"""

from __future__ import annotations


class MiccError(Exception):
    """Base of every error the product raises on purpose; ``str()`` is for a person."""

    #: Heads the notification a console shows for this error.
    title = "Error"


class Refused(MiccError):
    """A request a person made cannot be done now; nothing was changed."""

    title = "Not done"


class MailServerError(MiccError, ConnectionError):
    """A mail server could not be used. ``str()`` says why in words.

    It is also a ``ConnectionError``: the engine reconnects with backoff.

    Attributes:
        kind: one word for programs: ``refused``, ``tls``, ``credentials``,
            ``folder``, ``timeout``, ``host``, ``protocol``, ``rejected``.
        permanent: retrying the same thing will not help (bad credentials,
            a recipient refused for good).
    """

    title = "Mail server"

    def __init__(self, message: str, kind: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.permanent = permanent


__all__ = ["MailServerError", "MiccError", "Refused"]
