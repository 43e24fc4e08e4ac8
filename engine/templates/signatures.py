"""Signatures: the agent's or the service group's, appended once.

A signature file is a template like any other (it may use ``$Agent.Name$``),
so callers pass it rendered. Its format follows the message: an HTML
signature under a text message becomes plain text, a text signature under
an HTML message becomes escaped HTML with its line breaks kept.
"""

from __future__ import annotations

import html as htmllib
import re
from typing import Literal

from engine.templates.render import RenderedTemplate
from engine.templates.text import html_to_text

Signature = str | RenderedTemplate
#: Wraps an appended HTML signature so it is recognised as already there.
MARKER = 'class="micc-signature"'
_LOOKS_HTML = re.compile(r"<\s*(html|body|p|div|br|span|table|font|a|b|i|img)\b", re.IGNORECASE)
_BODY = re.compile(r"<body[^>]*>(.*?)(?:</body\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def append_signature(
    body: str,
    *,
    html: bool,
    agent_signature: Signature | None,
    group_signature: Signature | None,
    prefer: Literal["agent", "group"],
) -> str:
    """Append the agent's or the group's signature to a message, once.

    Args:
        body: the message, text or HTML.
        html: True when ``body`` is HTML.
        agent_signature: the agent's rendered signature, if the agent has one.
        group_signature: the service group's rendered signature, if any.
        prefer: which signature wins when both exist.

    Returns:
        ``body`` with the chosen signature appended, or unchanged when there
        is no signature or the signature is already in the message.
    """
    chosen = choose_signature(agent_signature, group_signature, prefer)
    if chosen is None:
        return body
    if html:
        return _append_html(body, _as_html(chosen))
    return _append_text(body, _as_text(chosen))


def choose_signature(
    agent_signature: Signature | None,
    group_signature: Signature | None,
    prefer: Literal["agent", "group"],
) -> Signature | None:
    """The signature in use: the preferred one, else the other; None when both are blank."""
    ordered = (agent_signature, group_signature)
    if prefer == "group":
        ordered = (group_signature, agent_signature)
    return next((s for s in ordered if s is not None and _content(s).strip()), None)


def signature_is_html(signature: Signature) -> bool:
    """Whether a signature is HTML (an HTML file, or text that looks like markup)."""
    return _is_html(signature)


def signature_text(signature: Signature) -> str:
    """The signature as plain text, as a text message carries it."""
    return _as_text(signature)


def signature_block(signature: Signature) -> str:
    """The signature as the HTML block an HTML message carries (marked as the signature)."""
    return f"<div {MARKER}>{_as_html(signature)}</div>\n"


def _content(signature: Signature) -> str:
    return signature.body if isinstance(signature, RenderedTemplate) else signature


def _is_html(signature: Signature) -> bool:
    if isinstance(signature, RenderedTemplate):
        return signature.html
    return _LOOKS_HTML.search(signature) is not None


def _as_text(signature: Signature) -> str:
    content = _content(signature)
    return (html_to_text(content) if _is_html(signature) else content).strip("\r\n")


def _as_html(signature: Signature) -> str:
    content = _content(signature)
    if not _is_html(signature):
        lines = content.strip("\r\n").splitlines()
        return "<br>\n".join(htmllib.escape(line) for line in lines)
    inner = _BODY.search(content)
    return (inner.group(1) if inner else content).strip()


def _append_text(body: str, signature: str) -> str:
    if signature in body:
        return body
    if not body.strip():
        return signature + "\n"
    return body.rstrip("\r\n") + "\n\n" + signature + "\n"


def _append_html(body: str, fragment: str) -> str:
    if MARKER in body or fragment in body:
        return body
    block = f"<div {MARKER}>{fragment}</div>\n"
    ends = list(_BODY_END.finditer(body))
    if not ends:
        return body + ("\n" if body and not body.endswith("\n") else "") + block
    cut = ends[-1].start()
    return body[:cut] + block + body[cut:]
