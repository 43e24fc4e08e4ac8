"""Issue 14, item 9: odd input never raises; attachment names, SSH lines and SMTP login failures.

- NUL and other control characters in a search or an address never raise
  (SQLite's FTS5 said "unterminated string").
- Saved attachment names: at most 255 UTF-8 bytes, cut on a character
  boundary and keeping the extension (120 CJK characters failed with
  ENAMETOOLONG), without bidi or control characters or a leading ``-``; one
  failed save does not stop the others.
- ``micc ssh authorized-keys`` refuses a config path, micc path or agent id
  outside a safe character set (a newline in the config path injected an
  unrestricted line); ``micc check`` names them.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from engine import archive
from engine.bootstrap import open_store
from engine.config import Config, load_config
from engine.filenames import MAX_NAME_BYTES, free_path, safe_filename
from engine.service import open_contact_center
from engine.store import Store
from engine.supervision.service import Supervision
from micc_tui.cli.main import main
from micc_tui.cli.ssh import authorized_keys, key_line, unsafe_id, unsafe_path
from tests.agent_console_helpers import make_app, screen, settle, table
from tests.agent_fixtures import NOW, deliver, mail

CJK = "報告書" * 40  # 120 characters, 360 UTF-8 bytes

ODD_QUERIES = [
    "\x00",
    "ORD\x00-1",
    "order\x00",
    "\x01\x02\x1b[2J",
    "order \x7f\x85\x9f",
    "order\ud800",
    '"\x00"',
    "\x00*",
    "order*\x00",
]


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_control_characters_in_a_search_never_raise(store: Store, query: str) -> None:
    archive.search(store, query)
    archive.search(store, query, groups=("Sales",))


def test_control_characters_separate_words_like_spaces(config: Config, store: Store) -> None:
    deliver(store, config, mail(1, subject="Order ORD-054321 late"))
    assert archive.fts_query("ORD-054321\x00late") == '"ORD-054321" "late"'
    assert [m.subject for m in archive.search(store, "ORD-054321\x00late")] == [
        "Order ORD-054321 late"
    ]
    assert archive.search(store, "\x00\x01") == []


def test_micc_archive_search_takes_control_characters(
    config: Config, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver(store, config, mail(1, subject="Order ORD-054321 late"))
    capsys.readouterr()
    assert main(["--config", str(config.source), "archive", "search", "ORD-054321\x01\x1b"]) == 0
    assert "ORD-054321" in capsys.readouterr().out
    assert main(["--config", str(config.source), "archive", "search", "\x01", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"


def test_control_characters_in_a_from_address_never_raise(config: Config, store: Store) -> None:
    for n, sender in enumerate(
        (b"a\x00b@example.org", b"c\x01d@example.org", b"c\x01d@example.org")
    ):
        raw = (
            b'From: "X" <' + sender + b">\r\nTo: Solidus.Sales.Retail@seclab.com\r\n"
            b"Subject: odd "
            + str(n).encode()
            + b"\r\nMessage-ID: <odd"
            + str(n).encode()
            + b"@example.org>\r\n\r\nbody\r\n"
        )
        deliver(store, config, raw, start=n * 10)
    alice = open_contact_center(config, "alice", clock=lambda: NOW)
    ids = [int(r[0]) for r in store.query("SELECT id FROM conversations ORDER BY id")]
    assert len(ids) == 3
    assert alice.history(ids[0]) == []
    assert [m.subject for m in alice.history(ids[2])] == ["odd 1"]
    # The supervisor's archive tab and address tester take the same text.
    supervision = Supervision(config, "carol", lambda: open_store(config))
    for text in ("\x00", "c\x01d@example.org", "a\x00b@example.org\x00"):
        supervision.search(text)
        supervision.try_address(text)
    assert alice.search("odd\x00") != []


# -- saved attachment names ------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("..\\..\\x.exe", "x.exe"),
        ("a\x00b/c:d", "c_d"),
        ("...", ""),
        ("-rf", "rf"),
        ("--help.txt", "help.txt"),
        (" .-x.txt", "x.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("\u2066a\u2067b\u2068c\u2069.txt", "abc.txt"),
        ("\u202a\u202b\u202c\u202dx", "x"),
        ("tab\there\x1b[2J\x7f\x85.txt", "tabhere[2J.txt"),
        ("zero\u200bwidth\ufeff.txt", "zerowidth.txt"),
        ("line\u2028break.txt", "linebreak.txt"),
        ("\u202e-rf.sh", "rf.sh"),
    ],
)
def test_safe_filename(given: str, expected: str) -> None:
    assert safe_filename(given) == expected


def test_a_long_name_is_cut_at_255_bytes_on_a_character_boundary() -> None:
    name = safe_filename(CJK + ".pdf")
    encoded = name.encode("utf-8")
    assert len(encoded) <= MAX_NAME_BYTES
    assert name.endswith(".pdf")
    assert CJK.startswith(name.removesuffix(".pdf"))
    assert len(encoded) > MAX_NAME_BYTES - 3 - 4  # nothing more than one character's worth lost
    ascii_name = safe_filename("a" * 300 + ".tar.gz")
    assert ascii_name == "a" * (MAX_NAME_BYTES - 3) + ".gz"
    long_extension = safe_filename("x." + "e" * 300)
    assert len(long_extension.encode("utf-8")) == MAX_NAME_BYTES


def test_numbered_names_stay_within_the_limit(tmp_path: Path) -> None:
    name = safe_filename(CJK + ".pdf")
    taken = []
    for _ in range(12):
        path = free_path(tmp_path, name)
        path.write_bytes(b"x")  # really created: the file system accepts the name
        taken.append(path.name)
    assert len(set(taken)) == 12
    assert all(len(n.encode("utf-8")) <= MAX_NAME_BYTES and n.endswith(".pdf") for n in taken)
    assert taken[11].endswith("-11.pdf")


def _three_attachments() -> bytes:
    message = EmailMessage()
    message["From"] = "Customer <c1@example.org>"
    message["To"] = "Solidus.Sales.Retail@seclab.com"
    message["Subject"] = "Three files"
    message["Message-ID"] = "<three@example.org>"
    message.set_content("See the files.\n")
    for name, data in (("one.txt", b"1"), (CJK + ".pdf", b"2"), ("-three\u202e.txt", b"3")):
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return bytes(message)


def test_one_failed_save_does_not_stop_the_others(
    config: Config, store: Store, tmp_path: Path
) -> None:
    deliver(store, config, _three_attachments())
    row = store.query_one("SELECT id FROM messages WHERE subject = 'Three files'")
    assert row is not None
    folder = tmp_path / "out"
    folder.mkdir()
    # A dangling link where the first file would go: exists() says no, the write fails.
    (folder / "one.txt").symlink_to(tmp_path / "nowhere")
    outcomes = open_contact_center(config, "alice", clock=lambda: NOW).save_attachments(
        int(row[0]), folder
    )
    assert [(o.index, o.path is None, bool(o.error)) for o in outcomes] == [
        (1, True, True),
        (2, False, False),
        (3, False, False),
    ]
    assert outcomes[0].error == "File exists"
    saved = sorted(p.name for p in folder.iterdir() if not p.is_symlink())
    assert saved == sorted([safe_filename(CJK + ".pdf"), "three.txt"])
    assert (folder / "three.txt").read_bytes() == b"3"


async def test_the_console_reports_each_failed_save_and_saves_the_rest(
    config: Config, store: Store, tmp_path: Path
) -> None:
    deliver(store, config, _three_attachments())
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "one.txt").symlink_to(tmp_path / "nowhere")
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 1)
        await settle(pilot, lambda: screen(app).reading is not None)
        await pilot.press("a")
        await pilot.pause()
        box = app.screen.query_one("#attachment-folder")
        box.value = str(folder)  # type: ignore[attr-defined]
        box.focus()
        await pilot.press("enter")
        await settle(pilot, lambda: (folder / "three.txt").exists())
        await settle(pilot, lambda: any("Saved" in str(n.message) for n in app._notifications))
        messages = [(n.severity, str(n.message)) for n in app._notifications]
    assert ("error", "Not saved: one.txt: File exists") in messages
    saved = next(m for s, m in messages if m.startswith("Saved"))
    assert "three.txt" in saved and ".pdf" in saved
    assert (folder / safe_filename(CJK + ".pdf")).read_bytes() == b"2"


# -- micc ssh authorized-keys ----------------------------------------------------------

KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0uT9cWqJ3m2QYbZ4x8pQm3l7oXw9K8f5b2N1c4d6e7 alice@laptop"
)


def ssh_workspace(folder: Path, alice_id: str = "alice") -> Path:
    assert main(["init", str(folder)]) == 0
    config = folder / "micc.toml"
    text = config.read_text(encoding="utf-8").replace(
        'id = "alice"', f'id = "{alice_id}"\nssh_keys = ["{KEY}"]'
    )
    config.write_text(text, encoding="utf-8")
    return config


@pytest.mark.parametrize(
    "folder",
    [
        "line\nbreak",
        'quote"d',
        "single'quote",
        "two words",
        "back\\slash",
        "tab\there",
        "semi;colon",
    ],
)
def test_a_config_path_outside_the_safe_set_is_refused(
    tmp_path: Path, folder: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ssh_workspace(tmp_path / folder)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["--config", str(config), "ssh", "authorized-keys"])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # not one line written
    assert (
        "the config path" in captured.err and "cannot go into an SSH forced command" in captured.err
    )
    # micc check says so too, and the config stays usable otherwise.
    assert main(["--config", str(config), "check", "--json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert any("the config path" in w for w in warnings)


def test_a_micc_path_outside_the_safe_set_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ssh_workspace(tmp_path / "ws")
    with pytest.raises(SystemExit):
        main(["--config", str(config), "ssh", "authorized-keys", "--micc", "/opt/micc\nx/micc"])
    assert "the micc executable" in capsys.readouterr().err


def test_a_newline_never_reaches_the_keys_file(tmp_path: Path) -> None:
    config = ssh_workspace(tmp_path / "ws")
    lines = authorized_keys(load_config(str(config)), "/opt/micc/bin/micc")
    assert all("\n" not in line and "\r" not in line for line in lines)
    agent = load_config(str(config)).agent[0]
    line = key_line(agent, KEY.replace("alice@laptop", "alice\x0b\x00laptop"), "micc")
    assert line.endswith(" micc-alice")


@pytest.mark.parametrize(
    "agent_id", ["alice\n", "alice\nssh-rsa AAAA", "-alice", ".alice", "al ice", 'al"ice', ""]
)
def test_unsafe_agent_ids(agent_id: str) -> None:
    assert unsafe_id(agent_id) is not None


def test_safe_ids_and_paths() -> None:
    assert unsafe_id("alice.smith@sales-1") is None
    assert unsafe_path("p", "/srv/micc/micc.toml") is None
    assert unsafe_path("p", "relative/micc.toml") is not None


def test_check_reports_agent_ids_the_keys_file_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ssh_workspace(tmp_path / "ws", alice_id="-alice")
    capsys.readouterr()
    assert main(["--config", str(config), "check", "--json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert any("agent id '-alice'" in w for w in warnings)
    with pytest.raises(SystemExit):
        main(["--config", str(config), "ssh", "authorized-keys"])
    assert "agent id '-alice'" in capsys.readouterr().err
    # An id with a newline or a quote is not even a usable config.
    bad = ssh_workspace(tmp_path / "ws2", alice_id="alice\\nssh-rsa")
    assert main(["--config", str(bad), "check"]) == 2
    assert "is not a usable id" in capsys.readouterr().out
