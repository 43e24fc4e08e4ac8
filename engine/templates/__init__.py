"""E-mail templates: ``$Identifier$`` placeholders, lint and repair, plain text.

Templates serve as default incoming and outgoing messages, automatic
confirmations and signatures (MiCC guide, E-MAIL TEMPLATES). Rendering is a
pure function of the template text and a :class:`TemplateContext`.
"""

from engine.templates.context import TemplateContext
from engine.templates.identifiers import IDENTIFIERS, canonical
from engine.templates.render import (
    RenderedTemplate,
    compile_template,
    is_html_template,
    read_template,
    render,
    render_file,
)
from engine.templates.signatures import Signature, append_signature
from engine.templates.text import html_to_text, sms_text

__all__ = [
    "IDENTIFIERS",
    "RenderedTemplate",
    "Signature",
    "TemplateContext",
    "append_signature",
    "canonical",
    "compile_template",
    "html_to_text",
    "is_html_template",
    "read_template",
    "render",
    "render_file",
    "sms_text",
]
