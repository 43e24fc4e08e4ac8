"""The `micc` command line: init, check, route, access, import, queue, archive."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from micc_tui.cli.main import main


def micc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "micc_tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    assert main(["init", str(tmp_path / "ws")]) == 0
    return tmp_path / "ws" / "micc.toml"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    capsys.readouterr()
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_init_writes_a_usable_workspace(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (workspace.parent / "templates" / "confirm.txt").exists()
    result = run_json(capsys, "check", "--config", str(workspace), "--json")
    assert isinstance(result, dict) and result["usable"] is True


def test_check_exits_2_and_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[server]\nprocessed = "shred"\n')
    result = micc("--config", str(bad), "check")
    assert result.returncode == 2
    assert f"{bad}:2: server.processed: 'shred' is not allowed" in result.stdout


def test_check_warns_about_overlaps(tmp_path: Path) -> None:
    config = tmp_path / "m.toml"
    config.write_text(
        '[[service_group]]\nname = "G"\n'
        '[[service_access]]\nname = "A"\naddress = "sales.*@x.com"\n'
        'service_group = "G"\n'
        '[[service_access]]\nname = "B"\naddress = "*@x.com"\nservice_group = "G"\n'
    )
    result = micc("check", "--config", str(config))
    assert result.returncode == 0
    assert "'A' and 'B' overlap: both match sales.x@x.com" in result.stdout


def test_route_json(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(
        capsys,
        "--config",
        str(workspace),
        "route",
        "solidus.sales.retail@seclab.com",
        "x@y.org",
        "--json",
    )
    assert result == [
        {
            "address": "solidus.sales.retail@seclab.com",
            "service_access": "Sales",
            "service_group": "Sales",
        },
        {"address": "x@y.org", "service_access": None, "service_group": None},
    ]


def test_activation_order_decides_and_persists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "m.toml"
    config.write_text(
        '[[service_group]]\nname = "G1"\n[[service_group]]\nname = "G2"\n'
        '[[service_access]]\nname = "Wide"\naddress = "*@x.com"\n'
        'service_group = "G1"\n'
        '[[service_access]]\nname = "Narrow"\naddress = "a@x.com"\n'
        'service_group = "G2"\n'
    )
    c = ["--config", str(config)]
    route = run_json(capsys, *c, "route", "a@x.com", "--json")
    assert isinstance(route, list) and route[0]["service_access"] == "Wide"
    assert main([*c, "access", "deactivate", "Wide"]) == 0
    assert main([*c, "access", "activate", "Wide"]) == 0
    listing = run_json(capsys, *c, "access", "list", "--json")
    assert isinstance(listing, list)
    assert [(a["name"], a["order"]) for a in listing] == [("Narrow", 2), ("Wide", 3)]
    route = run_json(capsys, *c, "route", "a@x.com", "--json")
    assert isinstance(route, list) and route[0]["service_access"] == "Narrow"


def test_unknown_access_suggests(workspace: Path) -> None:
    result = micc("--config", str(workspace), "access", "activate", "Sale")
    assert result.returncode == 2 and "did you mean Sales" in result.stderr


def test_import_queue_and_archive(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mail = tmp_path / "m.eml"
    mail.write_bytes(
        'From: "Kund\u00e9 [bold]" <k@cust.se>\r\n'
        "To: Solidus.Sales.Retail@seclab.com\r\nCc: other@cust.se\r\n"
        "Subject: =?utf-8?q?R=C3=A4kning_ORD-054321?=\r\n"
        "Message-ID: <m1@cust.se>\r\nDate: Thu, 26 Nov 2026 10:00:00 +0100\r\n"
        "\r\nHej!\r\n".encode()
    )
    c = ["--config", str(workspace)]
    summary = run_json(capsys, *c, "import", str(mail), "--json")
    assert summary == {
        "files": 1,
        "archived": 1,
        "duplicates": 0,
        "routed": 1,
        "unrouted": 0,
        "unreadable": [],
        "parked": [],
        "skipped": [],
    }
    [item] = run_json(capsys, *c, "queue", "--group", "Sales", "--json")  # type: ignore[misc]
    for key in (
        "id",
        "message_id",
        "subject",
        "from_name",
        "from_address",
        "to",
        "service_access",
        "service_group",
        "state",
        "received",
    ):
        assert key in item
    assert item["subject"] == "Räkning ORD-054321"
    assert item["from_name"] == "Kundé [bold]"
    assert item["to"] == ["Solidus.Sales.Retail@seclab.com"]
    assert (item["service_group"], item["state"]) == ("Sales", "queued")
    assert item["received"].startswith("20")
    assert run_json(capsys, *c, "queue", "--group", "Support", "--json") == []
    hits = run_json(capsys, *c, "archive", "search", "ORD-054321", "--json")
    assert isinstance(hits, list) and len(hits) == 1
    raw = micc(*c, "archive", "show", str(hits[0]["id"]), "--raw")
    assert raw.stdout.encode() == mail.read_bytes().replace(
        b"\r\n", b"\n"
    ) or raw.stdout.encode().startswith(b"From:")
    shown = micc(*c, "archive", "show", str(hits[0]["id"]))
    assert "Subject: Räkning ORD-054321" in shown.stdout


def test_archive_show_raw_is_verbatim(workspace: Path, tmp_path: Path) -> None:
    data = b"From: a@b.c\r\nTo: Solidus.Support@seclab.com\r\nSubject: \xff\xfe raw\r\n\r\nx\r\n"
    (tmp_path / "r.eml").write_bytes(data)
    c = ["--config", str(workspace)]
    assert micc(*c, "import", str(tmp_path / "r.eml")).returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "micc_tui", *c, "archive", "show", "1", "--raw"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == data


def test_text_listing_makes_escapes_inert(workspace: Path, tmp_path: Path) -> None:
    (tmp_path / "e.eml").write_bytes(
        b"From: a@b.c\r\nTo: Solidus.Support@seclab.com\r\n"
        b"Subject: =?utf-8?q?x=1B[2J_y?=\r\n\r\nx\r\n"
    )
    c = ["--config", str(workspace)]
    micc(*c, "import", str(tmp_path / "e.eml"))
    listing = micc(*c, "queue")
    assert "\x1b" not in listing.stdout and "x\\x1b[2J y" in listing.stdout
