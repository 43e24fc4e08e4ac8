"""Filling a response's ``$Identifiers$`` when an agent inserts it.

Rendering happens at insertion, not at parsing, because the values (the
customer's name, the subject, the agent) belong to the e-mail being answered.
"""

from __future__ import annotations

from engine.responses.model import RenderedResponse, Response
from engine.templates import TemplateContext


def render_response(response: Response, context: TemplateContext) -> RenderedResponse:
    """Render ``response`` for one reply.

    Args:
        response: The response to insert.
        context: The ``TemplateContext`` of the reply being written.

    Returns:
        The body with identifiers replaced (HTML-escaped in HTML bodies).
    """
    return response.render(context)
