"""Issue 14, item 3: files an agent attaches come only from configured folders.

The rule is the engine's (engine/attachments.py): a path is resolved (symlinks
followed, ``..`` gone) and must lie inside ``[attachments] folders`` or the
e-mail's service group's ``attachments_folder``; the store and secrets are
never attached; ``[attachments] max_mb`` bounds a file; Microsoft Graph's one
sendMail request bounds an e-mail. It is checked when a file is attached and
again when the e-mail is built for the outbox. The composer's Ctrl+T opens a
picker of those folders' files instead of asking for a path.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from engine import outbox
from engine.attachments import check, listing
from engine.bootstrap import open_store
from engine.config import Config, ConfigError, load_config
from engine.engine import Engine
from engine.errors import Refused
from engine.service import QUEUED_WITHOUT_ENGINE, ContactCenter, Draft, open_contact_center
from micc_tui.agent.attach_picker import AttachPicker
from micc_tui.agent.composer import ComposerScreen
from micc_tui.cli.setup import copy_skeleton
from tests.agent_console_helpers import make_app, settle, table
from tests.agent_fixtures import NOW, deliver, hold, mail
from tests.servers.dovecot import make_certificate
from tests.servers.smtp import SmtpServer

LEAFLET = b"%PDF-1.4 the spring leaflet"
SUPPORT = "Solidus.Support@seclab.com"


def attach_workspace(
    folder: Path,
    *,
    folders: str = '["shared"]',
    max_mb: str | None = None,
    smtp_port: int | None = None,
) -> Config:
    """``micc init`` in ``folder`` with attachment folders set up, a secret and files.

    Every agent may attach from ``shared/``; Sales agents also from
    ``sales-files/``. ``secrets/imap-password`` is the IMAP password file.
    With ``smtp_port`` the engine only sends, to a plain SMTP server there.
    """
    copy_skeleton(folder)
    toml = folder / "micc.toml"
    text = toml.read_text(encoding="utf-8")
    section = f"[attachments]\nfolders = {folders}\n"
    if max_mb is not None:
        text = text.replace("max_mb = 20\n", f"max_mb = {max_mb}\n")
    text = text.replace("[attachments]\n", section, 1)
    text = text.replace(
        '# attachments_folder = "shared/sales"', 'attachments_folder = "sales-files"', 1
    )
    text = text.replace(
        'password_env = "MICC_IMAP_PASSWORD"', 'password_file = "secrets/imap-password"', 1
    )
    if smtp_port is not None:
        text = text.replace("# outbound_only = true", "outbound_only = true", 1)
        text = text.replace(
            'host = "smtp.seclab.com"\n', f'host = "127.0.0.1"\nport = {smtp_port}\n', 1
        )
        text = text.replace(
            'encryption = "starttls"\nusername = "SolidusMasterAcct@seclab.com"\n'
            'password_env = "MICC_SMTP_PASSWORD"\n',
            'encryption = "none"\n',
            1,
        )
    toml.write_text(text, encoding="utf-8")
    (folder / "secrets").mkdir(exist_ok=True)
    (folder / "secrets" / "imap-password").write_text("imap-secret-canary\n")
    (folder / "shared").mkdir()
    (folder / "shared" / "leaflet.pdf").write_bytes(LEAFLET)
    (folder / "shared" / "prices").mkdir()
    (folder / "shared" / "prices" / "2027.csv").write_text("item,price\n")
    (folder / "sales-files").mkdir()
    (folder / "sales-files" / "sales-offer.txt").write_text("10% off\n")
    config = load_config(folder / "micc.toml")
    open_store(config).close()
    return config


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = attach_workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1), mail(2, to=SUPPORT))
    store.close()
    return config


def reply(
    config: Config, to: str = "Solidus.Sales.Retail@seclab.com"
) -> tuple[ContactCenter, Draft]:
    """Alice takes the first e-mail sent to ``to`` and starts a reply."""
    alice = open_contact_center(config, "alice", clock=lambda: NOW)
    item = next(i for i in alice.queue() if to in i.to)
    hold(alice, item.id)
    return alice, alice.draft(item.id, "reply")


def workspace_of(config: Config) -> Path:
    assert config.source is not None
    return config.source.parent


# -- the engine's rule -------------------------------------------------------------


def test_a_file_of_an_allowed_folder_is_attached_resolved(config: Config) -> None:
    alice, draft = reply(config)
    ws = workspace_of(config)
    attached = alice.attach(draft, ws / "shared" / "prices" / "2027.csv")
    assert attached.attachments == ((ws / "shared" / "prices" / "2027.csv").resolve(),)
    with pytest.raises(Refused, match="already attached"):
        alice.attach(attached, ws / "shared" / "prices" / "2027.csv")


@pytest.mark.parametrize(
    "where",
    ["store", "password file", "dot-dot path", "config file", "absolute outside", "folder itself"],
)
def test_paths_outside_the_folders_are_refused(config: Config, where: str) -> None:
    alice, draft = reply(config)
    ws = workspace_of(config)
    path = {
        "store": config.store.path,
        "password file": ws / "secrets" / "imap-password",
        "dot-dot path": ws / "shared" / ".." / "secrets" / "imap-password",
        "config file": ws / "shared" / "prices" / ".." / ".." / "micc.toml",
        "absolute outside": Path("/etc/passwd"),
        "folder itself": ws / "shared",
    }[where]
    with pytest.raises(Refused) as refused:
        alice.attach(draft, path)
    words = str(refused.value)
    assert "cannot attach" in words
    if where != "folder itself":
        assert "not inside a folder attachments may come from" in words
        assert str(ws / "shared") in words  # where files may come from
    # The send path refuses it too, whatever the draft was handed.
    with pytest.raises(Refused, match="cannot attach"):
        alice.send(draft.edited(attachments=(path,)))
    store = open_store(config)
    try:
        assert outbox.listing(store) == []
    finally:
        store.close()


def test_a_symlink_inside_a_folder_pointing_outside_is_refused(config: Config) -> None:
    alice, draft = reply(config)
    ws = workspace_of(config)
    link = ws / "shared" / "handy.txt"
    link.symlink_to(ws / "secrets" / "imap-password")
    with pytest.raises(Refused, match=r"not inside a folder.*symlinks are followed"):
        alice.attach(draft, link)
    # A symlinked folder inside is no way out either, and a link within the folder is fine.
    (ws / "shared" / "etc").symlink_to("/etc")
    with pytest.raises(Refused, match="not inside a folder"):
        alice.attach(draft, ws / "shared" / "etc" / "passwd")
    (ws / "shared" / "same-leaflet.pdf").symlink_to(ws / "shared" / "leaflet.pdf")
    assert alice.attach(draft, ws / "shared" / "same-leaflet.pdf").attachments == (
        (ws / "shared" / "leaflet.pdf").resolve(),
    )
    # The picker does not even list the links that lead out.
    names = [f.relative for f in alice.attachable_files("Sales").files]
    assert "handy.txt" not in names and not any(n.startswith("etc") for n in names)
    assert "leaflet.pdf" in names and "prices/2027.csv" in names


def test_a_file_replaced_by_a_symlink_after_attaching_is_refused_at_sending(
    config: Config,
) -> None:
    alice, draft = reply(config)
    ws = workspace_of(config)
    leaflet = ws / "shared" / "leaflet.pdf"
    attached = alice.attach(draft, leaflet)
    leaflet.unlink()
    leaflet.symlink_to(ws / "secrets" / "imap-password")
    with pytest.raises(Refused, match=r"cannot attach .*leaflet\.pdf.*not inside a folder"):
        alice.send(attached.edited(body="See the leaflet.\n"))
    store = open_store(config)
    try:
        assert outbox.listing(store) == []
    finally:
        store.close()


def test_a_file_bigger_than_max_mb_is_refused_with_its_size(config: Config) -> None:
    alice, draft = reply(config)
    big = workspace_of(config) / "shared" / "catalogue.iso"
    with open(big, "wb") as out:
        out.truncate(31_200_000)  # sparse: no 31 MB written
    with pytest.raises(
        Refused, match=r"^catalogue\.iso is 31\.2 MB; attachments may be at most 20 MB$"
    ):
        alice.attach(draft, big)
    # Listed with its size, so the agent sees it, but never attached.
    shown = {f.relative: f.size for f in alice.attachable_files("Sales", "catalogue").files}
    assert shown == {"catalogue.iso": 31_200_000}


def test_max_mb_is_read_from_the_config(tmp_path: Path) -> None:
    config = attach_workspace(tmp_path / "ws", max_mb="0.5")
    store = open_store(config)
    deliver(store, config, mail(1))
    store.close()
    alice, draft = reply(config)
    medium = workspace_of(config) / "shared" / "photo.jpg"
    medium.write_bytes(b"x" * 600_000)
    with pytest.raises(Refused, match=r"photo\.jpg is 0\.6 MB|photo\.jpg is 600 kB"):
        alice.attach(draft, medium)
    medium.write_bytes(b"x" * 400_000)
    assert alice.attach(draft, medium).attachments


def test_a_group_folder_is_allowed_only_for_that_groups_drafts(config: Config) -> None:
    ws = workspace_of(config)
    offer = ws / "sales-files" / "sales-offer.txt"
    alice, sales = reply(config)
    assert sales.group == "Sales"
    assert alice.attach(sales, offer).attachments == (offer.resolve(),)
    _, support = reply(config, SUPPORT)
    assert support.group == "Support"
    with pytest.raises(Refused, match="not inside a folder"):
        alice.attach(support, offer)
    # Built for a Support e-mail, a Sales file is refused at sending too.
    with pytest.raises(Refused, match="not inside a folder"):
        alice.send(support.edited(attachments=(offer.resolve(),)))
    assert [f.relative for f in alice.attachable_files("Support").files] == [
        "leaflet.pdf",
        "prices/2027.csv",
    ]
    assert "sales-offer.txt" in [f.relative for f in alice.attachable_files("Sales").files]


def test_without_folders_attaching_is_not_set_up(tmp_path: Path) -> None:
    config = attach_workspace(tmp_path / "ws", folders="[]")
    store = open_store(config)
    deliver(store, config, mail(1, to=SUPPORT))
    store.close()
    alice, draft = reply(config, SUPPORT)
    assert alice.attachment_folders("Support") == ()
    with pytest.raises(Refused, match=r"not set up.*\[attachments\] folders"):
        alice.attach(draft, workspace_of(config) / "shared" / "leaflet.pdf")


def test_graphs_one_request_limit_is_named(config: Config) -> None:
    graph = config.model_copy(update={"server": config.server.model_copy(update={"type": "graph"})})
    shared = workspace_of(config) / "shared"
    scan = shared / "scan.pdf"
    scan.write_bytes(b"s" * 2_500_000)  # under max_mb, over what one sendMail takes encoded
    with pytest.raises(
        Refused,
        match=r"scan\.pdf is 2\.5 MB: too big to send through Microsoft "
        r"Graph.*one request of at most 4 MB",
    ):
        check(graph, "Sales", scan)
    small = shared / "small.pdf"
    small.write_bytes(b"s" * 1_300_000)
    assert check(graph, "Sales", small).size == 1_300_000
    with pytest.raises(Refused, match="with the e-mail's other attachments"):
        check(graph, "Sales", small, others=(small, small))
    # IMAP/SMTP has no such limit.
    assert check(config, "Sales", scan).size == 2_500_000


def test_with_graph_an_e_mail_too_big_for_one_request_is_refused_before_the_outbox(
    config: Config,
) -> None:
    graph = config.model_copy(update={"server": config.server.model_copy(update={"type": "graph"})})
    shared = workspace_of(config) / "shared"
    (shared / "a.pdf").write_bytes(b"a" * 1_300_000)
    (shared / "b.pdf").write_bytes(b"b" * 1_300_000)
    alice = open_contact_center(graph, "alice", clock=lambda: NOW)
    item = alice.queue()[0]
    alice.take(item.id)
    draft = alice.draft(item.id, "reply")
    one = alice.attach(draft, shared / "a.pdf")
    with pytest.raises(Refused, match="Microsoft Graph"):
        alice.attach(one, shared / "b.pdf")
    # Handed both anyway, the e-mail is refused whole, before anything is queued.
    both = draft.edited(attachments=((shared / "a.pdf").resolve(), (shared / "b.pdf").resolve()))
    with pytest.raises(Refused, match=r"Microsoft Graph's sendMail.*4 MB.*remove an attachment"):
        alice.send(both)
    store = open_store(config)
    try:
        assert outbox.listing(store) == []
    finally:
        store.close()
    assert alice.send(one).outbox_id


# -- forwards ------------------------------------------------------------------------


def forwarded_workspace(tmp_path: Path) -> Config:
    config = attach_workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(
        store,
        config,
        mail(1, attachment=("invoice.pdf", b"%PDF customer invoice")),
        mail(2, attachment=("other.pdf", b"%PDF another customer's")),
    )
    store.close()
    return config


def test_a_forward_takes_the_originals_attachments_from_the_archive(tmp_path: Path) -> None:
    config = forwarded_workspace(tmp_path)
    alice = open_contact_center(config, "alice", clock=lambda: NOW)
    first = alice.queue()[0]
    alice.take(first.id)
    draft = alice.draft(first.id, "forward").edited(to=("accounts@seclab.example",))
    assert draft.forward_message is not None and draft.attachments == ()
    # Nothing on disk is involved: the bytes come from the archived original.
    sent = alice.send(draft)
    store = open_store(config)
    try:
        item = outbox.claim(store)
        assert item is not None and item.id == sent.outbox_id
        message = email.message_from_bytes(item.raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        parts = {p.get_filename(): p.get_content() for p in message.iter_attachments()}
        assert parts == {"invoice.pdf": b"%PDF customer invoice"}
    finally:
        store.close()


def test_a_forward_cannot_take_another_conversations_attachments(tmp_path: Path) -> None:
    config = forwarded_workspace(tmp_path)
    alice = open_contact_center(config, "alice", clock=lambda: NOW)
    first, second = alice.queue()[:2]
    alice.take(first.id)
    draft = alice.draft(first.id, "forward").edited(to=("accounts@seclab.example",))
    assert second.message is not None
    with pytest.raises(Refused, match="not part of the e-mail being forwarded"):
        alice.send(draft.edited(forward_message=second.message))


# -- config and micc check -------------------------------------------------------------


def test_config_paths_are_relative_to_the_file_and_expand_home(tmp_path: Path) -> None:
    toml = tmp_path / "c" / "micc.toml"
    toml.parent.mkdir()
    toml.write_text(
        '[attachments]\nfolders = ["shared", "~/leaflets", "/srv/files"]\nmax_mb = 5\n'
        '[[service_group]]\nname = "Sales"\nattachments_folder = "../sales"\n'
    )
    config = load_config(toml)
    assert config.attachments.folders == (
        toml.parent.resolve() / "shared",
        Path.home() / "leaflets",
        Path("/srv/files"),
    )
    assert config.attachments.max_mb == 5
    assert config.service_group[0].attachments_folder == toml.parent.resolve() / ".." / "sales"
    assert load_config(toml.parent / "micc.toml").attachments.folders[0].is_absolute()
    default = tmp_path / "d.toml"
    default.write_text("")
    assert load_config(default).attachments.max_mb == 20
    assert load_config(default).attachments.folders == ()


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ('[attachments]\nfolders = "shared"\n', 2, "attachments.folders", "wrong type"),
        ("[attachments]\nfolders = [3]\n", 2, "attachments.folders[0]", "wrong type"),
        ("[attachments]\nmax_mb = 0\n", 2, "attachments.max_mb", "greater than 0"),
        ('[attachments]\nmax_mb = "20"\n', 2, "attachments.max_mb", "wrong type"),
        ('[attachments]\nfolder = ["x"]\n', 2, "attachments.folder", 'did you mean "folders"'),
        (
            '[[service_group]]\nname = "Sales"\n\nattachments_folder = 3\n',
            4,
            "service_group[0].attachments_folder",
            "a path in quotes",
        ),
    ],
)
def test_config_errors_name_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str, words: str
) -> None:
    toml = tmp_path / "micc.toml"
    toml.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(toml)
    shown = str(error.value)
    assert shown.startswith(f"{toml}:{line}: {key}: "), shown
    assert words in shown


def test_micc_check_warns_about_a_missing_folder_with_its_line(tmp_path: Path) -> None:
    config = attach_workspace(tmp_path / "ws", folders='["shared", "gone"]')
    assert config.source is not None
    toml = config.source
    line = next(
        n for n, text in enumerate(toml.read_text().splitlines(), 1) if text.startswith("folders")
    )
    group_line = next(
        n
        for n, text in enumerate(toml.read_text().splitlines(), 1)
        if text.startswith("attachments_folder")
    )
    (toml.parent / "sales-files" / "sales-offer.txt").unlink()
    (toml.parent / "sales-files").rmdir()
    result = subprocess.run(
        [sys.executable, "-m", "micc_tui", "--config", str(toml), "check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    gone = toml.parent / "gone"
    assert f"warning: {toml}:{line}: attachments.folders: folder {gone} does not exist" in (
        result.stdout
    )
    assert (
        f"warning: {toml}:{group_line}: service_group[0].attachments_folder: folder "
        f"{toml.parent / 'sales-files'} does not exist" in result.stdout
    )
    assert "usable" in result.stdout


def test_micc_check_warns_about_a_folder_holding_the_store(tmp_path: Path) -> None:
    config = attach_workspace(tmp_path / "ws", folders='["."]')
    assert config.source is not None
    result = subprocess.run(
        [sys.executable, "-m", "micc_tui", "--config", str(config.source), "check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0
    assert re.search(r"attachments\.folders: folder .* holds .*micc\.db", result.stdout)
    # A hard link to a secret is the secret.
    os.link(workspace_of(config) / "secrets/imap-password", workspace_of(config) / "pw-copy")
    # And even there, the store and the secrets are never attached.
    alice = open_contact_center(config, "alice", clock=lambda: NOW)
    draft = alice.draft_new("Sales")
    for never in (
        config.store.path,
        config.source,
        workspace_of(config) / "secrets/imap-password",
        workspace_of(config) / "pw-copy",
    ):
        with pytest.raises(Refused, match="the store, the config or a secret file"):
            alice.attach(draft, never)
    listed = listing(config, "Sales").files
    assert all(f.path.resolve() not in (config.store.path.resolve(), config.source) for f in listed)
    assert "pw-copy" not in [f.relative for f in listed]
    assert "shared/leaflet.pdf" in [f.relative for f in listed]


# -- the console -------------------------------------------------------------------------


async def open_reply(app: object, pilot: object) -> ComposerScreen:
    from micc_tui.agent import AgentApp

    assert isinstance(app, AgentApp)
    await settle(pilot, lambda: table(app).row_count >= 1)  # type: ignore[arg-type]
    await pilot.press("n")  # type: ignore[attr-defined]
    await settle(pilot, lambda: table(app).row_count == 1)  # type: ignore[arg-type]
    await pilot.press("r")  # type: ignore[attr-defined]
    await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))  # type: ignore[arg-type]
    assert isinstance(app.screen, ComposerScreen)
    return app.screen


def options(picker: AttachPicker) -> list[str]:
    files = picker.query_one("#attach-files", OptionList)
    return [str(files.get_option_at_index(i).prompt) for i in range(files.option_count)]


async def test_the_picker_chooses_a_file_and_the_e_mail_leaves_with_it(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    with SmtpServer(cert, key, mode="none") as smtp:
        config = attach_workspace(tmp_path / "ws", smtp_port=smtp.port)
        store = open_store(config)
        deliver(store, config, mail(1))
        store.close()
        app = make_app(config)
        async with app.run_test(size=(100, 30)) as pilot:
            composer = await open_reply(app, pilot)
            await pilot.press(*"See the leaflet.")
            await pilot.press("ctrl+t")
            await settle(pilot, lambda: isinstance(app.screen, AttachPicker))
            picker = app.screen
            assert isinstance(picker, AttachPicker)
            await settle(pilot, lambda: len(options(picker)) == 3)
            assert [o.split("  ")[0] for o in options(picker)] == [
                "shared/leaflet.pdf",
                "shared/prices/2027.csv",
                "sales-files/sales-offer.txt",
            ]
            await pilot.press(*"leaf")
            await settle(pilot, lambda: len(options(picker)) == 1)
            assert options(picker)[0].startswith("shared/leaflet.pdf")
            await pilot.press("enter")
            await settle(pilot, lambda: app.screen is composer and bool(composer.draft.attachments))
            leaflet = (workspace_of(config) / "shared" / "leaflet.pdf").resolve()
            assert composer.draft.attachments == (leaflet,)
            assert "Attached: leaflet.pdf" in str(composer.query_one("#composer-status").render())
            await pilot.press("ctrl+s")
            await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
            # No engine runs yet: the console says the reply waits for one.
            assert any(n.message == QUEUED_WITHOUT_ENGINE for n in app._notifications)
        # The engine sends the outbox over SMTP.
        assert Engine(config, wait_slice=0.2).run(once=True, lease_wait=5) == 0
        assert len(smtp.accepted) == 1
        sent = email.message_from_bytes(smtp.accepted[0].raw, policy=email.policy.default)
        assert isinstance(sent, EmailMessage)
        parts = {p.get_filename(): p.get_content() for p in sent.iter_attachments()}
        assert parts == {"leaflet.pdf": LEAFLET}
        text = sent.get_body(("plain",))
        assert isinstance(text, EmailMessage) and "See the leaflet." in text.get_content()


async def test_the_picker_filters_and_escape_attaches_nothing(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await open_reply(app, pilot)
        await pilot.press("ctrl+t")
        await settle(pilot, lambda: isinstance(app.screen, AttachPicker))
        picker = app.screen
        assert isinstance(picker, AttachPicker)
        await pilot.press(*"nothing-like-this")
        await settle(pilot, lambda: options(picker) == [])
        assert "No files match" in str(picker.query_one("#attach-note").render())
        picker.query_one("#attach-filter", Input).value = "2027"
        await settle(pilot, lambda: len(options(picker)) == 1)
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is composer)
        assert composer.draft.attachments == ()


async def test_a_refused_choice_is_told_and_nothing_is_attached(config: Config) -> None:
    big = workspace_of(config) / "shared" / "catalogue.iso"
    with open(big, "wb") as out:
        out.truncate(31_200_000)
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await open_reply(app, pilot)
        await pilot.press("ctrl+t")
        await settle(pilot, lambda: isinstance(app.screen, AttachPicker))
        await pilot.press(*"catalogue")
        picker = app.screen
        assert isinstance(picker, AttachPicker)
        await settle(pilot, lambda: len(options(picker)) == 1)
        await pilot.press("enter")
        await settle(pilot, lambda: any(n.severity == "error" for n in app._notifications))
        shown = [n.message for n in app._notifications if n.severity == "error"]
        assert shown == ["catalogue.iso is 31.2 MB; attachments may be at most 20 MB"]
        assert app.screen is composer and composer.draft.attachments == ()


async def test_ctrl_t_without_folders_says_attaching_is_not_set_up(tmp_path: Path) -> None:
    config = attach_workspace(tmp_path / "ws", folders="[]")
    store = open_store(config)
    deliver(store, config, mail(1, to=SUPPORT))
    store.close()
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await open_reply(app, pilot)
        await pilot.press("ctrl+t")
        await settle(pilot, lambda: bool(app._notifications))
        assert app.screen is composer
        words = [n.message for n in app._notifications]
        assert any("not set up" in w and "[attachments] folders" in w for w in words), words


def test_the_listing_is_bounded(config: Config) -> None:
    first = listing(config, "Sales", limit=1)
    assert len(first.files) == 1 and first.truncated
    assert listing(config, "Sales", scan=1).truncated
    assert not listing(config, "Sales").truncated


def test_the_demo_workspace_has_a_folder_to_attach_from(tmp_path: Path) -> None:
    from micc_tui.demo.workspace import create_workspace

    config = load_config(create_workspace(tmp_path / "demo"))
    assert config.attachments.folders == ((tmp_path / "demo").resolve() / "shared",)
    names = [f.relative for f in listing(config, "Sales").files]
    assert names == ["solidus-price-list.txt"]
