"""A group's response library: re-read on change, last good version kept, threads."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from engine.config.model import ServiceGroupConfig
from engine.responses import Response, ResponseFileError, ResponseLibrary

V1 = "# Sales\n## Thanks\nshortcut: thanks\nThank you for your order.\n"
V2 = "# Sales\n## Thanks\nshortcut: thanks\nMany thanks for your order!\n## Quote\nA quote.\n"
BROKEN = "# Sales\nIntro\n## Thanks\nx\n"


def write(path: Path, text: str, mtime_ns: int) -> None:
    """Write ``text`` and set an explicit mtime, so the test does not hang on clock granularity."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.fixture
def sales(tmp_path: Path) -> Path:
    path = tmp_path / "sales.md"
    write(path, V1, 1_000_000_000_000_000_000)
    return path


def body(library: ResponseLibrary, word: str) -> str:
    response = library.shortcut(word)
    assert isinstance(response, Response)
    return response.body


def test_reload_on_change_without_restart(sales: Path) -> None:
    library = ResponseLibrary(sales, group="Sales")
    first = library.tree()
    assert body(library, "thanks") == "Thank you for your order."
    assert library.generation == 1
    assert library.tree() is first  # unchanged file: not parsed again

    write(sales, V2, 1_000_000_001_000_000_000)
    assert body(library, "thanks") == "Many thanks for your order!"
    assert library.find(["Sales", "Quote"]) is not None
    assert library.generation == 2


def test_same_size_edit_is_seen_through_mtime(sales: Path) -> None:
    library = ResponseLibrary(sales)
    assert body(library, "thanks") == "Thank you for your order."
    write(sales, V1.replace("Thank you", "Thank You"), 1_000_000_002_000_000_000)
    assert body(library, "thanks") == "Thank You for your order."


def test_broken_edit_keeps_the_last_good_tree(sales: Path) -> None:
    library = ResponseLibrary(sales, group="Sales")
    good = library.tree()
    write(sales, BROKEN, 1_000_000_003_000_000_000)
    assert library.tree() is good
    (problem,) = library.problems
    assert problem.line == 1 and problem.file == sales and "both body text" in problem.message
    assert library.generation == 1

    write(sales, V2, 1_000_000_004_000_000_000)
    assert library.problems == ()
    assert body(library, "thanks") == "Many thanks for your order!"


def test_unusable_from_the_start_raises_with_the_problems(tmp_path: Path) -> None:
    path = tmp_path / "support.md"
    library = ResponseLibrary(path, group="Support")
    with pytest.raises(ResponseFileError, match="cannot read the response file") as caught:
        library.tree()
    assert "service group 'Support'" in caught.value.problems[0].hint

    write(path, BROKEN, 1_000_000_000_000_000_000)
    with pytest.raises(ResponseFileError, match=r"support\.md:1: error"):
        library.tree()

    write(path, V1, 1_000_000_001_000_000_000)  # created and fixed later: no restart
    assert body(library, "thanks") == "Thank you for your order."


def test_deleted_file_keeps_serving_the_last_version(sales: Path) -> None:
    library = ResponseLibrary(sales)
    good = library.tree()
    sales.unlink()
    assert library.tree() is good
    assert "cannot read" in library.problems[0].message


def test_for_group(tmp_path: Path) -> None:
    assert ResponseLibrary.for_group(ServiceGroupConfig(name="Marketing")) is None
    library = ResponseLibrary.for_group(
        ServiceGroupConfig(name="Sales", responses=tmp_path / "sales.md")
    )
    assert library is not None and library.path == tmp_path / "sales.md"
    assert library.group == "Sales"


def test_readers_in_threads_see_whole_versions_while_the_file_changes(sales: Path) -> None:
    library = ResponseLibrary(sales)
    bodies = {"Thank you for your order.", "Many thanks for your order!"}
    seen: set[str] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                seen.add(body(library, "thanks"))
        except BaseException as exc:  # any failure in a reader must fail the test
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    for step in range(200):
        # Saved the way most editors save: a new file renamed over the old one.
        fresh = sales.with_suffix(".tmp")
        write(fresh, (V1, V2)[step % 2], 1_000_000_000_000_000_000 + step * 1_000_000)
        os.replace(fresh, sales)
    stop.set()
    for thread in readers:
        thread.join()
    assert errors == []
    assert seen <= bodies and seen
