"""The tenant's configuration: one commented TOML file."""

from engine.config.load import (
    ConfigError,
    Problem,
    default_port,
    find_config_path,
    load_config,
    parse_config,
)
from engine.config.model import (
    AgentConfig,
    AttachmentsConfig,
    Config,
    GraphConfig,
    ImapConfig,
    ServerConfig,
    ServiceAccessConfig,
    ServiceGroupConfig,
    SmtpConfig,
)
from engine.config.secrets import SecretError, read_secret

__all__ = [
    "AgentConfig",
    "AttachmentsConfig",
    "Config",
    "ConfigError",
    "GraphConfig",
    "ImapConfig",
    "Problem",
    "SecretError",
    "ServerConfig",
    "ServiceAccessConfig",
    "ServiceGroupConfig",
    "SmtpConfig",
    "default_port",
    "find_config_path",
    "load_config",
    "parse_config",
    "read_secret",
]
