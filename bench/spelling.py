"""Spelling benchmark: keystroke cost and suggestion latency, beside Debian's C Hunspell.

Run: ``python bench/spelling.py`` (needs /usr/share/hunspell from Debian's
hunspell-en-us, hunspell-de-de, hunspell-es; the ``hunspell`` program for the
C comparison). Prints a Markdown report; ``--json`` prints the raw figures.

What is measured, per culture:
- load: reading the dictionary; index: building the suggestion form index
  (done in the background after a load).
- keystroke: typing a 300-word reply one character at a time, checking the
  word under the cursor after each key (cold cache: partial words are new).
- idle re-check: checking the whole 300-word reply, cold and warm cache.
- suggestions for 30 typical typos, with the goal's budget: latency p50/p95/
  max, and how often the intended word is first / in the first five; the same
  words through ``hunspell -a`` (one process, one word per round trip).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.spelling import SpellChecker, install_dictionary, word_at
from engine.spelling.locate import DictionaryFiles, shipped_folder

HUNSPELL = Path("/usr/share/hunspell")
#: Suggestion budgets: the goals of issue 5.
BUDGETS = {"en-US": 0.15, "de-DE": 0.5, "es-ES": 0.5}

TYPOS: dict[str, list[tuple[str, str]]] = {
    "en-US": [
        ("recieve", "receive"),
        ("adress", "address"),
        ("seperate", "separate"),
        ("definately", "definitely"),
        ("occured", "occurred"),
        ("untill", "until"),
        ("wich", "which"),
        ("accomodate", "accommodate"),
        ("tommorow", "tomorrow"),
        ("beleive", "believe"),
        ("refnud", "refund"),
        ("neccessary", "necessary"),
        ("goverment", "government"),
        ("buisness", "business"),
        ("sincerly", "sincerely"),
        ("apologise", "apologize"),
        ("inconvienience", "inconvenience"),
        ("recieved", "received"),
        ("recomend", "recommend"),
        ("shipement", "shipment"),
        ("acount", "account"),
        ("pasword", "password"),
        ("cancelation", "cancellation"),
        ("wierd", "weird"),
        ("truely", "truly"),
        ("thier", "their"),
        ("teh", "the"),
        ("becuase", "because"),
        ("informaton", "information"),
        ("delivary", "delivery"),
    ],
    "de-DE": [
        ("Bestelung", "Bestellung"),
        ("Rechnugn", "Rechnung"),
        ("Lieferadrese", "Lieferadresse"),
        ("Kundendinst", "Kundendienst"),
        ("Rechnungsnumer", "Rechnungsnummer"),
        ("Entschuldigng", "Entschuldigung"),
        ("frreundlichen", "freundlichen"),
        ("Grüsse", "Grüße"),
        ("vielleich", "vielleicht"),
        ("Ruckerstattung", "Rückerstattung"),
        ("Ihnnen", "Ihnen"),
        ("Anfarge", "Anfrage"),
        ("Zahlug", "Zahlung"),
        ("Lieferzeiit", "Lieferzeit"),
        ("Pakett", "Paket"),
        ("Umtasch", "Umtausch"),
        ("Beschwerdde", "Beschwerde"),
        ("Kündigugn", "Kündigung"),
        ("Vertragsnumer", "Vertragsnummer"),
        ("Problemm", "Problem"),
        ("morgn", "morgen"),
        ("wiederr", "wieder"),
        ("Addresse", "Adresse"),
        ("Bestätigng", "Bestätigung"),
        ("Sendnug", "Sendung"),
        ("Retuore", "Retoure"),
        ("Kundennumer", "Kundennummer"),
        ("Gutschirft", "Gutschrift"),
        ("leidr", "leider"),
        ("Mitarbieter", "Mitarbeiter"),
    ],
    "es-ES": [
        ("grasias", "gracias"),
        ("pedio", "pedido"),
        ("factrua", "factura"),
        ("direccion", "dirección"),
        ("envio", "envío"),
        ("devolucion", "devolución"),
        ("atentamnte", "atentamente"),
        ("sinceramnete", "sinceramente"),
        ("porblema", "problema"),
        ("reembolzo", "reembolso"),
        ("clinete", "cliente"),
        ("numreo", "número"),
        ("mañna", "mañana"),
        ("disculaps", "disculpas"),
        ("informacion", "información"),
        ("entrga", "entrega"),
        ("solisitud", "solicitud"),
        ("contrasena", "contraseña"),
        ("corrreo", "correo"),
        ("telefono", "teléfono"),
        ("saludso", "saludos"),
        ("cuetna", "cuenta"),
        ("pagp", "pago"),
        ("tarjteta", "tarjeta"),
        ("resibido", "recibido"),
        ("ayda", "ayuda"),
        ("servico", "servicio"),
        ("atencion", "atención"),
        ("produto", "producto"),
        ("garantia", "garantía"),
    ],
}

PARAGRAPHS = {
    "en-US": (
        "Thank you for contacting our customer service team about your recent order. "
        "We are sorry to hear that the package arrived damaged and that some items were "
        "missing from the shipment. Our warehouse has confirmed the problem, and a "
        "replacement will be sent to your delivery address within three working days. "
        "If you would prefer a refund instead, please reply to this message and let us "
        "know which payment method you used, so that we can process it quickly."
    ),
    "de-DE": (
        "Vielen Dank für Ihre Nachricht an unseren Kundendienst zu Ihrer letzten "
        "Bestellung. Es tut uns leid, dass die Lieferung beschädigt angekommen ist und "
        "einige Artikel in der Sendung gefehlt haben. Unsere Lagerverwaltung hat das "
        "Problem bestätigt, und eine Ersatzlieferung wird innerhalb von drei Werktagen "
        "an Ihre Lieferadresse verschickt. Wenn Sie stattdessen eine Rückerstattung "
        "wünschen, antworten Sie bitte auf diese Nachricht und teilen Sie uns die "
        "Zahlungsart mit, damit wir die Gutschrift schnell bearbeiten können."
    ),
    "es-ES": (
        "Gracias por ponerse en contacto con nuestro servicio de atención al cliente "
        "sobre su pedido reciente. Lamentamos que el paquete haya llegado dañado y que "
        "faltaran algunos artículos en el envío. Nuestro almacén ha confirmado el "
        "problema, y le enviaremos un producto de sustitución a su dirección de entrega "
        "en un plazo de tres días laborables. Si prefiere un reembolso, responda a este "
        "mensaje e indíquenos el método de pago que utilizó, para que podamos tramitarlo."
    ),
}


def reply_of(culture: str, words: int = 300) -> str:
    """A reply of about ``words`` words: the paragraph repeated, with line breaks."""
    base = PARAGRAPHS[culture].split()
    out = [base[i % len(base)] for i in range(words)]
    return "\n".join(" ".join(out[i : i + 12]) for i in range(0, words, 12))


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


class HunspellPipe:
    """Debian's C Hunspell in ``-a`` (ispell pipe) mode: one word per round trip."""

    def __init__(self, base: Path) -> None:
        self.proc = subprocess.Popen(
            ["hunspell", "-a", "-i", "utf-8", "-d", str(base)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        assert self.proc.stdout is not None
        self.proc.stdout.readline()  # version banner

    def suggest(self, word: str) -> list[str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"^{word}\n")
        self.proc.stdin.flush()
        lines = []
        while (line := self.proc.stdout.readline().rstrip("\n")) != "":
            lines.append(line)
        head = lines[0] if lines else ""
        return head.split(": ", 1)[1].split(", ") if head.startswith("&") else []

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def files_for(culture: str, site: Path) -> DictionaryFiles:
    """The shipped en-US, or Debian's files installed into a scratch site folder."""
    if culture == "en-US":
        return DictionaryFiles(culture, shipped_folder() / culture)
    name = culture.replace("-", "_")
    result = install_dictionary([HUNSPELL / f"{name}.dic", HUNSPELL / f"{name}.aff"], culture, site)
    return DictionaryFiles(culture, result.folder)


def bench_culture(culture: str, site: Path) -> dict[str, Any]:
    """Every figure for one culture."""
    files = files_for(culture, site)
    started = time.perf_counter()
    checker = SpellChecker.load(files)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    checker.suggestions_ready(timeout=None)
    index_s = time.perf_counter() - started

    reply = reply_of(culture)
    keystrokes: list[float] = []
    for end in range(1, len(reply) + 1):
        started = time.perf_counter()
        token = word_at(reply[:end], end)
        if token is not None:
            checker.check_word(token.word)
        keystrokes.append(time.perf_counter() - started)

    checker.clear_cache()
    started = time.perf_counter()
    cold_found = checker.check_text(reply)
    recheck_cold = time.perf_counter() - started
    started = time.perf_counter()
    checker.check_text(reply)
    recheck_warm = time.perf_counter() - started

    budget = BUDGETS[culture]
    ours: list[float] = []
    first = five = 0
    for typo, wanted in TYPOS[culture]:
        started = time.perf_counter()
        found = checker.suggest(typo, budget)
        ours.append(time.perf_counter() - started)
        first += found[:1] == [wanted]
        five += wanted in found[:5]

    native: dict[str, Any] = {}
    if shutil.which("hunspell"):
        pipe = HunspellPipe(HUNSPELL / culture.replace("-", "_"))
        times: list[float] = []
        n_first = n_five = 0
        for typo, wanted in TYPOS[culture]:
            started = time.perf_counter()
            found = pipe.suggest(typo)
            times.append(time.perf_counter() - started)
            n_first += found[:1] == [wanted]
            n_five += wanted in found[:5]
        pipe.close()
        native = {
            "p50_ms": pct(times, 0.5),
            "p95_ms": pct(times, 0.95),
            "max_ms": max(times) * 1000,
            "top1": n_first,
            "top5": n_five,
        }

    return {
        "culture": culture,
        "load_s": load_s,
        "index_s": index_s,
        "keystroke_p50_ms": pct(keystrokes, 0.5),
        "keystroke_p95_ms": pct(keystrokes, 0.95),
        "keystroke_max_ms": max(keystrokes) * 1000,
        "keystrokes": len(keystrokes),
        "recheck_cold_ms": recheck_cold * 1000,
        "recheck_warm_ms": recheck_warm * 1000,
        "reply_words": len(reply.split()),
        "reply_misspelled": len(cold_found),
        "budget_s": budget,
        "suggest_p50_ms": pct(ours, 0.5),
        "suggest_p95_ms": pct(ours, 0.95),
        "suggest_max_ms": max(ours) * 1000,
        "top1": first,
        "top5": five,
        "typos": len(TYPOS[culture]),
        "hunspell_c": native,
    }


def report(rows: list[dict[str, Any]]) -> str:
    """The figures as Markdown tables."""
    lines = [
        f"Python {platform.python_version()}, {platform.machine()}, "
        f"spylls engine with micc's form-index suggester; C = Debian `hunspell -a`.",
        "",
        "| culture | load s | index s | keystroke p50 / p95 / max ms | "
        "re-check 300 words cold / warm ms |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['culture']} | {r['load_s']:.2f} | {r['index_s']:.2f} | "
            f"{r['keystroke_p50_ms']:.3f} / {r['keystroke_p95_ms']:.3f} / "
            f"{r['keystroke_max_ms']:.1f} | {r['recheck_cold_ms']:.1f} / "
            f"{r['recheck_warm_ms']:.1f} |"
        )
    lines += [
        "",
        "| culture | budget | suggest p50 / p95 / max ms | top-1 / top-5 of 30 | "
        "C hunspell p50 / p95 / max ms | C top-1 / top-5 |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        c = r["hunspell_c"]
        native = (
            (
                f"{c['p50_ms']:.0f} / {c['p95_ms']:.0f} / {c['max_ms']:.0f} | "
                f"{c['top1']} / {c['top5']}"
            )
            if c
            else "n/a | n/a"
        )
        lines.append(
            f"| {r['culture']} | {r['budget_s']:.2f} s | {r['suggest_p50_ms']:.0f} / "
            f"{r['suggest_p95_ms']:.0f} / {r['suggest_max_ms']:.0f} | "
            f"{r['top1']} / {r['top5']} | {native} |"
        )
    return "\n".join(lines)


def main() -> int:
    """Run the benchmark for en-US, de-DE and es-ES."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--culture", action="append", choices=sorted(BUDGETS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        rows = [bench_culture(c, Path(scratch)) for c in args.culture or list(BUDGETS)]
    print(json.dumps(rows, indent=2) if args.json else report(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
