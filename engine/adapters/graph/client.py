"""An httpx client for one mailbox on Microsoft Graph, with tokens, throttling and limits.

Tokens come from msal's ``ConfidentialClientApplication`` (client credentials,
scope ``https://graph.microsoft.com/.default``). msal caches the token and
treats it as expired five minutes early, so every request asks msal and a
token is renewed before it runs out; a 401 from Graph drops the cache once.

Microsoft allows 4 concurrent requests per app and mailbox, so every client of
the same mailbox in this process shares one :class:`MailboxGate` (a semaphore
of 4 and the time Graph told us to wait until). 429, 503 and 504 answers honour
``Retry-After`` (seconds or an HTTP date); without it the wait grows
exponentially up to a cap. A wait Graph asks for is reported to the health
sink as "throttled until ..." while it lasts.
"""

from __future__ import annotations

import contextlib
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import msal

from engine.adapters.graph.errors import (
    GraphAuthError,
    GraphError,
    GraphThrottled,
    GraphUnavailable,
    explain_graph_error,
    explain_token_error,
)
from engine.config.model import GraphConfig
from engine.config.secrets import SecretError, read_secret

SCOPE = "https://graph.microsoft.com/.default"
#: Microsoft's limit of concurrent requests per app and mailbox.
MAX_CONCURRENT = 4
#: Answers that mean "not now": Retry-After is honoured.
RETRY_STATUSES = (429, 503, 504)
#: Sign-in hosts msal knows; any other authority (tests, private clouds) skips
#: instance discovery, which would otherwise ask login.microsoftonline.com.
KNOWN_AUTHORITY_HOSTS = (
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
    "login.microsoftonline.de",
    "login.windows.net",
    "login.microsoft.com",
    "sts.windows.net",
)

#: ``(state, detail)`` -> None; state is "ok", "warn" (throttled) or "error".
HealthSink = Callable[[str, str], None]


class MailboxGate:
    """What all clients of one mailbox share: 4 request slots and the throttle deadline."""

    def __init__(self) -> None:
        self.slots = threading.BoundedSemaphore(MAX_CONCURRENT)
        self._lock = threading.Lock()
        self._until = 0.0  # time.monotonic() before which no request may start
        self._until_utc: datetime | None = None

    def throttle(self, seconds: float) -> datetime:
        """Hold every request for ``seconds`` from now (never shortens a longer hold)."""
        with self._lock:
            until = time.monotonic() + seconds
            if until > self._until:
                self._until = until
                self._until_utc = datetime.now(UTC) + timedelta(seconds=seconds)
            assert self._until_utc is not None
            return self._until_utc

    def remaining(self) -> tuple[float, datetime | None]:
        """Seconds left to wait (0 when not throttled) and the UTC deadline."""
        with self._lock:
            left = self._until - time.monotonic()
            return (left, self._until_utc) if left > 0 else (0.0, None)


_GATES: dict[tuple[str, str], MailboxGate] = {}
_GATES_LOCK = threading.Lock()


def gate_for(graph_url: str, user: str) -> MailboxGate:
    """The process-wide gate of one mailbox (created on first use)."""
    key = (graph_url.rstrip("/").lower(), user.lower())
    with _GATES_LOCK:
        return _GATES.setdefault(key, MailboxGate())


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date).

    Returns:
        The wait, at least 0; None when the header is missing or unreadable.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """Verification for both msal and Graph: the system roots, or ``ca_file``.

    An explicit context, because httpx's ``verify=True`` defers to
    ``REQUESTS_CA_BUNDLE``/``SSL_CERT_FILE`` when they are set in the environment.
    """
    return ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()


