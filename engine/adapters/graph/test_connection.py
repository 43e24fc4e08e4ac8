"""Test Connection for Office 365 through Microsoft Graph: what works, what to fix, in words.

Checks, in order: the client secret can be read; a token comes back (else
which of secret, client id or tenant is wrong, or that the secret expired);
the token's ``roles`` claim holds the five application permissions the
MiCC Enterprise guide lists; the master mailbox is reachable (else an
unknown user or an Application Access Policy that excludes it); then each
permission is exercised without changing anything a person would notice:

- Mail.ReadBasic / Mail.ReadBasic.All: list the inbox's basic properties;
- Mail.Read: read the newest message's MIME (``$value``);
- Mail.ReadWrite: create a draft and delete it again;
- Mail.Send: ``sendMail`` with no recipient. Graph checks the permission
  before the message, so 403 means the permission is missing and 400
  ``ErrorInvalidRecipients`` means it is there; nothing can be delivered.

Send As on each service access address cannot be checked without sending
mail; the report lists the addresses that need it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass

from engine.adapters.graph.client import GraphClient
from engine.adapters.graph.errors import PERMISSIONS, GraphError
from engine.config.model import Config, GraphConfig
from engine.config.secrets import SecretError, read_secret
from engine.ports import SourceStatus

_CONSENT = (
    "Azure: App registrations > API permissions > Add a permission > Microsoft Graph > "
    "Application permissions, then 'Grant admin consent'"
)


@dataclass(frozen=True)
class Check:
    """One line of the report. ``ok`` is None when the check could not be made."""

    name: str
    ok: bool | None
    detail: str

    def line(self) -> str:
        """``ok   name: detail`` (or ``FAIL``, ``note``)."""
        mark = {True: "ok  ", False: "FAIL", None: "note"}[self.ok]
        return f"{mark} {self.name}: {self.detail}"


@dataclass(frozen=True)
class GraphConnectionReport:
    """Every check made, in order."""

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """No check failed."""
        return all(c.ok is not False for c in self.checks)

    def lines(self) -> list[str]:
        """The report as text lines."""
        return [c.line() for c in self.checks]

    def status(self) -> SourceStatus:
        """The report as the ports' :class:`SourceStatus`."""
        failed = [c for c in self.checks if c.ok is False]
        summary = (
            f"{failed[0].name}: {failed[0].detail}"
            if failed
            else "Microsoft Graph: all checks passed"
        )
        granted = tuple(c.name for c in self.checks if c.ok and c.name in PERMISSIONS)
        return SourceStatus(
            not failed,
            summary,
            granted,
            {"inbox": "inbox", "sent": "sentitems", "trash": "deleteditems"},
        )


