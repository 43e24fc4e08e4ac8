"""Benchmark: rendering a 20 KB HTML template with 50 identifiers (goal: <= 1 ms).

Run: ``python bench/templates.py``. Prints the per-render time of the cached
path (what every confirmation and reply after the first costs), the first
render of a new text (repair and compile included), render_file (read,
decode, render) and the HTML-to-text conversion used for SMS.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.templates import (
    IDENTIFIERS,
    TemplateContext,
    compile_template,
    html_to_text,
    render,
    render_file,
)

GOAL_MS = 1.0
SIZE = 20 * 1024
COUNT = 50

CONTEXT = TemplateContext(
    subject="Order 10442 arrived damaged & late",
    from_name="Anna Lindqvist",
    from_address="anna@example.com",
    received=datetime(2026, 11, 26, 8, 15, tzinfo=UTC),
    service_access="Solidus Sales",
    service_group="Sales",
    service_group_email="sales@example.com",
    agent_name="Jonas Berg",
    agent_first_name="Jonas",
    agent_last_name="Berg",
    customer_name="Anna <Lindqvist>",
    customer_email="anna@example.com",
    customer_id="C-1",
    customer_number="+46 8 123",
    call_id="4711",
    locale="de-DE",
    timezone="Europe/Stockholm",
)


def make_template() -> str:
    """A Word-like HTML page of about 20 KB holding 50 identifiers."""
    head = (
        '<html><head><meta http-equiv=Content-Type content="text/html; charset=utf-8">'
        "<style>p.MsoNormal{margin:0cm;font-size:11.0pt}</style></head><body>\n"
    )
    paragraphs = [
        f'<p class=MsoNormal style="margin-bottom:6pt">Line {i}: '
        f"${IDENTIFIERS[i % len(IDENTIFIERS)]}$ costs $5 or $10 with us.</p>\n"
        for i in range(COUNT)
    ]
    filler = "<p class=MsoNormal>Lorem ipsum dolor sit amet, consectetur &amp; more.</p>\n"
    body = "".join(paragraphs)
    pad = (SIZE - len(head) - len(body) - len("</body></html>\n")) // len(filler)
    return head + body + filler * pad + "</body></html>\n"


def per_call_ms(function: Callable[[], object], number: int) -> tuple[float, float]:
    """Best and median milliseconds per call over seven repeats."""
    timer = timeit.Timer(function)
    runs = [t / number * 1000 for t in timer.repeat(repeat=7, number=number)]
    return min(runs), statistics.median(runs)


def main() -> int:
    """Run the benchmark; exit 1 when the cached render misses the goal."""
    template = make_template()
    assert len(template) >= SIZE - 200 and template.count("$") >= COUNT * 2
    render(template, CONTEXT, html=True)

    cached = per_call_ms(lambda: render(template, CONTEXT, html=True), 2000)

    def cold() -> None:
        compile_template.cache_clear()
        render(template, CONTEXT, html=True)

    first = per_call_ms(cold, 200)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.html"
        path.write_text(template, encoding="utf-8")
        from_file = per_call_ms(lambda: render_file(path, CONTEXT), 1000)
    rendered = render(template, CONTEXT, html=True)
    to_text = per_call_ms(lambda: html_to_text(rendered), 20)

    print(f"template: {len(template.encode())} bytes, {COUNT} identifiers, locale de-DE")
    for label, (best, median) in (
        ("render (cached)", cached),
        ("first render (compile)", first),
        ("render_file", from_file),
        ("html_to_text (SMS)", to_text),
    ):
        print(f"{label:24} best {best:7.3f} ms   median {median:7.3f} ms")
    met = cached[1] <= GOAL_MS
    print(f"goal <= {GOAL_MS} ms per render: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
