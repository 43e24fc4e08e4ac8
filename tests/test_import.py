"""Import: the real-world corpus, verbatim archiving, dedupe, unparseable mail."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from engine import archive
from engine.config import Config, parse_config
from engine.importer import import_paths
from engine.queue import list_items
from engine.store import Store
from tests.corpus import MAIL_GEM_MESSAGES, mail_gem, mail_gem_files

CONFIG = """
[[service_group]]
name = "Sales"
[[service_group]]
name = "Catch"
[[service_access]]
name = "Sales"
address = "Solidus.Sales.*@seclab.com"
service_group = "Sales"
[[service_access]]
name = "Example"
address = "*@example.com"
service_group = "Catch"
"""


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return parse_config(CONFIG, tmp_path / "micc.toml")


@pytest.fixture
def store(config: Config) -> Store:
    return Store(config.store.path)


def test_the_whole_corpus_is_archived_byte_for_byte(config: Config, store: Store) -> None:
    files = mail_gem_files()
    report = import_paths(store, config, [mail_gem()])
    assert report.files == MAIL_GEM_MESSAGES
    assert report.unreadable == []
    assert report.archived == len(files)
    assert report.routed + report.unrouted == len(files)
    rows = store.query(
        "SELECT m.source, r.raw FROM messages m JOIN raw_messages r ON r.message = m.id"
    )
    archived = {row[0].removeprefix("import:"): bytes(row[1]) for row in rows}
    for file in files:
        assert archived[str(file.resolve())] == file.read_bytes(), file
    # Every conversation is either in a queue or visible as unrouted with a reason.
    items = list_items(store, states=None)
    assert len(items) <= len(files)
    for item in items:
        assert item.state in ("queued", "unrouted")
        if item.state == "unrouted":
            assert item.reason


def test_importing_again_adds_nothing(config: Config, store: Store) -> None:
    first = import_paths(store, config, [mail_gem()])
    assert first.archived == MAIL_GEM_MESSAGES
    second = import_paths(store, config, [mail_gem()])
    assert second.archived == 0 and second.duplicates == first.archived
    assert store.query_one("SELECT COUNT(*) FROM messages")[0] == first.archived


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_routing_on_import(tmp_path: Path, config: Config, store: Store) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    write(
        folder / "a.eml",
        b"From: C <c@cust.org>\r\nTo: Solidus.Sales.Retail@seclab.com\r\n"
        b"Subject: Order ORD-054321\r\nMessage-ID: <a@cust.org>\r\n\r\nWhere is it?\r\n",
    )
    write(
        folder / "b.eml",
        b"From: D <d@cust.org>\r\nTo: nobody@nowhere.org\r\nSubject: lost\r\n\r\nhello\r\n",
    )
    report = import_paths(store, config, [folder])
    assert (report.routed, report.unrouted) == (1, 1)
    [queued] = list_items(store)
    assert (queued.service_access, queued.service_group) == ("Sales", "Sales")
    assert queued.to == ["Solidus.Sales.Retail@seclab.com"]
    [unrouted] = list_items(store, states=["unrouted"])
    assert "nobody@nowhere.org" in unrouted.reason
    [hit] = archive.search(store, "ORD-054321")
    assert hit.subject == "Order ORD-054321"


def test_garbage_is_archived_raw_and_parked_with_a_reason(
    tmp_path: Path, config: Config, store: Store
) -> None:
    garbage = bytes(range(256)) * 4
    write(tmp_path / "garbage.eml", garbage)
    report = import_paths(store, config, [tmp_path / "garbage.eml"])
    assert report.archived == 1 and report.unrouted == 1
    [item] = list_items(store, states=["unrouted"])
    assert item.reason
    assert archive.raw(store, item.message or 0) == garbage


def test_mbox_files(tmp_path: Path, config: Config, store: Store) -> None:
    box = mailbox.mbox(tmp_path / "box.mbox")
    for n in range(3):
        box.add(f"From: c{n}@x.org\nTo: Solidus.Sales.A@seclab.com\nSubject: m{n}\n\nbody {n}\n")
    box.close()
    report = import_paths(store, config, [tmp_path / "box.mbox"])
    assert (report.archived, report.routed) == (3, 3)


def test_reused_message_id_with_other_content_is_another_email(
    tmp_path: Path, config: Config, store: Store
) -> None:
    head = b"From: c@x.org\r\nTo: Solidus.Sales.A@seclab.com\r\nMessage-ID: <same@x.org>\r\n"
    write(tmp_path / "1.eml", head + b"Subject: one\r\n\r\nfirst\r\n")
    write(tmp_path / "2.eml", head + b"Subject: two\r\n\r\nsecond\r\n")
    report = import_paths(store, config, [tmp_path])
    assert report.archived == 2


def test_a_reply_joins_its_conversation(tmp_path: Path, config: Config, store: Store) -> None:
    write(
        tmp_path / "1.eml",
        b"From: c@x.org\r\nTo: Solidus.Sales.A@seclab.com\r\n"
        b"Message-ID: <q1@x.org>\r\nSubject: question\r\n\r\n?\r\n",
    )
    import_paths(store, config, [tmp_path / "1.eml"])
    write(
        tmp_path / "2.eml",
        b"From: c@x.org\r\nTo: Solidus.Sales.A@seclab.com\r\n"
        b"Message-ID: <q2@x.org>\r\nIn-Reply-To: <q1@x.org>\r\nSubject: Re: question\r\n"
        b"\r\nmore\r\n",
    )
    import_paths(store, config, [tmp_path / "2.eml"])
    [item] = list_items(store)
    assert item.message_id == "<q2@x.org>"
    assert len(archive.conversation(store, item.id)) == 2


README = b"""# micc-tui