def token_roles(token: str) -> list[str] | None:
    """The ``roles`` claim of a JWT access token (not verified: only for the report)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, UnicodeDecodeError):
        return None
    roles = claims.get("roles") if isinstance(claims, dict) else None
    return [str(r) for r in roles] if isinstance(roles, list) else []


def send_as_addresses(config: Config) -> list[str]:
    """The From addresses replies may use: group addresses and literal access addresses."""
    found = [g.email for g in config.service_group if g.email]
    found += [a.address for a in config.service_access if a.active and "*" not in a.address]
    if config.server.outgoing_address:
        found.append(config.server.outgoing_address)
    return list(dict.fromkeys(f.lower() for f in found))


def check_connection(config: Config, *, client: GraphClient | None = None) -> GraphConnectionReport:
    """Run every check against ``[server.graph]`` of ``config``.

    Args:
        config: the tenant; ``server.graph`` must be set.
        client: a client to use (tests pass one with short waits); else one is made.
    """
    graph = config.server.graph
    assert graph is not None, "check_connection needs [server.graph]"
    own = client is None
    client = client or GraphClient(graph, max_inline_wait=30.0, max_attempts=4)
    checks: list[Check] = []
    try:
        _run(config, graph, client, checks)
    finally:
        if own:
            client.close()
    return GraphConnectionReport(tuple(checks))


def _run(config: Config, graph: GraphConfig, client: GraphClient, checks: list[Check]) -> None:
    try:
        read_secret(graph.client_secret_env, graph.client_secret_file, "the Graph client secret")
    except SecretError as exc:
        checks.append(Check("client secret", False, str(exc)))
        return
    checks.append(Check("client secret", True, f"read from {client.secret_source()}"))
    try:
        token = client.token()
    except GraphError as exc:
        checks.append(Check("token", False, str(exc)))
        return
    checks.append(
        Check(
            "token",
            True,
            f"application {graph.client_id} signed in to tenant "
            f"{graph.tenant_id} at {graph.authority}",
        )
    )
    roles = token_roles(token)
    try:
        client.get_json(
            "/mailFolders/inbox",
            what=f"opening mailbox {graph.user}",
            params={"$select": "id,displayName,totalItemCount"},
        )
    except GraphError as exc:
        checks.append(Check("mailbox", False, str(exc)))
        return
    checks.append(Check("mailbox", True, f"{graph.user}: inbox reachable"))
    probes: list[tuple[str, Callable[[], str]]] = []
    if not graph.outbound_only:
        probes += [
            ("Mail.ReadBasic", lambda: _list_basic(client)),
            ("Mail.ReadBasic.All", lambda: _list_basic(client)),
            ("Mail.Read", lambda: _read_mime(client)),
            ("Mail.ReadWrite", lambda: _draft_round_trip(client)),
        ]
    probes.append(("Mail.Send", lambda: _send_probe(client)))
    for permission, probe in probes:
        checks.append(_exercise(permission, probe, roles))
    if graph.outbound_only:
        checks.append(
            Check(
                "incoming",
                None,
                "outbound_only: the inbox is not read, so "
                "Mail.Read, Mail.ReadBasic(.All) and Mail.ReadWrite are not needed",
            )
        )
    elif config.server.processed == "archive":
        checks.append(_archive_folder(client, config.server.archive_folder))
    addresses = send_as_addresses(config)
    if addresses:
        checks.append(
            Check(
                "Send As",
                None,
                "cannot be checked without sending mail; mailbox "
                f"{graph.user} needs Send As on: {', '.join(addresses)}",
            )
        )


def _exercise(permission: str, probe: Callable[[], str], roles: list[str] | None) -> Check:
    try:
        done = probe()
    except GraphError as exc:
        return Check(permission, False, str(exc))
    if roles is not None and permission not in roles:
        return Check(
            permission,
            False,
            f"not granted to the application (the probe, "
            f"'{done}', passed through another permission); add it in {_CONSENT}",
        )
    granted = "granted; " if roles is not None else ""
    return Check(permission, True, granted + done)


def _list_basic(client: GraphClient) -> str:
    body = client.get_json(
        "/mailFolders/inbox/messages",
        what="listing the inbox",
        params={
            "$select": "id,subject,receivedDateTime",
            "$top": "1",
            "$orderby": "receivedDateTime desc",
        },
    )
    return "listed the inbox" + ("" if body.get("value") else " (empty)")


def _read_mime(client: GraphClient) -> str:
    body = client.get_json(
        "/mailFolders/inbox/messages",
        what="listing the inbox",
        params={"$select": "id", "$top": "1", "$orderby": "receivedDateTime desc"},
    )
    value = body.get("value") or []
    if not value:
        client.get_json(
            "/mailFolders/inbox/messages",
            what="reading message bodies",
            params={"$select": "id,body", "$top": "1"},
        )
        return "the inbox is empty; read message bodies"
    response = client.request(
        "GET",
        f"/messages/{value[0]['id']}/$value",
        what="reading the newest message's content ($value)",
    )
    return f"read the newest message's MIME ({len(response.content)} bytes)"


def _draft_round_trip(client: GraphClient) -> str:
    created = client.request(
        "POST",
        "/messages",
        what="creating a draft",
        json={"subject": "micc-tui Test Connection (deleted at once)"},
        ok=(201,),
        idempotent=False,
    )
    draft = str(created.json()["id"])
    client.request("DELETE", f"/messages/{draft}", what="deleting the test draft", ok=(204,))
    return "created and deleted a draft"


def _send_probe(client: GraphClient) -> str:
    message = {
        "message": {
            "subject": "micc-tui Test Connection (no recipient, never sent)",
            "toRecipients": [],
        },
        "saveToSentItems": False,
    }
    try:
        client.request(
            "POST",
            "/sendMail",
            what="sending (probe without recipients)",
            json=message,
            ok=(202,),
            idempotent=False,
        )
    except GraphError as exc:
        if exc.status == 400:
            return "sendMail accepted the request and refused only the missing recipient"
        raise
    return "sendMail accepted a message without recipients (nothing to deliver)"


def _archive_folder(client: GraphClient, path: str) -> Check:
    parent, found = "msgfolderroot", True
    for name in [p for p in path.split("/") if p]:
        literal = name.replace("'", "''")
        try:
            body = client.get_json(
                f"/mailFolders/{parent}/childFolders",
                what=f"looking for folder {name!r}",
                params={"$filter": f"displayName eq '{literal}'"},
            )
        except GraphError as exc:
            return Check("archive folder", False, str(exc))
        match = [
            f
            for f in body.get("value", [])
            if str(f.get("displayName", "")).lower() == name.lower()
        ]
        if not match:
            found = False
            break
        parent = str(match[0]["id"])
    return Check(
        "archive folder",
        True,
        f"{path!r} exists"
        if found
        else f"{path!r} does not exist yet; it is created when the first message is archived",
    )
