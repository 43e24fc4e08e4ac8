"""Config: the issue's example shape, defaults, and errors that name file, key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import ConfigError, load_config, parse_config, read_secret
from engine.config.secrets import SecretError
from micc_tui.cli.setup import skeleton

EXAMPLE = """locale = "en-US"
[store]
path = "micc.db"
[server]
type = "imap"
preset = "gmail"
outgoing_address = "noreply@seclab.com"
processed = "delete"
archive_folder = "Processed"
[server.imap]
host = "imap.seclab.com"
port = 993
encryption = "ssl"
username = "SolidusMasterAcct@seclab.com"
password_env = "MICC_IMAP_PASSWORD"
inbox = ""
sent = ""
trash = ""
[server.smtp]
host = "smtp.seclab.com"
encryption = "starttls"
username = "SolidusMasterAcct@seclab.com"
password_env = "MICC_SMTP_PASSWORD"
[[service_group]]
name = "Sales"
email = "Solidus.Sales@seclab.com"
reply_using_incoming_address = true
review_before_sending = false
default_template = "templates/sales.html"
signature = "templates/sales-signature.html"
responses = "responses/sales.md"
locale = "en-US"
[[service_access]]
name = "Sales"
address = "Solidus.Sales.*@seclab.com"
service_group = "Sales"
auto_confirmation = "templates/confirm.txt"
active = true
[[agent]]
id = "alice"
name = "Alice Smith"
first_name = "Alice"
last_name = "Smith"
chat_name = "Alice"
groups = ["Sales"]
role = "agent"
"""


def errors(text: str, tmp_path: Path) -> list[str]:
    file = tmp_path / "micc.toml"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, file)
    return [str(p) for p in caught.value.problems]


def test_the_issue_example_loads_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    config = parse_config(EXAMPLE, tmp_path / "conf" / "micc.toml")
    base = (tmp_path / "conf").resolve()
    assert config.store.path == base / "micc.db"
    sales = config.group("Sales")
    assert sales is not None and sales.default_template == base / "templates/sales.html"
    assert config.service_access[0].auto_confirmation == base / "templates/confirm.txt"
    # Written values win over the preset; unwritten ones come from it.
    assert config.server.imap.host == "imap.seclab.com"
    assert config.server.smtp.host == "smtp.seclab.com"
    assert config.server.smtp.port == 587  # Gmail SMTP per the guide, from the preset


@pytest.mark.parametrize(
    ("imap", "smtp", "imap_port", "smtp_port"),
    [("ssl", "ssl", 993, 465), ("starttls", "starttls", 143, 25), ("none", "none", 143, 25)],
)
def test_port_defaults_follow_the_guide(
    tmp_path: Path, imap: str, smtp: str, imap_port: int, smtp_port: int
) -> None:
    text = f'[server.imap]\nencryption = "{imap}"\n[server.smtp]\nencryption = "{smtp}"\n'
    config = parse_config(text, tmp_path / "m.toml")
    assert (config.server.imap.port, config.server.smtp.port) == (imap_port, smtp_port)


def test_office365_preset(tmp_path: Path) -> None:
    config = parse_config('[server]\npreset = "office365"\n', tmp_path / "m.toml")
    assert (config.server.imap.host, config.server.imap.port) == ("outlook.office365.com", 993)
    assert (config.server.smtp.host, config.server.smtp.port) == ("smtp.office365.com", 587)


def test_unknown_key_names_line_and_suggests(tmp_path: Path) -> None:
    text = EXAMPLE.replace('role = "agent"', 'rol = "agent"')
    [message] = errors(text, tmp_path)
    line = EXAMPLE.splitlines().index('role = "agent"') + 1
    assert f"micc.toml:{line}: agent[0].rol: unknown key" in message
    assert 'did you mean "role"' in message


def test_bad_encryption_names_allowed_values(tmp_path: Path) -> None:
    [message] = errors(EXAMPLE.replace('encryption = "ssl"', 'encryption = "tls"'), tmp_path)
    assert "micc.toml:13: server.imap.encryption: 'tls' is not allowed" in message
    assert "'ssl', 'starttls' or 'none'" in message


def test_wrong_type(tmp_path: Path) -> None:
    [message] = errors(EXAMPLE.replace("port = 993", 'port = "993"'), tmp_path)
    assert "micc.toml:12: server.imap.port: wrong type (str)" in message
    assert "whole number" in message


def test_access_naming_a_missing_group(tmp_path: Path) -> None:
    text = EXAMPLE.replace('service_group = "Sales"', 'service_group = "Sale"')
    [message] = errors(text, tmp_path)
    line = text.splitlines().index('service_group = "Sale"') + 1
    assert f":{line}: service_access[0].service_group: no service group named 'Sale'" in message
    assert "did you mean 'Sales'" in message


def test_duplicate_names(tmp_path: Path) -> None:
    text = EXAMPLE + '[[service_group]]\nname = "sales"\n'
    [message] = errors(text, tmp_path)
    assert f":{len(text.splitlines())}: service_group[1].name: duplicate name 'sales'" in message


def test_plain_password_is_refused_with_the_way_to_do_it(tmp_path: Path) -> None:
    text = EXAMPLE.replace('password_env = "MICC_IMAP_PASSWORD"', 'password = "hunter2"')
    [message] = errors(text, tmp_path)
    assert "server.imap.password: secrets are not allowed here" in message
    assert "password_env" in message and "hunter2" not in message


def test_several_errors_are_reported_together(tmp_path: Path) -> None:
    text = EXAMPLE.replace('encryption = "ssl"', 'encryption = "tls"').replace(
        "review_before_sending = false", "review_before_sending = 1"
    )
    assert len(errors(text, tmp_path)) == 2


def test_not_toml_names_the_line(tmp_path: Path) -> None:
    [message] = errors('locale = "en-US"\n[server\n', tmp_path)
    assert "micc.toml:2" in message and "not valid TOML" in message


def test_unknown_locale(tmp_path: Path) -> None:
    [message] = errors('locale = "xx-QQ"\n', tmp_path)
    assert "micc.toml:1: locale: unknown locale 'xx-QQ'" in message


def test_file_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.toml").write_text('locale = "de-DE"\n')
    (tmp_path / "b.toml").write_text('locale = "sv-SE"\n')
    (tmp_path / "micc.toml").write_text('locale = "ja-JP"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MICC_CONFIG", raising=False)
    assert load_config().locale == "ja-JP"
    monkeypatch.setenv("MICC_CONFIG", str(tmp_path / "b.toml"))
    assert load_config().locale == "sv-SE"
    assert load_config(tmp_path / "a.toml").locale == "de-DE"


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml")
    assert "micc init" in str(caught.value)


def test_secrets_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICC_TEST_SECRET", "s3cret")
    assert read_secret("MICC_TEST_SECRET", None, "the IMAP password") == "s3cret"
    secret_file = tmp_path / "pw"
    secret_file.write_text("from-file\n")
    assert read_secret(None, secret_file, "the IMAP password") == "from-file"
    monkeypatch.delenv("MICC_TEST_SECRET")
    with pytest.raises(SecretError, match="MICC_TEST_SECRET is not set"):
        read_secret("MICC_TEST_SECRET", None, "the IMAP password")


def test_the_example_workspace_config_is_usable() -> None:
    config = load_config(skeleton() / "micc.toml")
    assert [g.name for g in config.service_group] == ["Sales", "Marketing", "Support"]
    assert config.find_agent("carol") is not None
