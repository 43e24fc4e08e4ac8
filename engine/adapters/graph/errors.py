"""Graph and sign-in failures, each explained in words an administrator can act on.

Azure AD answers a failed token request with an ``AADSTS`` code; Graph answers
with ``{"error": {"code", "message"}}``. Both are turned into one exception
whose message says what is wrong and what to change (which secret, which
permission, or an Application Access Policy that excludes the mailbox).
Secrets never appear in messages.

:class:`GraphError` is the product's :class:`~engine.errors.MailServerError`,
so the engine handles a Graph failure as it handles an IMAP or SMTP one;
each subclass brings its ``kind``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from engine.errors import MailServerError

#: The application permissions the MiCC Enterprise guide lists for Graph.
PERMISSIONS = ("Mail.Read", "Mail.ReadBasic", "Mail.ReadBasic.All", "Mail.ReadWrite", "Mail.Send")

_CONSENT = (
    "add it in Azure: App registrations > API permissions > Add a permission > "
    "Microsoft Graph > Application permissions, then 'Grant admin consent'"
)


class GraphError(MailServerError):
    """Microsoft Graph or its sign-in refused or failed a request.

    Attributes:
        kind: as :class:`~engine.errors.MailServerError` says; each subclass
            has its own (:attr:`KIND`), ``protocol`` for this class.
        status: the HTTP status, 0 when no answer came.
        code: Graph's or Azure AD's error code (``ErrorAccessDenied``, ``invalid_client``).
        permanent: retrying the same request will fail the same way.
    """

    #: The ``kind`` when none is given.
    KIND = "protocol"

    def __init__(
        self,
        message: str,
        *,
        kind: str = "",
        status: int = 0,
        code: str = "",
        permanent: bool = False,
    ) -> None:
        super().__init__(message, kind or self.KIND, permanent=permanent)
        self.status = status
        self.code = code


class GraphAuthError(GraphError):
    """No token: the tenant, the client id or the client secret is wrong or expired."""

    KIND = "credentials"


class GraphAccessError(GraphError):
    """Graph refused the token for this mailbox (401/403): permission, policy, Send As."""

    KIND = "credentials"


class GraphNotFound(GraphError):
    """The mailbox, folder or message does not exist (404)."""

    KIND = "folder"


class GraphUnavailable(GraphError):
    """No usable answer: network failure, timeout or a server error; retry later.

    ``kind`` tells which: ``refused``, ``host``, ``tls``, ``timeout``, or
    ``protocol`` for a server error.
    """


class GraphThrottled(GraphError):
    """Graph asked us to wait longer than we wait inline; retry at :attr:`until` (UTC)."""

    KIND = "rejected"

    def __init__(self, message: str, *, until: datetime, status: int = 429) -> None:
        super().__init__(message, status=status, code="TooManyRequests")
        self.until = until


def _aadsts(description: str) -> int | None:
    match = re.search(r"AADSTS(\d+)", description)
    return int(match.group(1)) if match else None


def explain_token_error(
    result: Mapping[str, object], *, tenant_id: str, client_id: str, secret_source: str
) -> GraphAuthError:
    """The words for a failed client-credentials token request.

    Args:
        result: msal's answer (``error``, ``error_description``, ``error_codes``).
        tenant_id: the configured tenant (directory) id.
        client_id: the configured application (client) id.
        secret_source: where the secret came from, e.g. "environment variable X".
    """
    error = str(result.get("error", ""))
    description = str(result.get("error_description", ""))
    codes = result.get("error_codes")
    number = _aadsts(description)
    if number is None and isinstance(codes, list) and codes:
        number = int(codes[0])
    if number == 7000222:
        words = (
            f"the client secret in {secret_source} has expired: create a new client "
            f"secret for application {client_id} in Azure (Certificates & secrets) "
            f"and put its Value there"
        )
    elif number in (7000215, 7000216) or (error == "invalid_client" and number is None):
        words = (
            f"the client secret in {secret_source} is wrong for application {client_id}: "
            "use the secret's Value (shown once when it was created), not its Secret ID"
        )
    elif number == 700016 or error == "unauthorized_client":
        words = (
            f"application (client) id {client_id} is not registered in tenant "
            f"{tenant_id}: check client_id and tenant_id"
        )
    elif number in (90002, 900023) or (
        "tenant" in description.lower() and "not found" in description.lower()
    ):
        words = f"tenant (directory) id {tenant_id} was not found: check tenant_id"
    else:
        first = description.splitlines()[0] if description else "no description"
        words = f"sign-in refused ({error or 'unknown error'}): {first}"
    return GraphAuthError(
        f"Cannot get a Microsoft Graph token: {words}.", status=401, code=error, permanent=True
    )


def explain_graph_error(
    status: int, body: Mapping[str, object], *, method: str, what: str, mailbox: str
) -> GraphError:
    """The words for a Graph error answer.

    Args:
        status: HTTP status.
        body: the parsed JSON body (``{"error": {"code", "message"}}``), or {}.
        method: the HTTP method, to name the permission a refused request needed.
        what: what we were doing, e.g. "listing the inbox".
        mailbox: the master mailbox (or the From address when sending).
    """
    error = body.get("error")
    info: Mapping[str, object] = error if isinstance(error, dict) else {}
    code = str(info.get("code", ""))
    message = str(info.get("message", "")) or f"HTTP {status}"
    lowered = message.lower()
    if status == 403 and ("accesspolicy" in lowered.replace(" ", "") or "raop" in lowered):
        return GraphAccessError(
            f"{what}: an Application Access Policy in Exchange Online excludes mailbox "
            f"{mailbox} from this application. Add the mailbox to the security group the "
            "policy allows (New-/Set-ApplicationAccessPolicy; see "
            "https://learn.microsoft.com/en-us/graph/auth-limit-mailbox-access).",
            status=status,
            code=code,
            permanent=True,
        )
    if code == "ErrorSendAsDenied":
        return GraphAccessError(
            f"{what}: mailbox {mailbox} may not send as this address. Give the master mailbox "
            "the Send As permission on it (Exchange admin center > mailbox delegation > "
            "Send As).",
            status=status,
            code=code,
            permanent=True,
        )
    if status == 403:
        needed = _permission_for(method, what)
        return GraphAccessError(
            f"{what}: the application lacks the {needed} permission ({message}); {_CONSENT}.",
            status=status,
            code=code,
            permanent=True,
        )
    if status == 401:
        return GraphAccessError(
            f"{what}: Graph rejected the token ({message}); the app's admin consent may have "
            "been revoked or the token is for another tenant.",
            status=status,
            code=code,
        )
    if status == 404 and code in (
        "ErrorInvalidUser",
        "MailboxNotEnabledForRESTAPI",
        "ResourceNotFound",
        "MailboxNotFound",
    ):
        return GraphNotFound(
            f"{what}: mailbox {mailbox} was not found or has no Exchange Online mailbox "
            f"({message}); check user under [server.graph].",
            status=status,
            code=code,
            permanent=True,
        )
    if status == 404:
        return GraphNotFound(
            f"{what}: not found ({message}).", status=status, code=code, permanent=True
        )
    if status >= 500:
        return GraphUnavailable(
            f"{what}: Graph failed ({status} {code}: {message}).", status=status, code=code
        )
    return GraphError(
        f"{what}: Graph refused the request ({status} {code}: {message}).",
        kind="rejected",
        status=status,
        code=code,
        permanent=400 <= status < 500,
    )


def _permission_for(method: str, what: str) -> str:
    if "send" in what.lower():
        return "Mail.Send"
    if method in ("POST", "PATCH", "DELETE", "PUT"):
        return "Mail.ReadWrite"
    if "content" in what.lower() or "$value" in what:
        return "Mail.Read"
    return "Mail.Read or Mail.ReadBasic.All"
