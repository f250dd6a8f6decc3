"""Documents benchmark: building, rendering and verifying documents of the demo company.

Builds the demo company's year (`erp demo`) in a temporary SQLite file, then for its first
invoice, its first purchase order and a year-end statement of account, in English, Chinese and
German, times (median of ``--rounds``): building the document from the log, rendering HTML,
rendering PDF, and `verify_file` of the PDF (chain recomputed up to the document, document
rebuilt, PDF rendered again and compared).

Prints every figure and (re)writes the section ``## Documents (bench/bench_documents.py)`` of
``docs/performance.md``, keeping the other sections.

    .venv/bin/python bench/bench_documents.py
    .venv/bin/python bench/bench_documents.py --rounds 3 --no-doc   # quick, print only
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Documents (bench/bench_documents.py)"


def timed(fn: Callable[[], object], rounds: int) -> float:
    """The median wall time of `fn` in milliseconds."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(
    erp: object, number: str, language: str, doc: object, pdf: bytes, rounds: int
) -> tuple[float, float, float, float]:
    """Build, HTML, PDF and verify times (ms) of one document in one language."""
    from erp_core.documents import service
    from erp_core.documents.render import render

    return (
        timed(lambda: service.document(erp, number, language=language), rounds),  # type: ignore[arg-type]
        timed(lambda: render(doc, "html"), rounds),  # type: ignore[arg-type]
        timed(lambda: render(doc, "pdf"), rounds),  # type: ignore[arg-type]
        timed(lambda: service.verify_file(erp, pdf), rounds),  # type: ignore[arg-type]
    )


def write_doc(path: Path, section: str) -> None:
    text_ = path.read_text() if path.exists() else "# Performance\n"
    lines = text_.splitlines()
    if SECTION in lines:
        start = lines.index(SECTION)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        lines[start:end] = [*section.rstrip("\n").splitlines(), ""]
        path.write_text("\n".join(lines).rstrip("\n") + "\n")
    else:
        path.write_text(text_.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n")


def main() -> None:
    from erp_core import Erp
    from erp_core.demo import build_demo
    from erp_core.documents import service
    from erp_core.documents.log import LogView
    from erp_core.documents.render import render
    from erp_core.procurement.events import PurchaseOrderCreated
    from erp_core.sales.events import SalesInvoicePosted

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    command = ".venv/bin/python bench/bench_documents.py " + shlex.join(sys.argv[1:])

    rows = []
    with tempfile.TemporaryDirectory(prefix="erp-bench-documents-") as tmp:
        erp = Erp.open(f"sqlite:///{tmp}/demo.sqlite", actor="bench")
        start = time.perf_counter()
        build_demo(erp)
        print(f"demo built in {time.perf_counter() - start:.1f} s", flush=True)
        events = erp.store.last_position()
        invoice = next(iter(LogView(erp).scan(SalesInvoicePosted))).event
        order = next(iter(LogView(erp).scan(PurchaseOrderCreated))).event
        numbers = {
            "invoice": invoice.document,  # type: ignore[attr-defined]
            "purchase order": order.document,  # type: ignore[attr-defined]
            "statement": f"STMT-2026-12-31-{invoice.customer}",  # type: ignore[attr-defined]
        }
        for kind, number in numbers.items():
            for language in ("en", "zh", "de"):
                doc = service.document(erp, number, language=language)
                pdf = render(doc, "pdf")
                assert service.verify_file(erp, pdf).ok
                figures = measure(erp, number, language, doc, pdf, args.rounds)
                lines = sum(len(t.rows) for t in doc.tables)
                rows.append((kind, number, language, lines, len(pdf), *figures))
                print(
                    f"{kind} {number} [{language}], {lines} table rows, PDF {len(pdf):,} bytes: "
                    f"build {figures[0]:.1f} ms, HTML {figures[1]:.1f} ms, "
                    f"PDF {figures[2]:.1f} ms, verify PDF {figures[3]:.1f} ms",
                    flush=True,
                )
        erp.close()

    table = [
        "| document | language | table rows | PDF bytes | build ms | HTML ms | PDF ms "
        "| verify PDF ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, number, language, lines, size, build, html, pdf_ms, verify in rows:
        table.append(
            f"| {kind} `{number}` | {language} | {lines} | {size:,} | {build:.1f} | {html:.1f} | "
            f"{pdf_ms:.1f} | {verify:.1f} |"
        )
    section = "\n".join(
        [
            SECTION,
            "",
            f"Documents of the demo company's year ({events:,} events in the log), SQLite, "
            f"median of {args.rounds} runs, on {platform.machine()} with Python "
            f"{platform.python_version()}, {os.cpu_count()} cores, load average "
            f"{os.getloadavg()[0]:.1f} at the end (a machine shared with other jobs: figures "
            "vary with it). "
            f"Command: `{command.strip()}`.",
            "",
            *table,
            "",
            "A PDF's time is mostly fpdf2 parsing and subsetting its fonts (DejaVu Sans, two "
            "faces; for Chinese the 5 MB WenQuanYi Micro Hei collection, hence the longer "
            "times), not the document. Verifying a PDF recomputes the hash chain up to the "
            "document, rebuilds it and renders it again.",
        ]
    )
    if not args.no_doc:
        write_doc(args.out, section)
        print(f"wrote {SECTION!r} in {args.out}")


if __name__ == "__main__":
    main()
