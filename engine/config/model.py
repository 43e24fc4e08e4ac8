"""The tenant described by one TOML file: plain, frozen data.

Names follow the MiCC Enterprise guide: a server (IMAP/SMTP or Microsoft
Graph), service groups, service accesses and agents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict

Encryption = Literal["ssl", "starttls", "none"]
ServerType = Literal["imap", "graph"]
Preset = Literal["gmail", "office365"]
ProcessedPolicy = Literal["delete", "trash", "archive", "keep"]
Role = Literal["agent", "supervisor"]
SignaturePreference = Literal["agent", "group"]
#: How a group's e-mails reach agents: offered to one chosen agent, or taken by agents.
Distribution = Literal["offer", "pull"]
#: Which available agent an e-mail is offered to.
Selection = Literal["longest_idle", "most_skilled"]
#: A path in the file; read as a string, made relative to the file.
FilePath = Annotated[Path, Strict(False)]
Strings = Annotated[tuple[str, ...], Strict(False)]
#: An agent's skill level in a group they belong to but have no level for.
DEFAULT_SKILL = 5


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class StoreConfig(_Section):
    """Where the SQLite store lives."""

    path: FilePath = Path("micc.db")


class ImapConfig(_Section):
    """Incoming server of an IMAP/SMTP tenant."""

    host: str = ""
    port: int | None = None
    encryption: Encryption = "ssl"
    username: str = ""
    password_env: str | None = None
    password_file: FilePath | None = None
    inbox: str = ""
    sent: str = ""
    trash: str = ""
    idle: bool = True
    poll_seconds: float = 30.0
    fetch_batch: int = Field(default=200, ge=1, le=5000)
    #: Set false when the server files sent mail itself (Gmail does).
    append_sent: bool | None = None
    #: A private CA (or self-signed certificate) to trust besides the system's.
    ca_file: FilePath | None = None


class SmtpConfig(_Section):
    """Outgoing server of an IMAP/SMTP tenant."""

    host: str = ""
    port: int | None = None
    encryption: Encryption = "starttls"
    username: str = ""
    password_env: str | None = None
    password_file: FilePath | None = None
    timeout_seconds: float = 60.0
    #: A private CA (or self-signed certificate) to trust besides the system's.
    ca_file: FilePath | None = None


class GraphConfig(_Section):
    """Office 365 through Microsoft Graph with an app's client secret."""

    tenant_id: str = ""
    client_id: str = ""
    client_secret_env: str | None = None
    client_secret_file: FilePath | None = None
    user: str = ""
    outbound_only: bool = False
    authority: str = "https://login.microsoftonline.com"
    graph_url: str = "https://graph.microsoft.com/v1.0"
    ca_file: FilePath | None = None
    #: Graph has no IMAP IDLE here (change notifications need a public URL): poll.
    poll_seconds: float = Field(default=15.0, gt=0)
    #: Messages per listed page and per archive transaction; Graph pages hold 1000.
    fetch_batch: int = Field(default=200, ge=1, le=1000)


class ServerConfig(_Section):
    """The tenant's one e-mail server."""

    type: ServerType = "imap"
    preset: Preset | None = None
    outgoing_address: str = ""
    processed: ProcessedPolicy = "delete"
    archive_folder: str = "Processed"
    outbound_only: bool = False
    imap: ImapConfig = ImapConfig()
    smtp: SmtpConfig = SmtpConfig()
    graph: GraphConfig | None = None


class Thresholds(_Section):
    """Colours on the supervisor dashboard: oldest waiting e-mail, in minutes."""

    oldest_warn_minutes: float = 30.0
    oldest_alarm_minutes: float = 120.0


class ServiceGroupConfig(_Section):
    """A service group: agents, a queue and its e-mail settings."""

    name: str
    email: str = ""
    reply_using_incoming_address: bool = True
    review_before_sending: bool = False
    #: What a reply, reply-all or forward opens with ("Dear $From.Name$, ...").
    default_template: FilePath | None = None
    #: What a new e-mail opens with: it answers nobody, so no customer or subject yet.
    new_email_template: FilePath | None = None
    signature: FilePath | None = None
    responses: FilePath | None = None
    locale: str | None = None
    thresholds: Thresholds = Thresholds()
    #: An extra folder this group's agents may attach files from.
    attachments_folder: FilePath | None = None
    #: ``offer``: each e-mail is offered to one available agent; ``pull``: agents take them.
    distribution: Distribution = "offer"
    #: ``longest_idle``, or ``most_skilled`` (highest skill level here, then longest idle).
    selection: Selection = "longest_idle"
    #: An offer nobody accepts within this long goes to the next agent (the first is set Away).
    offer_timeout_seconds: float = Field(default=30.0, gt=0)
    #: E-mails one agent may hold at once (an agent's own ``max_in_hand`` overrides it).
    max_in_hand: int = Field(default=3, ge=1)
    #: After sending a reply, the agent gets no offer for this long.
    wrap_up_seconds: float = Field(default=0.0, ge=0)
    #: After waiting this long, the e-mail is offered to ``overflow_groups``' agents too.
    overflow_after_minutes: float | None = Field(default=None, ge=0)
    overflow_groups: Strings = ()


