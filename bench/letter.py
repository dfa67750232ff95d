"""The cover letter's PDF: Typst (now) against HTML → WeasyPrint (before), side by side.

    python -m bench.letter [--rounds 10] [--cold 3] [--images DIR]

The letters: every controller of the sample configuration (``sample_data/config``) in each
of its languages, as a request that found data in every system but the last (nothing
found there): every Art. 15 item of every register is in the letter. 5 controllers, 10
letters, 4–6 pages each.

**Warm** (what a worker that has made one letter pays for the next): one process makes
every letter once with each renderer (warm-up, not timed), then ``--rounds`` rounds in which
each letter is made by both, the order alternating every round. Every render is a new
letter, as in production (the person's name and the request id carry a running number):
Typst memoizes layout between compilations, and the same letter made twice would take a
fraction of the time. Timed per letter:
(a) before: ``weasyprint_pdf(html)``, the renderer this replaced, exactly as it was
    (``HTML(string=…, base_url=templates/letter/, url_fetcher=local only).write_pdf()``);
    the HTML itself is not timed (the package carries it either way);
(b) now: ``dsar.letter.render_letter_pdf(answer)`` — context, JSON, Typst, PDF/UA-1.
Wall and CPU time (``time.process_time``: every thread of the process, so Typst's worker
threads count) per render; medians over every render; the ratio is the median of the
per-render ratios (a)/(b). On a shared machine CPU time is the steadier of the two.

**Cold** (what a new process pays for its first letter): ``--cold`` fresh processes per
renderer, alternating, each timing its import and its first letter.

**Images**: the letter of Gjøvik Kultursenter, partial (data in its ticket system, with a
secret and a masked card number; its web-use system failed), in bokmål
and English, by both renderers, written as PDFs to ``DIR`` (default
``$DSAR_BENCH_DIR/letter``) and turned into pages by ``pdftoppm -png -r 60 X.pdf DIR/X``
(commands printed), plus one side-by-side PNG per page (before left, now right). Both
renderers' PDFs are also compared word for word (pypdf text).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench._common import bench_dir, machine, machine_line, median, ms, say, write_results

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "sample_data" / "config"


# ---------------------------------------------------------------------------- letters


def answers(*, partial: bool = False, only: str | None = None) -> list[Any]:
    """Every sample controller's letter in each of its languages (see the docstring)."""
    from dsar.config.loader import load_controller_file
    from dsar.report import Answer, SystemReport

    result = []
    for path in sorted(CONFIG.glob("*.toml")):
        for config in load_controller_file(path):
            if only and config.controller.id != only:
                continue
            systems = list(config.systems.values())
            reports = []
            for i, system in enumerate(systems):
                last = i == len(systems) - 1 and len(systems) > 1
                if last and partial:
                    reports.append(SystemReport(system, "failed", error="timeout after 300 s"))
                elif last:
                    reports.append(SystemReport(system, "nothing_found"))
                else:
                    counts = {cid: 3 + j for j, cid in enumerate(system.collections)}
                    reports.append(SystemReport(system, "complete", collections=counts))
            for language in config.controller.languages:
                result.append(Answer(
                    request_id="INN-2026-BENCH1",
                    controller=config.controller,
                    language=language,
                    subject_name="Kari Nordmann",
                    subject_email="kari.nordmann@example.no",
                    received_on=date(2026, 10, 30),
                    answered_on=date(2026, 11, 22),
                    generated_at=datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
                    systems=reports,
                    password_channel="sms",
                ))
    return result


