"""Real servers the tests run against, each on loopback with a private configuration."""

from __future__ import annotations

import pytest


def require(installed: bool, what: str) -> None:
    """Fail, not skip, when a real part the tests need is missing.

    A skipped test proves nothing, and ``.ci/run`` installs every part; the
    message says which package to install.
    """
    if not installed:
        pytest.fail(f"{what} is not installed; .ci/run installs it", pytrace=False)