class GraphClient:
    """Authenticated, throttled requests to Graph on behalf of one master mailbox.

    Safe to use from several threads; nothing touches the network until the
    first request.

    Args:
        config: ``[server.graph]``.
        health: told about throttling, sign-in failures and recovery.
        max_inline_wait: the longest Retry-After waited inside a call; longer
            waits raise :class:`GraphThrottled` at once so the engine can go on
            with other work (the gate still holds later requests back).
        backoff_base: first wait when 429/503/504 comes without Retry-After.
        backoff_cap: the longest such wait.
        max_attempts: tries per call before giving up.
        timeout: seconds for each HTTP request.
    """

    def __init__(
        self,
        config: GraphConfig,
        *,
        health: HealthSink | None = None,
        max_inline_wait: float = 120.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        max_attempts: int = 8,
        timeout: float = 60.0,
    ) -> None:
        self.config = config
        self.user = config.user
        self.base = config.graph_url.rstrip("/")
        self.user_path = f"/users/{quote(config.user, safe='@.')}"
        self.gate = gate_for(self.base, config.user)
        self.health = health
        self.max_inline_wait = max_inline_wait
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_attempts = max_attempts
        self._context = ssl_context(str(config.ca_file) if config.ca_file else None)
        self._timeout = timeout
        self._http = httpx.Client(
            verify=self._context, timeout=timeout, headers={"Prefer": 'IdType="ImmutableId"'}
        )
        self._token_http: httpx.Client | None = None
        self._app: msal.ConfidentialClientApplication | None = None
        self._token_lock = threading.Lock()
        self._health_state = ""
        #: The last access token (Test Connection reads its ``roles`` claim).
        self.last_token: str = ""
        self._last_throttle = ""

    # -- tokens -------------------------------------------------------------

    def secret_source(self) -> str:
        """Where the client secret is read from, in words (never the secret)."""
        if self.config.client_secret_env:
            return f"environment variable {self.config.client_secret_env}"
        if self.config.client_secret_file:
            return f"file {self.config.client_secret_file}"
        return "client_secret_env / client_secret_file (neither is set)"

    def _build_app(self) -> msal.ConfidentialClientApplication:
        try:
            secret = read_secret(
                self.config.client_secret_env,
                self.config.client_secret_file,
                "the Graph client secret",
            )
        except SecretError as exc:
            raise GraphAuthError(
                f"Cannot get a Microsoft Graph token: {exc}.", permanent=True
            ) from None
        authority = f"{self.config.authority.rstrip('/')}/{self.config.tenant_id}"
        host = (urlsplit(authority).hostname or "").lower()
        if self._token_http is None:
            self._token_http = httpx.Client(verify=self._context, timeout=self._timeout)
        try:
            return msal.ConfidentialClientApplication(
                self.config.client_id,
                client_credential=secret,
                authority=authority,
                http_client=self._token_http,
                instance_discovery=host in KNOWN_AUTHORITY_HOSTS,
            )
        except ValueError:
            # msal raises ValueError when the OpenID configuration cannot be read:
            # a tenant that does not exist, or an authority that is not https.
            raise GraphAuthError(
                f"Cannot get a Microsoft Graph token: tenant (directory) id "
                f"{self.config.tenant_id} is not known at {authority}; check tenant_id "
                "(and authority, for national clouds).",
                permanent=True,
            ) from None
        except httpx.HTTPError as exc:
            raise GraphUnavailable(
                f"Cannot reach the sign-in service at {authority}: {_http_words(exc)}.",
                kind=_http_kind(exc),
            ) from None

    def token(self) -> str:
        """A valid access token, from msal's cache or a new request.

        Raises:
            GraphAuthError: the secret, client id or tenant is wrong or expired.
            GraphUnavailable: the sign-in service cannot be reached.
        """
        with self._token_lock:
            try:
                if self._app is None:
                    self._app = self._build_app()
                result: dict[str, Any] = self._app.acquire_token_for_client(scopes=[SCOPE])
            except GraphError as exc:
                self._report("error", str(exc))
                raise
            except httpx.HTTPError as exc:
                error = GraphUnavailable(
                    f"Cannot reach the sign-in service: {_http_words(exc)}.", kind=_http_kind(exc)
                )
                self._report("error", str(error))
                raise error from None
            except ValueError:
                # msal raises it when the token endpoint answers with something
                # that is not JSON (a proxy's error page, say).
                error = GraphUnavailable(
                    "Cannot get a Microsoft Graph token: the sign-in service answered "
                    "with something that is not a token."
                )
                self._report("error", str(error))
                raise error from None
            if "access_token" not in result:
                # A fresh app re-reads the secret next time, so a corrected
                # secret file or variable is picked up without a restart.
                self._app = None
                auth = explain_token_error(
                    result,
                    tenant_id=self.config.tenant_id,
                    client_id=self.config.client_id,
                    secret_source=self.secret_source(),
                )
                self._report("error", str(auth))
                raise auth
            self.last_token = str(result["access_token"])
            return self.last_token

    def forget_token(self) -> None:
        """Drop the cached token so the next request signs in again."""
        with self._token_lock:
            self._app = None

    # -- requests -------------------------------------------------------------

    def url(self, path: str) -> str:
        """An absolute URL: ``path`` under the mailbox's ``/users/{user}``, or as is."""
        if path.startswith(("https://", "http://")):
            return path
        return f"{self.base}{self.user_path}{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        json: object = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
        idempotent: bool = True,
    ) -> httpx.Response:
        """Send one request, waiting out throttling and renewing the token as needed.

        Args:
            method: HTTP method.
            path: a path under ``/users/{user}`` (``/mailFolders/inbox``) or an
                absolute URL (an ``@odata.nextLink``, used as is).
            what: what this does, in words, for error messages.
            params: query parameters (not for absolute URLs).
            json: a JSON body.
            content: a raw body.
            headers: extra headers.
            ok: statuses that mean success.
            idempotent: False for requests that must not be repeated blindly
                (sendMail): a 504 or a lost connection is not retried, since the
                request may have been carried out.

        Raises:
            GraphError: a subclass saying what went wrong, in words.
        """
        url = self.url(path)
        refreshed = False
        for attempt in range(self.max_attempts):
            self._wait_for_gate(what)
            token = self.token()
            send_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
            try:
                with self.gate.slots:
                    response = self._http.request(
                        method, url, params=params, json=json, content=content, headers=send_headers
                    )
            except httpx.InvalidURL as exc:
                raise GraphError(
                    f"{what}: {url} is not a usable URL ({exc}); check graph_url under "
                    "[server.graph]",
                    permanent=True,
                ) from None
            except httpx.HTTPError as exc:
                if not idempotent or attempt == self.max_attempts - 1:
                    raise GraphUnavailable(
                        f"{what}: {_http_words(exc)}.", kind=_http_kind(exc)
                    ) from None
                time.sleep(self._backoff(attempt))
                continue
            if response.status_code in ok:
                self._report(
                    "ok",
                    f"Microsoft Graph: mailbox {self.user} reachable"
                    + (f"; last {self._last_throttle}" if self._last_throttle else ""),
                )
                return response
            if response.status_code == 401 and not refreshed:
                refreshed = True
                self.forget_token()
                continue
            if response.status_code in RETRY_STATUSES and (
                idempotent or response.status_code != 504
            ):
                self._throttled(response, attempt, what)
                continue
            error = explain_graph_error(
                response.status_code,
                _json_or_empty(response),
                method=method,
                what=what,
                mailbox=self.user,
            )
            if error.status in (401, 403):
                self._report("error", str(error))
            raise error
        _, until = self.gate.remaining()
        raise GraphThrottled(
            f"{what}: Graph kept refusing ({self.max_attempts} attempts); try again later.",
            until=until or datetime.now(UTC),
        )

    def get_json(
        self, path: str, *, what: str, params: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """GET and decode a JSON object."""
        response = self.request("GET", path, what=what, params=params)
        try:
            body = response.json()
        except ValueError:
            raise GraphError(f"{what}: Graph answered with something that is not JSON.") from None
        if not isinstance(body, dict):
            raise GraphError(f"{what}: Graph answered with unexpected JSON.")
        return body

    def sent_items_has(self, message_id: str) -> bool:
        """Whether the mailbox's Sent Items holds a message with this ``Message-ID``."""
        literal = message_id.replace("'", "''")
        found = self.get_json(
            "/mailFolders/sentitems/messages",
            what="looking in Sent Items",
            params={"$filter": f"internetMessageId eq '{literal}'", "$select": "id", "$top": "1"},
        )
        return bool(found.get("value"))

    def close(self) -> None:
        """Close the HTTP connections; never raises."""
        for client in (self._http, self._token_http):
            try:
                if client is not None:
                    client.close()
            except Exception:
                pass

    # -- throttling -------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        wait = min(self.backoff_cap, self.backoff_base * (2**attempt))
        # Jitter, so that several clients told "not now" do not return together.
        return float(wait * (0.8 + 0.4 * random.random()))

    def _throttled(self, response: httpx.Response, attempt: int, what: str) -> None:
        asked = parse_retry_after(response.headers.get("Retry-After"))
        wait = asked if asked is not None else self._backoff(attempt)
        until = self.gate.throttle(wait)
        how = (
            f"Retry-After {asked:g} s"
            if asked is not None
            else f"no Retry-After, backing off {wait:.1f} s"
        )
        self._last_throttle = (
            f"throttled until {until.isoformat(timespec='seconds')} ({response.status_code}, {how})"
        )
        self._report(
            "warn",
            f"throttled until {until.isoformat(timespec='seconds')} by Microsoft "
            f"Graph ({response.status_code}, {how}) while {what}",
        )

    def _wait_for_gate(self, what: str) -> None:
        left, until = self.gate.remaining()
        if left <= 0:
            return
        if left > self.max_inline_wait:
            assert until is not None
            raise GraphThrottled(
                f"{what}: Microsoft Graph throttled mailbox {self.user} until "
                f"{until.isoformat(timespec='seconds')}.",
                until=until,
            )
        time.sleep(left)

    def _report(self, state: str, detail: str) -> None:
        # Only changes are reported, so a healthy client writes nothing per request.
        if self.health is None or (state == self._health_state == "ok"):
            return
        self._health_state = state
        # Health reporting must never break the mail flow.
        with contextlib.suppress(Exception):
            self.health(state, detail)


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _http_kind(exc: httpx.HTTPError) -> str:
    """The MailServerError kind of a failed request: what the cause chain holds."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    cause: BaseException | None = exc
    for _ in range(8):  # httpx wraps httpcore, which wraps the socket's error
        if cause is None:
            break
        if isinstance(cause, socket.gaierror):
            return "host"
        if isinstance(cause, ssl.SSLError):
            return "tls"
        if isinstance(cause, ConnectionRefusedError):
            return "refused"
        cause = cause.__cause__ or cause.__context__
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return "tls"
    return "refused" if isinstance(exc, httpx.ConnectError) else "protocol"


def _http_words(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        reason = str(exc) or "connection refused"
        if "CERTIFICATE_VERIFY_FAILED" in reason:
            return (
                "the server's TLS certificate is not trusted (set ca_file under "
                "[server.graph] if a proxy or private cloud uses its own CA)"
            )
        return f"cannot connect ({reason})"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    return f"{exc.__class__.__name__}: {exc}"
