"""A local HTTPS server that answers like Microsoft Graph and Azure AD sign-in, for tests.

**This is not Microsoft Graph.** It is a small stand-in, written from
Microsoft's public documentation, because the cloud is out of reach here and
no maintained Graph fake exists. It follows the documented JSON shapes the
connector relies on and nothing more:

- sign-in: ``GET /{tenant}/v2.0/.well-known/openid-configuration`` and
  ``POST /{tenant}/oauth2/v2.0/token`` (client credentials), with the AADSTS
  errors for a wrong secret (7000215), an expired secret (7000222), an unknown
  application (700016) and an unknown tenant (90002). Tokens are JWT-shaped
  (unsigned) and carry the app's ``roles``, as Azure AD's do;
- mail, under ``/v1.0/users/{user}``: ``mailFolders`` (well-known names,
  ``childFolders``, ``$filter=displayName eq '...'``, create with 409
  ``ErrorFolderExists``), folder ``messages`` with ``$select``, ``$filter``,
  ``$orderby``, ``$top`` and ``@odata.nextLink`` paging by ``$skip`` (as Graph
  pages messages), ``messages/{id}``, ``/$value`` (MIME), ``move`` (201, a new
  id unless ``Prefer: IdType="ImmutableId"``), ``DELETE`` (204), draft
  creation, and ``sendMail`` (202; MIME as base64 ``text/plain`` or JSON; Send
  As checked against the From address; a copy saved in Sent Items);
- errors as ``{"error": {"code", "message", "innerError"}}``: 401
  ``InvalidAuthenticationToken``, 403 ``ErrorAccessDenied`` per missing
  permission or an Application Access Policy, 404 ``ErrorInvalidUser``,
  400 ``InefficientFilter`` when ``$orderby`` is not the first ``$filter`` term;
- throttling and faults: :meth:`GraphServer.fail_next` queues 429/503/504
  answers with a ``Retry-After`` in seconds, as an HTTP date, or none (and 500
  for a damaged item, matched by path); more than 4
  concurrent requests to one mailbox get a 429, as Exchange Online does.

The certificate is self-signed and made by the fixture with ``cryptography``.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import email.utils
import ipaddress
import json
import re
import secrets
import ssl
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

READ_ROLES = {"Mail.Read", "Mail.ReadBasic", "Mail.ReadBasic.All", "Mail.ReadWrite"}
ALL_ROLES = ("Mail.Read", "Mail.ReadBasic", "Mail.ReadBasic.All", "Mail.ReadWrite", "Mail.Send")
WELL_KNOWN = (
    "msgfolderroot",
    "inbox",
    "sentitems",
    "deleteditems",
    "drafts",
    "archive",
    "junkemail",
    "outbox",
)
ACCESS_POLICY_MESSAGE = (
    "Access to OData is disabled: [RAOP] : Blocked by tenant configured "
    "AppOnly AccessPolicy settings."
)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1: (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "graph-test-server.localhost")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "graph-cert.pem", folder / "graph-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class App:
    """A registered application: its secret, whether it expired, its granted roles."""

    client_id: str
    secret: str
    roles: set[str] = field(default_factory=lambda: set(ALL_ROLES))
    secret_expired: bool = False


@dataclass
class Folder:
    """A mail folder."""

    id: str
    name: str
    parent: str
    well_known: str = ""


@dataclass
class Message:
    """A message in a mailbox: the MIME bytes and the properties listed from it."""

    id: str
    folder: str
    raw: bytes
    received: dt.datetime
    internet_message_id: str
    subject: str
    sender: str
    is_draft: bool = False


@dataclass
class Mailbox:
    """One Exchange Online mailbox."""

    user: str
    folders: dict[str, Folder] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    #: Addresses this mailbox has Send As permission on (its own always works).
    send_as: set[str] = field(default_factory=set)
    #: An Application Access Policy that excludes this mailbox.
    blocked_by_policy: bool = False

    def folder(self, key: str) -> Folder | None:
        """A folder by id or well-known name."""
        if key in self.folders:
            return self.folders[key]
        return next((f for f in self.folders.values() if f.well_known == key.lower()), None)

    def in_folder(self, folder: str) -> list[Message]:
        """The messages of one folder."""
        return [m for m in self.messages.values() if m.folder == folder]


@dataclass
class Sent:
    """A message sendMail accepted."""

    mailbox: str
    sender: str
    recipients: list[str]
    raw: bytes
    message_id: str


@dataclass
class Fault:
    """A queued error answer."""

    status: int
    retry_after: str | None
    path_contains: str


def _new_id() -> str:
    return "AAMk" + base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("=")


def _graph_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class GraphServer:
    """The stand-in (see the module docstring). Start with :meth:`start`.

    Args:
        folder: where the certificate is written.
        tenant_id: the one tenant it knows.
        token_lifetime: ``expires_in`` of issued tokens, in seconds.
        delay: seconds each Graph request takes (to make concurrency visible).
    """

    def __init__(
        self, folder: Path, *, tenant_id: str = "", token_lifetime: int = 3599, delay: float = 0.0
    ) -> None:
        self.folder = folder
        self.tenant_id = tenant_id or str(uuid.uuid4())
        self.token_lifetime = token_lifetime
        self.delay = delay
        self.apps: dict[str, App] = {}
        self.mailboxes: dict[str, Mailbox] = {}
        self.tokens: dict[str, tuple[str, set[str], float]] = {}
        self.token_requests = 0
        self.requests: list[tuple[str, str]] = []
        self.sent: list[Sent] = []
        self.faults: list[Fault] = []
        self.max_concurrent: dict[str, int] = defaultdict(int)
        self._in_flight: dict[str, int] = defaultdict(int)
        self.lock = threading.RLock()
        self.cert, self.key = make_certificate(folder)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- set-up ---------------------------------------------------------------

    @property
    def authority(self) -> str:
        """The ``authority`` setting that points msal here."""
        return f"https://localhost:{self.port}"

    @property
    def graph_url(self) -> str:
        """The ``graph_url`` setting that points the connector here."""
        return f"https://localhost:{self.port}/v1.0"

    def add_app(
        self, client_id: str = "", secret: str = "", *, roles: set[str] | None = None
    ) -> App:
        """Register an application (all five mail permissions unless ``roles``)."""
        app = App(
            client_id or str(uuid.uuid4()),
            secret or secrets.token_urlsafe(24),
            set(ALL_ROLES) if roles is None else set(roles),
        )
        with self.lock:
            self.apps[app.client_id] = app
        return app

    def add_mailbox(self, user: str, *, send_as: set[str] | None = None) -> Mailbox:
        """Create a mailbox with the well-known folders."""
        box = Mailbox(user.lower(), send_as={a.lower() for a in send_as or set()})
        root = Folder(_new_id(), "Top of Information Store", "", "msgfolderroot")
        box.folders[root.id] = root
        names = {
            "inbox": "Inbox",
            "sentitems": "Sent Items",
            "deleteditems": "Deleted Items",
            "drafts": "Drafts",
            "archive": "Archive",
            "junkemail": "Junk Email",
            "outbox": "Outbox",
        }
        for well_known, name in names.items():
            folder = Folder(_new_id(), name, root.id, well_known)
            box.folders[folder.id] = folder
        with self.lock:
            self.mailboxes[box.user] = box
        return box

    def deliver(
        self, user: str, raw: bytes, *, received: dt.datetime | None = None, folder: str = "inbox"
    ) -> str:
        """Put a message in a folder (default: the inbox); return its id."""
        parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
        with self.lock:
            box = self.mailboxes[user.lower()]
            target = box.folder(folder)
            assert target is not None
            message = Message(
                _new_id(),
                target.id,
                raw,
                received or dt.datetime.now(dt.UTC),
                str(parsed.get("Message-ID", "") or "").strip(),
                str(parsed.get("Subject", "") or ""),
                email.utils.parseaddr(str(parsed.get("From", "")))[1],
            )
            box.messages[message.id] = message
            return message.id

    def fail_next(
        self,
        count: int,
        *,
        status: int = 429,
        retry_after: str | None = "1",
        path_contains: str = "",
    ) -> None:
        """Answer the next ``count`` Graph requests (matching ``path_contains``) with ``status``.

        ``retry_after`` is sent as the Retry-After header as is (seconds or an
        HTTP date); None sends no Retry-After.
        """
        with self.lock:
            self.faults.extend(Fault(status, retry_after, path_contains) for _ in range(count))

    def folder_messages(self, user: str, folder: str) -> list[Message]:
        """The messages in a folder, by well-known name, id or display name."""
        with self.lock:
            box = self.mailboxes[user.lower()]
            target = box.folder(folder) or next(
                (f for f in box.folders.values() if f.name == folder), None
            )
            return [] if target is None else box.in_folder(target.id)

    # -- life cycle -------------------------------------------------------------

    def start(self) -> GraphServer:
        """Listen on a free loopback port, in a background thread."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        server = self

        class Handler(_Handler):
            graph = server

        class Httpd(ThreadingHTTPServer):
            daemon_threads = True

            def finish_request(self, request: Any, client_address: Any) -> None:
                # The TLS handshake happens here, in the connection's own thread.
                try:
                    tls = context.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                super().finish_request(tls, client_address)

            def handle_error(self, request: Any, client_address: Any) -> None:
                # A client killed mid-request (the crash tests do that) is expected.
                pass

        self._httpd = Httpd(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    # -- sign-in -------------------------------------------------------------

    def openid_configuration(self, tenant: str) -> tuple[int, dict[str, Any]]:
        """The OpenID configuration msal reads first."""
        if tenant != self.tenant_id:
            return 400, {
                "error": "invalid_tenant",
                "error_codes": [90002],
                "error_description": f"AADSTS90002: Tenant '{tenant}' not found. "
                "Check to make sure you have the correct tenant ID.",
            }
        base = f"{self.authority}/{tenant}"
        return 200, {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def issue_token(self, tenant: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The client-credentials token endpoint."""
        with self.lock:
            self.token_requests += 1
            app = self.apps.get(form.get("client_id", ""))
        if tenant != self.tenant_id:
            return 400, {
                "error": "invalid_request",
                "error_codes": [90002],
                "error_description": f"AADSTS90002: Tenant '{tenant}' not found.",
            }
        if form.get("grant_type") != "client_credentials":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "AADSTS70003: The app requested an unsupported grant type.",
            }
        if app is None:
            return 400, {
                "error": "unauthorized_client",
                "error_codes": [700016],
                "error_description": f"AADSTS700016: Application with identifier "
                f"'{form.get('client_id')}' was not found in the directory.",
            }
        if form.get("client_secret") != app.secret:
            return 401, {
                "error": "invalid_client",
                "error_codes": [7000215],
                "error_description": "AADSTS7000215: Invalid client secret provided. "
                "Ensure the secret being sent in the request is the client secret "
                "value, not the client secret ID, for a secret added to app "
                f"'{app.client_id}'.",
            }
        if app.secret_expired:
            return 401, {
                "error": "invalid_client",
                "error_codes": [7000222],
                "error_description": "AADSTS7000222: The provided client secret keys "
                f"for app '{app.client_id}' are expired. Visit the Azure portal to "
                "create new keys for your app.",
            }
        if form.get("scope") != "https://graph.microsoft.com/.default":
            return 400, {
                "error": "invalid_scope",
                "error_description": "AADSTS1002012: The provided value for scope is not valid.",
            }
        expires = time.time() + self.token_lifetime
        header = _b64url(json.dumps({"typ": "JWT", "alg": "none"}).encode())
        claims = {
            "aud": "https://graph.microsoft.com",
            "tid": tenant,
            "appid": app.client_id,
            "roles": sorted(app.roles),
            "exp": int(expires),
            "jti": secrets.token_hex(8),
        }
        token = f"{header}.{_b64url(json.dumps(claims).encode())}.not-signed"
        with self.lock:
            self.tokens[token] = (app.client_id, set(app.roles), expires)
        return 200, {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": token,
        }


def _error(code: str, message: str) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": now,
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }


class _Reply(Exception):
    """Raised inside a route to answer at once."""

    def __init__(
        self,
        status: int,
        body: dict[str, Any] | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _denied(message: str = "Access is denied. Check credentials and try again.") -> _Reply:
    return _Reply(403, _error("ErrorAccessDenied", message))


def _odata_string(value: str) -> str:
    return value[1:-1].replace("''", "'") if value.startswith("'") else value


def _filters(text: str) -> list[tuple[str, str, str]]:
    terms = []
    for clause in re.split(r"\s+and\s+", text.strip()):
        match = re.fullmatch(r"(\w+)\s+(eq|ne|ge|gt|le|lt)\s+(.+)", clause.strip())
        if match is None:
            raise _Reply(400, _error("BadRequest", f"Invalid filter clause: {clause}"))
        terms.append((match.group(1), match.group(2), _odata_string(match.group(3).strip())))
    return terms


def _message_json(message: Message, box: Mailbox, select: list[str] | None) -> dict[str, Any]:
    parsed = email.message_from_bytes(message.raw, policy=email.policy.compat32)
    full: dict[str, Any] = {
        "id": message.id,
        "@odata.etag": 'W/"' + message.id[-8:] + '"',
        "receivedDateTime": _graph_time(message.received),
        "sentDateTime": _graph_time(message.received),
        "subject": message.subject,
        "internetMessageId": message.internet_message_id,
        "parentFolderId": message.folder,
        "isDraft": message.is_draft,
        "isRead": False,
        "from": {"emailAddress": {"address": message.sender, "name": ""}},
        "toRecipients": [
            {"emailAddress": {"address": a, "name": n}}
            for n, a in email.utils.getaddresses(parsed.get_all("To", []))
        ],
        "bodyPreview": "",
    }
    if select is None:
        return full
    return {k: v for k, v in full.items() if k in select or k in ("id", "@odata.etag")}


class _Handler(BaseHTTPRequestHandler):
    graph: GraphServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # -- plumbing -------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: dict[str, Any] | bytes | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if isinstance(body, dict):
            data = json.dumps(body).encode()
            kind = "application/json; odata.metadata=minimal"
        else:
            data = body or b""
            kind = "message/rfc822" if data else ""
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        body = self._body()
        graph = self.graph
        with graph.lock:
            graph.requests.append((method, self.path))
        try:
            if path.startswith("/v1.0/"):
                status, payload, headers = self._graph(method, path, query, body)
            else:
                status, payload = self._sign_in(method, path, body)
                headers = {}
        except _Reply as reply:
            status, payload, headers = reply.status, reply.body, reply.headers
        self._send(status, payload, headers)

    def _sign_in(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")
        if method == "GET" and path.endswith("/v2.0/.well-known/openid-configuration"):
            return self.graph.openid_configuration(parts[0])
        if method == "POST" and path.endswith("/oauth2/v2.0/token"):
            form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
            return self.graph.issue_token(parts[0], form)
        return 404, {"error": "not_found", "error_description": path}

    # -- Graph ---------------------------------------------------------------------

    def _graph(
        self, method: str, path: str, query: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any] | bytes | None, dict[str, str]]:
        graph = self.graph
        roles = self._authorize()
        match = re.fullmatch(r"/v1\.0/users/([^/]+)(/.*)?", path)
        if match is None:
            raise _Reply(400, _error("BadRequest", f"Unsupported path {path}"))
        user, rest = match.group(1).lower(), match.group(2) or ""
        fault = self._fault(path)
        if fault is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            code, words = {
                429: ("TooManyRequests", "Application is over its MailboxConcurrency limit."),
                500: ("ErrorInternalServerError", "An internal server error occurred."),
            }.get(fault.status, ("ServiceUnavailable", "Service unavailable."))
            raise _Reply(fault.status, _error(code, words), headers)
        with graph.lock:
            box = graph.mailboxes.get(user)
            if box is None:
                raise _Reply(
                    404, _error("ErrorInvalidUser", f"The requested user '{user}' is invalid.")
                )
            if box.blocked_by_policy:
                raise _denied(ACCESS_POLICY_MESSAGE)
            graph._in_flight[user] += 1
            concurrent = graph._in_flight[user]
            graph.max_concurrent[user] = max(graph.max_concurrent[user], concurrent)
        try:
            if concurrent > 4:
                raise _Reply(
                    429,
                    _error(
                        "ApplicationThrottled", "Application is over its MailboxConcurrency limit."
                    ),
                    {"Retry-After": "1"},
                )
            if graph.delay:
                time.sleep(graph.delay)
            with graph.lock:
                return self._mail(method, box, rest, query, body, roles)
        finally:
            with graph.lock:
                graph._in_flight[user] -= 1

    def _authorize(self) -> set[str]:
        header = self.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        with self.graph.lock:
            known = self.graph.tokens.get(token)
        if known is None:
            raise _Reply(
                401,
                _error(
                    "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid audience.",
                ),
            )
        if known[2] < time.time():
            raise _Reply(
                401,
                _error(
                    "InvalidAuthenticationToken",
                    "Lifetime validation failed, the token is expired.",
                ),
            )
        return known[1]

    def _fault(self, path: str) -> Fault | None:
        with self.graph.lock:
            for index, fault in enumerate(self.graph.faults):
                if fault.path_contains in path:
                    return self.graph.faults.pop(index)
        return None

    def _mail(
        self,
        method: str,
        box: Mailbox,
        rest: str,
        query: dict[str, str],
        body: bytes,
        roles: set[str],
    ) -> tuple[int, dict[str, Any] | bytes | None, dict[str, str]]:
        if not roles & READ_ROLES and not (rest == "/sendMail" and "Mail.Send" in roles):
            raise _denied()
        write = method in ("POST", "DELETE", "PATCH")
        if rest == "/sendMail" and method == "POST":
            if "Mail.Send" not in roles:
                raise _denied()
            return self._send_mail(box, body)
        if write and "Mail.ReadWrite" not in roles:
            raise _denied()
        if match := re.fullmatch(r"/mailFolders/([^/]+)/messages", rest):
            folder = self._folder(box, match.group(1))
            if method == "POST":
                return self._create_message(box, folder, body)
            return self._list(box, folder, query)
        if match := re.fullmatch(r"/mailFolders(?:/([^/]+)/childFolders)?", rest):
            parent = self._folder(box, match.group(1) or "msgfolderroot")
            if method == "POST":
                return self._create_folder(box, parent, body)
            return self._list_folders(box, parent, query)
        if match := re.fullmatch(r"/mailFolders/([^/]+)", rest):
            folder = self._folder(box, match.group(1))
            count = len(box.in_folder(folder.id))
            return (
                200,
                {
                    "id": folder.id,
                    "displayName": folder.name,
                    "parentFolderId": folder.parent,
                    "totalItemCount": count,
                    "unreadItemCount": count,
                    "childFolderCount": 0,
                },
                {},
            )
        if rest == "/messages" and method == "POST":
            return self._create_message(box, self._folder(box, "drafts"), body)
        if match := re.fullmatch(r"/messages/([^/]+)(/\$value|/move)?", rest):
            message = box.messages.get(match.group(1))
            if message is None:
                raise _Reply(
                    404,
                    _error("ErrorItemNotFound", "The specified object was not found in the store."),
                )
            action = match.group(2) or ""
            if action == "/$value" and method == "GET":
                if not roles & {"Mail.Read", "Mail.ReadWrite"}:
                    raise _denied()
                return 200, message.raw, {}
            if action == "/move" and method == "POST":
                return self._move(box, message, body)
            if not action and method == "DELETE":
                del box.messages[message.id]
                return 204, None, {}
            if not action and method == "GET":
                return 200, _message_json(message, box, None), {}
        raise _Reply(400, _error("BadRequest", f"Unsupported {method} {rest}"))

    def _folder(self, box: Mailbox, key: str) -> Folder:
        folder = box.folder(key)
        if folder is None:
            raise _Reply(
                404,
                _error(
                    "ErrorInvalidIdMalformed" if key not in WELL_KNOWN else "ErrorItemNotFound",
                    "The specified folder could not be found in the store.",
                ),
            )
        return folder

    def _list(
        self, box: Mailbox, folder: Folder, query: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        items = box.in_folder(folder.id)
        terms = _filters(query["$filter"]) if "$filter" in query else []
        order = query.get("$orderby", "receivedDateTime desc").split()
        if terms and "$orderby" in query and terms[0][0] != order[0]:
            raise _Reply(
                400,
                _error(
                    "InefficientFilter",
                    "The restriction or sort order is too complex for this operation.",
                ),
            )
        for prop, op, value in terms:
            items = [m for m in items if self._matches(m, prop, op, value)]
        reverse = len(order) > 1 and order[1].lower() == "desc"
        items.sort(key=lambda m: (m.received, m.id), reverse=reverse)
        top = int(query.get("$top", "10"))
        skip = int(query.get("$skip", "0"))
        select = query["$select"].split(",") if "$select" in query else None
        page = items[skip : skip + top]
        result: dict[str, Any] = {"value": [_message_json(m, box, select) for m in page]}
        if skip + top < len(items):
            next_query = dict(query, **{"$skip": str(skip + top)})
            result["@odata.nextLink"] = (
                f"{self.graph.graph_url}/users/{quote(box.user)}/"
                f"mailFolders/{quote(folder.id)}/messages?"
                f"{urlencode(next_query)}"
            )
        return 200, result, {}

    @staticmethod
    def _matches(message: Message, prop: str, op: str, value: str) -> bool:
        if prop == "receivedDateTime":
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            have = message.received.replace(microsecond=0)
            return {
                "eq": have == when,
                "ne": have != when,
                "ge": have >= when,
                "gt": have > when,
                "le": have <= when,
                "lt": have < when,
            }[op]
        if prop == "internetMessageId" and op == "eq":
            return message.internet_message_id == value
        raise _Reply(400, _error("BadRequest", f"Unsupported filter on {prop}"))

    def _list_folders(
        self, box: Mailbox, parent: Folder, query: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        folders = [f for f in box.folders.values() if f.parent == parent.id]
        for prop, op, value in _filters(query["$filter"]) if "$filter" in query else []:
            if prop != "displayName" or op != "eq":
                raise _Reply(400, _error("BadRequest", f"Unsupported filter on {prop}"))
            folders = [f for f in folders if f.name.lower() == value.lower()]
        return (
            200,
            {
                "value": [
                    {"id": f.id, "displayName": f.name, "parentFolderId": f.parent} for f in folders
                ]
            },
            {},
        )

    def _create_folder(
        self, box: Mailbox, parent: Folder, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        name = str(json.loads(body or b"{}").get("displayName", ""))
        if any(
            f.parent == parent.id and f.name.lower() == name.lower() for f in box.folders.values()
        ):
            raise _Reply(
                409, _error("ErrorFolderExists", "A folder with the specified name already exists.")
            )
        folder = Folder(_new_id(), name, parent.id)
        box.folders[folder.id] = folder
        return 201, {"id": folder.id, "displayName": name, "parentFolderId": parent.id}, {}

    def _move(
        self, box: Mailbox, message: Message, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        target = self._folder(box, str(json.loads(body or b"{}").get("destinationId", "")))
        del box.messages[message.id]
        # Graph gives a moved message a new id unless immutable ids were asked for.
        if "immutableid" not in self.headers.get("Prefer", "").lower().replace('"', ""):
            message.id = _new_id()
        message.folder = target.id
        box.messages[message.id] = message
        return 201, _message_json(message, box, None), {}

    def _create_message(
        self, box: Mailbox, folder: Folder, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        data = json.loads(body or b"{}")
        raw = f"Subject: {data.get('subject', '')}\r\n\r\n".encode()
        message = Message(
            _new_id(),
            folder.id,
            raw,
            dt.datetime.now(dt.UTC),
            "",
            str(data.get("subject", "")),
            box.user,
            is_draft=True,
        )
        box.messages[message.id] = message
        return 201, _message_json(message, box, None), {}

    def _send_mail(self, box: Mailbox, body: bytes) -> tuple[int, None, dict[str, str]]:
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("text/plain"):
            try:
                raw = base64.b64decode(body, validate=True)
            except ValueError:
                raise _Reply(
                    400,
                    _error(
                        "ErrorMimeContentInvalidBase64String",
                        "Invalid base64 string for MIME content.",
                    ),
                ) from None
            parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
            sender = email.utils.parseaddr(str(parsed.get("From", "")))[1].lower()
            recipients = [
                a
                for _, a in email.utils.getaddresses(
                    parsed.get_all("To", []) + parsed.get_all("Cc", []) + parsed.get_all("Bcc", [])
                )
                if a
            ]
            message_id = str(parsed.get("Message-ID", "") or "").strip()
        else:
            data = json.loads(body or b"{}").get("message", {})
            sender = str(data.get("from", {}).get("emailAddress", {}).get("address", box.user))
            recipients = [
                r["emailAddress"]["address"]
                for key in ("toRecipients", "ccRecipients", "bccRecipients")
                for r in data.get(key, [])
            ]
            message_id = ""
            raw = json.dumps(data).encode()
        if sender and sender != box.user and sender not in box.send_as:
            raise _Reply(
                403,
                _error(
                    "ErrorSendAsDenied",
                    "The user account which was used to "
                    "submit this request does not have the right to send "
                    "mail on behalf of the specified sending account.",
                ),
            )
        if not recipients:
            raise _Reply(
                400, _error("ErrorInvalidRecipients", "At least one recipient is not valid.")
            )
        message_id = message_id or f"<{uuid.uuid4().hex}@graph.test>"
        self.graph.sent.append(Sent(box.user, sender, recipients, raw, message_id))
        sent_items = box.folder("sentitems")
        assert sent_items is not None
        copy = Message(
            _new_id(), sent_items.id, raw, dt.datetime.now(dt.UTC), message_id, "", sender
        )
        box.messages[copy.id] = copy
        return 202, None, {}
