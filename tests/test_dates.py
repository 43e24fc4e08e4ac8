"""One date and time format per locale in every pane (issue 15 item 12).

Before, five: ``2026-12-01 21:23`` (reading pane), ``12/1/26, 9:23 PM``
(quote header), ISO with its offset (forwards), ``2026-12-01T21:24``
(history), ``12-01 21:31`` (supervisor tables). Now the locale's short date
and time patterns (engine/dates.py), in local time, the time alone for today
where room is short.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from textual.widgets import Static

from engine import dates
from engine.bootstrap import open_store
from engine.config import Config
from tests.agent_console_helpers import make_app, screen, settle
from tests.agent_fixtures import NOW, deliver, mail, workspace


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    dates.use_locale("en-US")
    monkeypatch.undo()
    time.tzset()


def test_each_locale_has_its_own_pattern_and_today_is_the_time_alone() -> None:
    stamp = "2026-12-01T21:23:00+00:00"
    assert dates.date_time(stamp) == "12/1/26, 9:23 PM"
    assert dates.date_time(stamp, "de-DE") == "01.12.26, 21:23"
    assert dates.date_time(stamp, "es-ES") == "1/12/26, 21:23"
    later_that_day = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert dates.when(stamp, now=later_that_day) == "9:23 PM"
    assert dates.when(stamp, "de-DE", now=later_that_day) == "21:23"
    assert dates.when(stamp, now=datetime(2026, 12, 2, 8, 0, tzinfo=UTC)) == "12/1/26, 9:23 PM"
    assert dates.date_time("2026-12-01 21:23:00") == "12/1/26, 9:23 PM"  # no offset: UTC
    assert dates.date_time("not a time") == "not a time"
    dates.use_locale("de-DE")
    assert dates.date_time(stamp) == "01.12.26, 21:23"


async def test_the_reading_pane_writes_the_date_the_locale_s_way(tmp_path: object) -> None:
    from pathlib import Path

    config: Config = workspace(Path(str(tmp_path)) / "ws")
    store = open_store(config)
    deliver(store, config, mail(1))
    store.close()
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: screen(app).reading is not None)
        headers = str(app.screen.query_one("#reading-headers", Static).render())
        sent = NOW.replace(tzinfo=UTC) if NOW.tzinfo is None else NOW
        expected = dates.date_time(mail_date(sent))
        assert f"Date: {expected}" in headers
        assert "-12-" not in headers and "T" not in expected


def mail_date(now: datetime) -> datetime:
    """The Date header tests.agent_fixtures.mail writes for e-mail 1."""
    from datetime import timedelta

    return now - timedelta(hours=3, minutes=-1)


def test_a_forward_writes_its_date_as_the_quote_header_does(tmp_path: object) -> None:
    from pathlib import Path

    from engine.service import open_contact_center

    config: Config = workspace(Path(str(tmp_path)) / "ws")
    store = open_store(config)
    deliver(store, config, mail(1))
    store.close()
    center = open_contact_center(config, "alice")
    try:
        item = center.take_next()
        assert item is not None
        reply = center.draft(item.id, "reply").body
        forward = center.draft(item.id, "forward").body
    finally:
        center.close()
    quoted_when = reply.split("On ", 1)[1].split(", Customer 1 wrote:")[0]
    date_line = next(line for line in forward.splitlines() if line.startswith("Date: "))
    assert date_line == f"Date: {quoted_when}"
    assert "T" not in date_line and "+" not in date_line
