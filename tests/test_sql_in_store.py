"""SQL lives in the store package: one module per table group, none in the UI.

Every string in engine/ and micc_tui/ that reads like a query is looked for;
only engine/store/ may hold one. A PostgreSQL store then has one place to
look (and engine/store/dialect.py for what differs).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORE = ROOT / "engine" / "store"
SQL = re.compile(
    r"\bSELECT\b.+\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b|\bCREATE\s+(TABLE|INDEX|TRIGGER)\b",
    re.DOTALL,
)


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "?"
                for v in node.values
            )
            found.append((node.lineno, text))
    return found


def test_no_query_outside_the_store_package() -> None:
    files = [p for top in ("engine", "micc_tui") for p in sorted((ROOT / top).rglob("*.py"))]
    assert len(files) > 100, "the source tree was not found"
    outside = []
    for path in files:
        if STORE in path.parents:
            continue
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            if SQL.search(text):
                outside.append(f"{path.relative_to(ROOT)}:{line}: {text[:70]!r}")
    assert not outside, "SQL outside engine/store:\n" + "\n".join(outside)


def test_the_check_finds_a_query() -> None:
    tree = ast.parse('x = f"SELECT id FROM conversations WHERE state = {s!r}"')
    assert any(SQL.search(text) for _, text in _strings(tree))
