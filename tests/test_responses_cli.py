"""`micc responses show GROUP [--json]` and `micc responses lint FILE...`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from micc_tui.cli.main import main

SALES = """\
# Quotes
## Volume discounts
### Business customers
#### 100 units or more
shortcut: vol100
We make an individual offer, $From.Name$.
## Payment terms
```html
<p>Card or invoice.</p>
```
# Rückfragen
## Lieferzeit
Drei Werktage.
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "responses").mkdir()
    (tmp_path / "responses" / "sales.md").write_text(SALES, encoding="utf-8")
    (tmp_path / "responses" / "broken.md").write_text("# A\nx\n## B\ny\n", encoding="utf-8")
    path = tmp_path / "micc.toml"
    path.write_text(
        '[[service_group]]\nname = "Sales"\nresponses = "responses/sales.md"\n'
        '[[service_group]]\nname = "Marketing"\n'
        '[[service_group]]\nname = "Support"\nresponses = "responses/broken.md"\n',
        encoding="utf-8",
    )
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # fail() exits
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_show_prints_the_tree(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--config", str(config), "responses", "show", "Sales")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Sales: {config.parent / 'responses' / 'sales.md'} (3 responses)",
        "├── Quotes/",
        "│   ├── Volume discounts/",
        "│   │   └── Business customers/",
        "│   │       └── 100 units or more  [::vol100]",
        "│   └── Payment terms  [HTML]",
        "└── Rückfragen/",
        "    └── Lieferzeit",
    ]


def test_show_json(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "responses", "show", "Sales", "--json", "--config", str(config))
    assert code == 0
    data = json.loads(out)
    assert data["group"] == "Sales" and data["responses"] == 3 and data["warnings"] == []
    quotes, german = data["tree"]
    assert quotes["type"] == "category" and german["title"] == "Rückfragen"
    deepest = quotes["children"][0]["children"][0]["children"][0]
    assert deepest == {
        "type": "response",
        "title": "100 units or more",
        "path": ["Quotes", "Volume discounts", "Business customers", "100 units or more"],
        "line": 4,
        "shortcut": "vol100",
        "html": False,
        "body": "We make an individual offer, $From.Name$.",
    }
    assert quotes["children"][1]["html"] is True


def test_show_explains_unusable_groups(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--config", str(config), "responses", "show", "Billing")
    assert code == 2
    assert "no service group 'Billing' (service groups: Sales, Marketing, Support)" in err

    code, _, err = run(capsys, "--config", str(config), "responses", "show", "Marketing")
    assert code == 2
    assert "'Marketing' has no response file" in err
    assert 'responses = "responses/marketing.md"' in err

    code, out, err = run(capsys, "--config", str(config), "responses", "show", "Support")
    assert code == 1 and out == ""
    assert f"{config.parent / 'responses' / 'broken.md'}:1: error: 'A' has both body" in err


def test_lint(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = config.parent / "responses"
    code, out, err = run(capsys, "responses", "lint", str(folder / "sales.md"))
    assert (code, err) == (0, "")
    assert out == f"{folder / 'sales.md'}: ok: 3 responses in 4 categories\n"

    latin1 = folder / "latin1.md"
    latin1.write_bytes("# Grüße\nHallo\n".encode("latin-1"))
    code, out, err = run(
        capsys,
        "responses",
        "lint",
        str(folder / "sales.md"),
        str(folder / "broken.md"),
        str(latin1),
        str(folder / "missing.md"),
    )
    assert code == 1
    assert "sales.md: ok" in out
    assert f"{folder / 'broken.md'}:1: error: 'A' has both body text (line 2)" in err
    not_utf8 = "error: the file is not UTF-8: byte 0xFC at offset 4 (line 1, column 5)"
    assert f"{latin1}:1: {not_utf8}" in err
    assert f"{folder / 'missing.md'}: error: cannot read the response file" in err


def test_lint_warnings_do_not_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.md"
    path.write_text("# Sales\n## Later\n## Hi\nDear $From.Nme$\n", encoding="utf-8")
    code, out, err = run(capsys, "responses", "lint", str(path))
    assert code == 0
    assert out == f"{path}: ok: 1 response in 2 categories, 2 warnings\n"
    assert f"{path}:2: warning: 'Later' has neither body text nor sub-headings" in err
    assert f"{path}:4: warning: $From.Nme$ is not a template identifier" in err


def test_init_workspace_has_response_files(tmp_path: Path) -> None:
    """The real command, as an administrator runs it, on the workspace `micc init` writes."""
    workspace = tmp_path / "ws"
    assert main(["init", str(workspace)]) == 0
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "micc_tui",
            "--config",
            str(workspace / "micc.toml"),
            "responses",
            "show",
            "Support",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Deutsch (German)/" in result.stdout
    assert "Rücksendung und Erstattung  [::de-retoure]" in result.stdout
    lint = subprocess.run(
        [
            sys.executable,
            "-m",
            "micc_tui",
            "responses",
            "lint",
            *(str(p) for p in sorted((workspace / "responses").glob("*.md"))),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert lint.returncode == 0 and lint.stderr == ""
    assert lint.stdout.count(": ok: ") == 3
