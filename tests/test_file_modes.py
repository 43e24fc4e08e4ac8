"""Issue 14, item 8: the store and the secrets folder are private; ``micc check`` says when not.

The store holds every group's mail: it was created 0644 (world-readable).
Now it, its ``-wal`` and its ``-shm`` are created 0600 whatever the umask, the
workspace's ``secrets`` folder is 0700, and ``micc check`` warns about a
password file, client secret file or store file that others can read, with
the ``chmod`` to run.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.store import Store
from micc_tui.cli.main import main
from micc_tui.demo.workspace import write_secret


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The usual umask, under which files are created world-readable by default."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def check(capsys: pytest.CaptureFixture[str], config: Path) -> list[str]:
    capsys.readouterr()
    assert main(["--config", str(config), "check", "--json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert isinstance(warnings, list)
    return [str(w) for w in warnings]


def test_the_store_and_its_wal_and_shm_are_created_0600(tmp_path: Path) -> None:
    path = tmp_path / "data" / "micc.db"
    with Store(path) as store:
        with store.transaction() as conn:
            conn.execute("INSERT INTO engine_health VALUES ('x', 'ok', '', 'now')")
        files = {p.name: mode(p) for p in path.parent.iterdir()}
        assert files == {"micc.db": 0o600, "micc.db-wal": 0o600, "micc.db-shm": 0o600}


def test_an_existing_store_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "micc.db"
    Store(path).close()
    path.chmod(0o640)
    Store(path).close()
    assert mode(path) == 0o640


def test_init_makes_a_secrets_folder_only_the_owner_can_enter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "ws")]) == 0
    assert mode(tmp_path / "ws" / "secrets") == 0o700
    assert "secrets (mode 0700)" in capsys.readouterr().out


def test_the_demo_keeps_its_secrets_in_a_private_folder(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir(mode=0o755)
    write_secret(tmp_path / "secrets" / "demo-password", "s3cret-demo")
    assert mode(tmp_path / "secrets") == 0o700
    assert mode(tmp_path / "secrets" / "demo-password") == 0o600


def test_check_warns_about_secret_and_store_files_others_can_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "ws")]) == 0
    config = tmp_path / "ws" / "micc.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        'password_env = "MICC_IMAP_PASSWORD"', 'password_file = "secrets/imap password"'
    )
    config.write_text(text, encoding="utf-8")
    secret = tmp_path / "ws" / "secrets" / "imap password"
    secret.write_text("hunter2-imap\n", encoding="utf-8")
    secret.chmod(0o644)
    store = tmp_path / "ws" / "micc.db"
    Store(store).close()
    assert mode(store) == 0o600
    store.chmod(0o604)

    warnings = [w for w in check(capsys, config) if "read by others" in w]
    assert warnings == [
        f"server.imap password_file {secret} can be read by others (mode 0644): "
        f"run chmod 600 '{secret}'",
        f"store file {store} can be read by others (mode 0604), and it holds every group's "
        f"mail: run chmod 600 {store}",
    ]

    secret.chmod(0o600)
    store.chmod(0o600)
    assert [w for w in check(capsys, config) if "read by others" in w] == []


def test_check_names_a_graph_client_secret_file_others_can_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "ws")]) == 0
    config = tmp_path / "ws" / "micc.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace('type = "imap"', 'type = "graph"').replace(
        '# [server.graph]              # when type = "graph"\n'
        '# tenant_id = "00000000-0000-0000-0000-000000000000"\n'
        '# client_id = "00000000-0000-0000-0000-000000000000"\n'
        '# client_secret_env = "MICC_GRAPH_SECRET"\n'
        '# user = "SolidusMasterAcct@seclab.com"\n',
        "[server.graph]\n"
        'tenant_id = "00000000-0000-0000-0000-000000000000"\n'
        'client_id = "00000000-0000-0000-0000-000000000000"\n'
        'client_secret_file = "secrets/graph"\n'
        'user = "SolidusMasterAcct@seclab.com"\n',
    )
    config.write_text(text, encoding="utf-8")
    secret = tmp_path / "ws" / "secrets" / "graph"
    secret.write_text("graph-secret-value\n", encoding="utf-8")
    secret.chmod(0o640)
    warnings = [w for w in check(capsys, config) if "read by others" in w]
    assert warnings == [
        f"server.graph client_secret_file {secret} can be read by others (mode 0640): "
        f"run chmod 600 {secret}"
    ]