An e-mail contact center in the terminal.

## Set-up
Run `micc demo`.
"""


def run_import(
    config_path: Path, *args: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    from micc_tui.cli.main import main

    capsys.readouterr()
    code = main(["--config", str(config_path), "import", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_named_file_that_is_not_mail_is_skipped_with_a_warning_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 15 item 25: ``micc import README.md`` does not archive a README as an e-mail."""
    config_path = tmp_path / "micc.toml"
    config_path.write_text(CONFIG)
    write(tmp_path / "README.md", README)
    mail = b"From: c@x.org\r\nTo: Solidus.Sales.A@seclab.com\r\nSubject: as text\r\n\r\nhi\r\n"
    write(tmp_path / "message.txt", mail)  # an e-mail saved without .eml is still mail
    code, out, err = run_import(
        config_path, str(tmp_path / "README.md"), str(tmp_path / "message.txt"), capsys=capsys
    )
    assert code == 0
    assert "1 files: 1 archived (1 routed, 0 unrouted)" in out
    assert f"skipped, not an e-mail: {tmp_path / 'README.md'}: it does not begin with" in err
    assert "--force imports it anyway" in err
    with Store(parse_config(CONFIG, config_path).store.path) as store:
        assert [m.subject for m in archive.search(store, "as text")] == ["as text"]
        assert store.query_one("SELECT COUNT(*) FROM messages")[0] == 1

    code, out, err = run_import(config_path, str(tmp_path / "README.md"), "--force", capsys=capsys)
    assert code == 0 and "1 files: 1 archived (0 routed, 1 unrouted)" in out
    assert "skipped" not in err
    with Store(parse_config(CONFIG, config_path).store.path) as store:
        [item] = list_items(store, states=["unrouted"])
        assert archive.raw(store, item.message or 0) == README


def test_headers_without_a_mail_field_are_not_mail_and_broken_mail_is() -> None:
    from engine.importer import not_mail

    assert not_mail(README) is not None
    assert not_mail(b"key: value\nother: thing\n\nbody\n") is not None  # a YAML file
    assert not_mail(b"") is not None
    assert not_mail(b"\r\nReceived: from x\r\nX-Bad: \xc3\r\n\r\n") is None
    assert not_mail(b"Subject: only a subject") is None
    assert not_mail(b"From: a@b\n") is None


def test_import_json_lists_what_was_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    config_path = tmp_path / "micc.toml"
    config_path.write_text(CONFIG)
    write(tmp_path / "garbage.eml", bytes(range(256)) * 4)  # broken mail: archived, unrouted
    write(tmp_path / "notes.txt", README)
    code, out, _ = run_import(
        config_path,
        str(tmp_path / "garbage.eml"),
        str(tmp_path / "notes.txt"),
        "--json",
        capsys=capsys,
    )
    assert code == 0
    found = json.loads(out)
    assert found["archived"] == 1 and found["unrouted"] == 1
    assert found["parked"] == []  # it was read; only no recipient routes it
    assert found["skipped"] == [
        {
            "path": str(tmp_path / "notes.txt"),
            "reason": "it does not begin with a mail header (From:, To:, Subject: …)",
        }
    ]
