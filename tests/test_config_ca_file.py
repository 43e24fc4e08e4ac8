"""``ca_file`` under ``[server.imap]`` and ``[server.smtp]``: relative to the file, used by both."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.adapters.imap import ImapSettings
from engine.adapters.smtp import SmtpSettings
from engine.config import parse_config

TENANT = """[server]
type = "imap"
[server.imap]
host = "imap.example.org"
username = "master"
password_env = "MICC_CA_TEST_PASSWORD"
ca_file = "certs/private-ca.pem"
[server.smtp]
host = "smtp.example.org"
ca_file = "/etc/ssl/other-ca.pem"
"""


def test_ca_file_is_resolved_against_the_config_file_and_reaches_the_adapters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICC_CA_TEST_PASSWORD", "x")
    config = parse_config(TENANT, tmp_path / "micc.toml")
    assert config.server.imap.ca_file == tmp_path.resolve() / "certs" / "private-ca.pem"
    assert config.server.smtp.ca_file == Path("/etc/ssl/other-ca.pem")
    assert ImapSettings.from_config(config).ca_file == config.server.imap.ca_file
    assert SmtpSettings.from_config(config).ca_file == config.server.smtp.ca_file


def test_ca_file_defaults_to_none() -> None:
    config = parse_config('[server.imap]\nhost = "h"\n')
    assert config.server.imap.ca_file is None and config.server.smtp.ca_file is None
