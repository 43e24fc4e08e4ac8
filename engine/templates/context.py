"""What a template is filled with: plain data about one e-mail and its people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TemplateContext:
    """The values behind the replaceable identifiers of one rendering.

    Every field defaults to empty: identifiers that do not apply (the
    received time of a new outgoing e-mail, the customer of a mail that came
    in without a chat or call) render as an empty string.

    Attributes:
        subject: the e-mail's subject.
        from_name: the sender's display name.
        from_address: the sender's bare address.
        received: when the e-mail arrived (an aware datetime), if it did.
        service_access: the service access name.
        service_group: the service group name.
        service_group_email: the service group's own e-mail address.
        agent_name: the agent's full name.
        agent_first_name: the agent's first name, if defined.
        agent_last_name: the agent's last name, if defined.
        agent_chat_name: the agent's chat display name; empty means the agent name.
        customer_name: the customer's name (chat or call related mail).
        customer_email: the customer's address (chat related mail).
        customer_id: the customer's identifier (chat related mail).
        customer_number: the customer's phone number (call related mail).
        call_id: the internal call ID.
        locale: the culture name whose short date and time formats apply.
        now: the moment ``$Date$`` and ``$Time$`` show; None means now.
        timezone: an IANA zone name for showing times; None means local time.
    """

    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    received: datetime | None = None
    service_access: str = ""
    service_group: str = ""
    service_group_email: str = ""
    agent_name: str = ""
    agent_first_name: str = ""
    agent_last_name: str = ""
    agent_chat_name: str = ""
    customer_name: str = ""
    customer_email: str = ""
    customer_id: str = ""
    customer_number: str = ""
    call_id: str = ""
    locale: str = "en-US"
    now: datetime | None = None
    timezone: str | None = None
