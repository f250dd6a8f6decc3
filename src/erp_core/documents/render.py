"""Rendering a `Document`: HTML through Jinja2 templates, PDF through fpdf2 (pure Python).

Templates ship in ``erp_core/documents/templates`` (one per document type, all extending
``base.html``); a company overrides any of them by placing a file of the same name in its own
templates folder (``--templates DIR`` or ``$ERP_DOCUMENT_TEMPLATES``). Autoescaping is always
on, so a name such as ``<script>`` prints as text.

Both outputs are deterministic: no clock, no random ids (the PDF's creation date is the
document's date and its file id is derived from its content), so the same log gives the same
bytes with the same templates, fonts and library versions.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
from pathlib import Path
from typing import Any, Literal

from erp_core.documents.model import Document
from erp_core.kernel.errors import ErpError, ValidationError

Format = Literal["html", "pdf"]
TEMPLATES_ENV = "ERP_DOCUMENT_TEMPLATES"
PRODUCER = "erp_core documents"
# A Unicode font, when the machine has one (Debian: fonts-dejavu-core); else the PDF core font
# Helvetica, which covers Latin-1 only (other characters print as "?").
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF", "/usr/local/share/fonts")


def templates_dir(given: str | None) -> str | None:
    folder = given or os.environ.get(TEMPLATES_ENV) or None
    if folder is not None and not Path(folder).is_dir():
        raise ValidationError("templates", f"{folder} is not a folder")
    return folder


def environment(folder: str | None) -> Any:
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

    loaders: list[Any] = []
    if folder is not None:
        loaders.append(FileSystemLoader(folder))
    loaders.append(PackageLoader("erp_core.documents", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def render_html(doc: Document, folder: str | None = None) -> bytes:
    from jinja2 import TemplateError

    env = environment(templates_dir(folder))
    try:
        template = env.get_template(f"{doc.type}.html")
        text = template.render(
            doc=doc,
            company=doc.company,
            party=doc.party,
            logo=logo_src(doc),
            verification=verification_lines(doc),
        )
    except TemplateError as exc:
        raise ErpError(f"the {doc.type}.html template failed: {exc}") from None
    return text.encode("utf-8")


def render(doc: Document, fmt: Format, folder: str | None = None) -> bytes:
    if fmt == "html":
        return render_html(doc, folder)
    if fmt == "pdf":
        return render_pdf(doc)
    raise ValidationError("format", f"html or pdf, not {fmt!r}")


# --- PDF ---------------------------------------------------------------------------------------


def _font_files() -> tuple[str, str] | None:
    for folder in FONT_DIRS:
        regular = Path(folder) / "DejaVuSans.ttf"
        bold = Path(folder) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return str(regular), str(bold)
    return None


def render_pdf(doc: Document) -> bytes:
    """An A4 PDF of the document, laid out from the same content the HTML shows."""
    try:
        from fpdf import FPDF
        from fpdf.enums import XPos, YPos
        from fpdf.fonts import FontFace
    except ImportError:
        raise ErpError("PDF output needs fpdf2: pip install 'erp_core[pdf]'") from None

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(dt.datetime.combine(doc.date, dt.time(0, 0), tzinfo=dt.UTC))
    pdf.set_producer(PRODUCER)
    pdf.set_creator(PRODUCER)
    pdf.set_title(f"{doc.title} {doc.number}")
    pdf.set_author(doc.company.name)
    pdf.set_subject(doc.code)
    pdf.set_keywords(doc.verification_json())
    pdf.set_auto_page_break(auto=True, margin=15)
    fonts = _font_files()
    if fonts is not None:
        pdf.add_font("Doc", "", fonts[0])
        pdf.add_font("Doc", "B", fonts[1])
        family = "Doc"

        def t(value: str) -> str:
            return value
    else:
        family = "Helvetica"

        def t(value: str) -> str:
            return value.encode("latin-1", "replace").decode("latin-1")

    def font(size: float, bold: bool = False) -> None:
        pdf.set_font(family, "B" if bold else "", size)

    pdf.add_page()
    width = pdf.epw
    # letterhead
    top = pdf.get_y()
    if doc.company.logo:
        from erp_core.documents.details import logo_bytes

        _, image = logo_bytes(doc.company.logo)
        pdf.image(io.BytesIO(image), x=pdf.l_margin + width - 30, y=top, h=18)
    font(14, True)
    pdf.cell(width - 35, 7, t(doc.company.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    font(9)
    for line in (doc.company.address or "").splitlines():
        pdf.cell(width - 35, 4.5, t(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    contact = [
        f"Tax id {doc.company.tax_id}" if doc.company.tax_id else "",
        doc.company.email or "",
        doc.company.phone or "",
    ]
    if any(contact):
        pdf.cell(
            width - 35,
            4.5,
            t("  ".join(c for c in contact if c)),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.set_y(max(pdf.get_y(), top + 20) + 4)
    # title and status
    font(16, True)
    pdf.cell(width, 8, t(f"{doc.title} {doc.number}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.status:
        font(10, True)
        pdf.cell(width, 5, t(doc.status), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    # party (left) and fields (right)
    start = pdf.get_y()
    if doc.party is not None:
        font(9, True)
        pdf.cell(width / 2, 5, t(doc.party.role), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        font(9)
        party_lines = [doc.party.name, *(doc.party.address or "").splitlines()]
        if doc.party.contact:
            party_lines.append(doc.party.contact)
        party_lines.append(f"({doc.party.code})")
        for line in party_lines:
            pdf.cell(width / 2, 4.5, t(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_end = pdf.get_y()
    pdf.set_y(start)
    for label, value in doc.fields:
        pdf.set_x(pdf.l_margin + width / 2)
        font(9, True)
        pdf.cell(width / 4, 4.5, t(label))
        font(9)
        pdf.cell(width / 4, 4.5, t(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(left_end, pdf.get_y()) + 4)
    # tables
    for table in doc.tables:
        if not table.rows and table.name != "lines":
            continue
        font(10, True)
        pdf.cell(width, 6, t(table.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        font(7.5)
        headings = tuple(t(c.label) for c in table.columns)
        aligns = tuple("RIGHT" if c.numeric else "LEFT" for c in table.columns)
        with pdf.table(
            text_align=aligns,
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
            line_height=4.5,
            first_row_as_headings=True,
        ) as out:
            out.row(headings)
            for row in table.rows:
                out.row(tuple(t(row.get(c.key, "")) for c in table.columns))
        pdf.ln(3)
    # totals
    for label, value in doc.totals:
        pdf.set_x(pdf.l_margin + width / 2)
        font(10, True)
        pdf.cell(width / 4, 5.5, t(label))
        pdf.cell(width / 4, 5.5, t(f"{value}"), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    # notes
    for label, value in doc.notes:
        font(9, True)
        pdf.cell(width, 5, t(label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        font(9)
        pdf.multi_cell(width, 4.5, t(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    # verification block
    pdf.ln(3)
    font(7, True)
    pdf.cell(width, 4, "Verification", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    font(7)
    for line in verification_lines(doc):
        pdf.cell(width, 3.5, t(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def verification_lines(doc: Document) -> list[str]:
    lines = [
        f"Document {doc.number}, log position {doc.position}",
        f"Chain hash {doc.chain_hash}",
        f"Code {doc.code}",
    ]
    if doc.as_of is not None:
        lines.insert(1, f"As of {doc.as_of.isoformat()}")
    if doc.redacted:
        lines.insert(1, "Personal data redacted (fields marked *)")
    lines.append("Check with: erp document verify FILE (or the code)")
    return lines


def logo_src(doc: Document) -> str | None:
    """The logo as a data URI safe for an img src (re-encoded from its checked bytes)."""
    if not doc.company.logo:
        return None
    from erp_core.documents.details import logo_bytes

    media, data = logo_bytes(doc.company.logo)
    return f"data:{media};base64,{base64.b64encode(data).decode()}"