class ServiceAccessConfig(_Section):
    """A service access of type e-mail: an address pattern routed to a group."""

    name: str
    address: str
    service_group: str
    auto_confirmation: FilePath | None = None
    active: bool = True
    #: 1 is the highest, 9 the lowest: queues and offers go by priority, then waiting time.
    priority: int = Field(default=5, ge=1, le=9)


class AgentConfig(_Section):
    """An agent or supervisor who logs in to a console."""

    id: str
    name: str
    first_name: str = ""
    last_name: str = ""
    chat_name: str = ""
    groups: Strings = ()
    role: Role = "agent"
    signature: FilePath | None = None
    ssh_keys: Strings = ()
    #: Skill level per service group, 1-10 (a group in ``groups`` not listed here: 5).
    skills: dict[str, Annotated[int, Field(ge=1, le=10)]] = Field(default_factory=dict)
    #: E-mails this agent may hold at once (default: each group's ``max_in_hand``).
    max_in_hand: int | None = Field(default=None, ge=1)

    def skill(self, group: str) -> int:
        """The agent's level in ``group``: listed, else 5 for a member, else 0."""
        if group in self.skills:
            return self.skills[group]
        return DEFAULT_SKILL if group in self.groups else 0


class ConfirmationConfig(_Section):
    """Automatic confirmations and their loop protection."""

    max_per_sender_per_hour: int = Field(default=3, ge=0)
    signature_preference: SignaturePreference = "agent"


class ConversationsConfig(_Section):
    """How customers' e-mails are joined into conversations."""

    #: Days after a conversation was answered or closed during which a follow-up
    #: with the same subject from the same customer still joins it (without
    #: threading headers). Open conversations are always joined; 0: only those.
    follow_up_window_days: int = Field(default=7, ge=0)


class DistributionConfig(_Section):
    """Agent states and offers, for every group that offers its e-mails."""

    #: What an agent may say when going Away (besides "no answer", set by offers).
    away_reasons: Strings = ("Break", "Meeting", "Training")
    #: A console silent this long is logged out; its e-mails go back to the queue.
    logout_after_seconds: float = Field(default=120.0, gt=0)


class SpellingConfig(_Section):
    """Where administrators drop extra Hunspell dictionaries."""

    site_folder: FilePath | None = None


class AttachmentsConfig(_Section):
    """Where files agents attach may come from, and how big they may be."""

    #: Folders every agent may attach files from (nothing is attachable without one).
    folders: Annotated[tuple[FilePath, ...], Strict(False)] = ()
    #: The largest file an agent may attach, in MB (1 MB = 1,000,000 bytes).
    max_mb: float = Field(default=20.0, gt=0)


class Config(_Section):
    """A whole tenant, as read from one TOML file."""

    locale: str = "en-US"
    store: StoreConfig = StoreConfig()
    server: ServerConfig = ServerConfig()
    service_group: Annotated[tuple[ServiceGroupConfig, ...], Strict(False)] = ()
    service_access: Annotated[tuple[ServiceAccessConfig, ...], Strict(False)] = ()
    agent: Annotated[tuple[AgentConfig, ...], Strict(False)] = ()
    confirmations: ConfirmationConfig = ConfirmationConfig()
    conversations: ConversationsConfig = ConversationsConfig()
    distribution: DistributionConfig = DistributionConfig()
    spelling: SpellingConfig = SpellingConfig()
    attachments: AttachmentsConfig = AttachmentsConfig()
    #: The file this was read from; relative paths were resolved against it.
    source: FilePath | None = None

    def group(self, name: str) -> ServiceGroupConfig | None:
        """Return the service group called ``name`` (case-sensitive), if any."""
        return next((g for g in self.service_group if g.name == name), None)

    def access(self, name: str) -> ServiceAccessConfig | None:
        """Return the service access called ``name``, if any."""
        return next((a for a in self.service_access if a.name == name), None)

    def find_agent(self, agent_id: str) -> AgentConfig | None:
        """Return the agent with this id, if any."""
        return next((a for a in self.agent if a.id == agent_id), None)