def weasyprint_pdf(html: str) -> bytes:
    """The letter's PDF as it was made before Typst: WeasyPrint, local template files only."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from dsar.letter.render import templates_dir

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
            if not url.startswith(templates_dir().as_uri()):
                raise ValueError("only templates/letter/ may be read")
            return super().fetch(url, headers)

    fetcher = LocalOnlyFetcher(allowed_protocols=["file"])
    return HTML(string=html, base_url=str(templates_dir()) + "/", url_fetcher=fetcher).write_pdf()


# -------------------------------------------------------------------------------- warm


def warm(rounds: int) -> dict[str, Any]:
    from dsar.letter import render_letter_html, render_letter_pdf

    letters = answers()
    htmls = [render_letter_html(a) for a in letters]
    sizes: dict[str, list[int]] = {"before": [], "now": []}
    pages: dict[str, list[int]] = {"before": [], "now": []}
    for answer, html in zip(letters, htmls, strict=True):  # warm-up, and what each letter is
        for name, pdf in (("before", weasyprint_pdf(html)), ("now", render_letter_pdf(answer))):
            sizes[name].append(len(pdf))
            pages[name].append(_page_count(pdf))
    times: dict[str, list[float]] = {"before": [], "now": []}
    cpu: dict[str, list[float]] = {"before": [], "now": []}  # all the process's threads
    html_times: list[float] = []
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    made = 0
    for round_no in range(rounds):
        say(f"warm round {round_no + 1}/{rounds} …")
        for template in letters:
            made += 1
            answer = dataclasses.replace(template, subject_name=f"Kari Nordmann {made}",
                                         request_id=f"INN-2026-{made:06d}")
            t0 = time.perf_counter()
            html = render_letter_html(answer)
            html_times.append(time.perf_counter() - t0)
            order = ("before", "now") if round_no % 2 == 0 else ("now", "before")
            took = {}
            for name in order:
                t0, c0 = time.perf_counter(), time.process_time()
                weasyprint_pdf(html) if name == "before" else render_letter_pdf(answer)
                took[name] = time.perf_counter() - t0
                times[name].append(took[name])
                cpu[name].append(time.process_time() - c0)
            ratios.append(took["before"] / took["now"])
            cpu_ratios.append(cpu["before"][-1] / cpu["now"][-1])
    return {"letters": len(letters), "times": times, "cpu": cpu, "html_times": html_times, "ratios": ratios,
            "cpu_ratios": cpu_ratios, "sizes": sizes, "pages": pages}


def _page_count(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


# -------------------------------------------------------------------------------- cold

_COLD = """
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {repo!r})
from bench.letter import answers, weasyprint_pdf
from dsar.letter import render_letter_html, render_letter_pdf
answer = answers(only="gjovik-kultursenter")[0]
html = render_letter_html(answer)
t1 = time.perf_counter()
{imports}
t2 = time.perf_counter()
{render}
t3 = time.perf_counter()
print(json.dumps({{"setup_s": t1 - t0, "import_s": t2 - t1, "first_s": t3 - t2}}))
"""

_RENDERERS = {
    "before": ("import weasyprint", "weasyprint_pdf(html)"),
    "now": ("import typst", "render_letter_pdf(answer)"),
}


def cold(processes: int) -> dict[str, list[dict[str, float]]]:
    result: dict[str, list[dict[str, float]]] = {"before": [], "now": []}
    for i in range(processes):
        order = ("before", "now") if i % 2 == 0 else ("now", "before")
        for name in order:
            imports, render = _RENDERERS[name]
            code = _COLD.format(repo=str(REPO), imports=imports, render=render)
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
            result[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    return result


# ------------------------------------------------------------------------------ images


def images(dest: Path) -> dict[str, Any]:
    """Before and now PDFs and PNG pages of the partial Gjøvik letter, both languages."""
    import io

    from PIL import Image
    from pypdf import PdfReader

    from dsar.letter import render_letter_html, render_letter_pdf

    dest.mkdir(parents=True, exist_ok=True)
    commands: list[str] = []
    same_words: dict[str, bool] = {}
    for answer in answers(partial=True, only="gjovik-kultursenter"):
        lang = answer.language
        pdfs = {"before": weasyprint_pdf(render_letter_html(answer)), "now": render_letter_pdf(answer)}
        words = {}
        for name, pdf in pdfs.items():
            stem = f"{name}-{lang}"
            for old in dest.glob(f"{stem}-*.png"):
                old.unlink()
            (dest / f"{stem}.pdf").write_bytes(pdf)
            command = ["pdftoppm", "-png", "-r", "60", str(dest / f"{stem}.pdf"), str(dest / stem)]
            subprocess.run(command, check=True)
            commands.append(" ".join(command))
            text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
            words[name] = set(re.findall(r"\w+", text))
        same_words[lang] = words["before"] == words["now"]
        before = sorted(dest.glob(f"before-{lang}-*.png"))
        now = sorted(dest.glob(f"now-{lang}-*.png"))
        for page, (a, b) in enumerate(zip(before, now, strict=False), start=1):
            left, right = Image.open(a), Image.open(b)
            both = Image.new("RGB", (left.width + right.width + 12, max(left.height, right.height)), "#808080")
            both.paste(left, (0, 0))
            both.paste(right, (left.width + 12, 0))
            both.save(dest / f"side-by-side-{lang}-{page}.png")
        if len(before) != len(now):
            say(f"{lang}: {len(before)} pages before, {len(now)} now")
    return {"commands": commands, "same_words": same_words, "dir": str(dest)}


# -------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.letter", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="warm rounds over the 10 letters")
    parser.add_argument("--cold", type=int, default=3, help="fresh processes per renderer")
    parser.add_argument("--images", type=Path, default=None, help="where the PDFs and PNGs go")
    args = parser.parse_args(argv)

    from importlib.metadata import version

    info = machine()
    info["typst"] = version("typst")
    info["weasyprint"] = version("weasyprint")
    print(machine_line(info) + f"; typst (PyPI) {info['typst']}, WeasyPrint {info['weasyprint']}")

    shots = images(args.images or bench_dir() / "letter")
    w = warm(args.rounds)
    c = cold(args.cold)

    before, now = w["times"]["before"], w["times"]["now"]
    print(f"\n### Warm: {w['letters']} letters × {args.rounds} rounds, both renderers alternating\n")
    print("| renderer | median / letter | p10 | p90 | min | max | CPU / letter (median) | pages | PDF size (median) |")
    print("|---|---|---|---|---|---|---|---|---|")
    from bench._common import percentile

    for name, label, values in (("before", "before: HTML → WeasyPrint", before),
                                ("now", "now: context → Typst (PDF/UA-1)", now)):
        print(f"| {label} | **{ms(median(values))} ms** | {ms(percentile(values, 10))} ms | "
              f"{ms(percentile(values, 90))} ms | {ms(min(values))} ms | {ms(max(values))} ms | "
              f"{ms(median(w['cpu'][name]))} ms | "
              f"{min(w['pages'][name])}–{max(w['pages'][name])} | {median(w['sizes'][name]) / 1024:.0f} KB |")
    print(f"\n**Ratio before/now: {median(w['ratios']):.0f}× (median of {len(w['ratios'])} per-render ratios; "
          f"ratio of medians {median(before) / median(now):.0f}×); CPU time {median(w['cpu_ratios']):.0f}×.** "
          f"The HTML letter (Jinja2), made either way "
          f"for the package: {ms(median(w['html_times']))} ms median.")

    print(f"\n### Cold: a fresh process's first letter, {args.cold} processes per renderer, alternating\n")
    print("| renderer | import (median) | first letter (median) | together |")
    print("|---|---|---|---|")
    for name, label in (("before", "before: `import weasyprint`, first PDF"), ("now", "now: `import typst`, first PDF")):
        imp = median([r["import_s"] for r in c[name]])
        first = median([r["first_s"] for r in c[name]])
        print(f"| {label} | {ms(imp)} ms | {ms(first)} ms | **{ms(imp + first)} ms** |")

    print("\n### Images (Gjøvik Kultursenter, partial answer)\n")
    for command in shots["commands"]:
        print(f"    {command}")
    print(f"\nside by side (before left, now right): {shots['dir']}/side-by-side-LANG-PAGE.png; "
          f"same words in both PDFs: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in shots["same_words"].items()))
    say(f"results in {write_results('letter', {'machine': info, 'warm': w, 'cold': c, 'images': shots})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
