"""The engine works without a screen: it never imports Textual, Rich or the consoles."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parents[1]


def test_importing_every_engine_module_loads_no_ui() -> None:
    # Rich is not checked here: httpx loads it for its own command line when
    # installed. The import-linter contract below checks that no engine module
    # imports rich itself.
    names = [m.name for m in pkgutil.walk_packages(engine.__path__, "engine.")]
    assert len(names) > 5
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'micc_tui'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == ""


def test_import_linter_contract_holds() -> None:
    lint = shutil.which("lint-imports")
    assert lint, "import-linter is part of the [test] extra"
    result = subprocess.run(
        [lint], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
