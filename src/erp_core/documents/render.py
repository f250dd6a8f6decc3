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
import shutil
import subprocess
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from erp_core.documents.i18n import Formats
from erp_core.documents.model import Document
from erp_core.kernel.errors import ErpError, ValidationError

Format = Literal["html", "pdf"]
TEMPLATES_ENV = "ERP_DOCUMENT_TEMPLATES"
PRODUCER = "erp_core documents"
# A Unicode font, when the machine has one (Debian: fonts-dejavu-core); else the PDF core font
# Helvetica, which covers Latin-1 only (other characters print as "?").
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF", "/usr/local/share/fonts")
# Chinese (and any CJK) text needs a font with its glyphs: Debian's fonts-wqy-microhei is the
# one `.ci/run` installs; any TrueType font with Chinese glyphs does (found by fontconfig).
CJK_FONT_ENV = "ERP_DOCUMENT_CJK_FONT"
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
)
QR_MM = 24.0  # the printed QR code's side


def templates_dir(given: str | None) -> str | None:
    folder = given or os.environ.get(TEMPLATES_ENV) or None
    if folder is not None and not Path(folder).is_dir():
        raise ValidationError("templates", f"{folder} is not a folder")
    return folder


def environment(folder: str | None, fx: Formats | None = None) -> Any:
    """The Jinja2 environment of a template folder for one language (cached: templates are
    compiled once; a company's edited template is reloaded, Jinja2 checks its time)."""
    resolved = None if folder is None else str(Path(folder).resolve())
    return _environment(resolved, (fx or Formats()).language)


@lru_cache(maxsize=32)
def _environment(folder: str | None, language: str) -> Any:
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
    fx = Formats(language)
    # globals, so that imported templates (macros.html) see them too
    env.globals.update(
        t=fx.t,
        money=lambda value, currency: fx.money(_decimal(value), currency),
        qty=lambda value: fx.qty(_decimal(value)),
        percent=lambda value: fx.percent(_decimal(value)),
        date=fx.date,
        language=fx.language,
    )
    return env


def _decimal(value: object) -> Decimal:
    """A template's number (a Jinja literal is a float) as the decimal it reads as."""
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"{value!r} is not a number") from None


def render_html(doc: Document, folder: str | None = None) -> bytes:
    from jinja2 import TemplateError

    fx = Formats(doc.language)
    env = environment(templates_dir(folder), fx)
    try:
        template = env.get_template(f"{doc.type}.html")
        text = template.render(
            doc=doc,
            company=doc.company,
            party=doc.party,
            logo=logo_src(doc),
            qr=qr_data_uri(doc),
            verification=verification_lines(doc),
        )
    except (TemplateError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
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


def cjk_font() -> str | None:
    """A TrueType font with Chinese glyphs: ``$ERP_DOCUMENT_CJK_FONT``, else a known Debian
    path (fonts-wqy-microhei, fonts-wqy-zenhei, fonts-arphic-*), else the first TrueType font
    fontconfig lists for Chinese; None when the machine has none."""
    given = os.environ.get(CJK_FONT_ENV)
    if given:
        if not Path(given).is_file():
            raise ErpError(f"${CJK_FONT_ENV} is {given}, which is not a font file")
        return given
    for path in CJK_FONTS:
        if Path(path).is_file():
            return path
    if shutil.which("fc-list") is None:
        return None
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh-cn:fontformat=TrueType", "file"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(
        line.strip().rstrip(":")
        for line in listed.splitlines()
        if line.strip().rstrip(":").lower().endswith((".ttf", ".ttc"))
    )
    return files[0] if files else None


def _has_cjk(text: str) -> bool:
    """Does the text hold CJK characters (ideographs, kana, hangul, CJK punctuation)?"""
    return any(
        "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uff00" <= ch <= "\uffef"
        for ch in text
    )


def _add_font(pdf: Any, family: str, style: str, path: str) -> None:
    if path.lower().endswith(".ttc"):
        pdf.add_font(family, style, path, collection_font_number=0)
    else:
        pdf.add_font(family, style, path)


def render_pdf(doc: Document) -> bytes:
    """An A4 PDF of the document, laid out from the same content the HTML shows."""
    try:
        from fpdf import FPDF
        from fpdf.enums import XPos, YPos
        from fpdf.fonts import FontFace
    except ImportError:
        raise ErpError("PDF output needs fpdf2: pip install 'erp_core[pdf]'") from None

    fx = Formats(doc.language)
    # Chinese labels, or a Chinese name on a document in another language, print in a CJK font
    # (which carries Latin letters too): DejaVu has no Chinese glyphs
    needs_cjk = fx.is_cjk or _has_cjk(repr(doc))
    cjk = cjk_font() if needs_cjk else None
    if needs_cjk and cjk is None:
        raise ErpError(
            f"{doc.number}: a PDF with Chinese characters needs a font that has them: install "
            "one (Debian: apt-get install fonts-wqy-microhei) or set $ERP_DOCUMENT_CJK_FONT to "
            "a TrueType font file"
        )
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(dt.datetime.combine(doc.date, dt.time(0, 0), tzinfo=dt.UTC))
    pdf.set_producer(PRODUCER)
    pdf.set_creator(PRODUCER)
    pdf.set_title(f"{doc.title} {doc.number}")
    pdf.set_author(doc.company.name)
    pdf.set_subject(doc.code)
    pdf.set_keywords(doc.verification_json())
    pdf.set_lang(doc.language.replace("_", "-"))
    pdf.set_auto_page_break(auto=True, margin=15)
    fonts = _font_files()
    if cjk is not None:
        # the CJK font has no bold face: everything prints in its one face (loaded once: a
        # CJK font is large, and parsing it is most of a Chinese PDF's time)
        _add_font(pdf, "Doc", "", cjk)
        family = "Doc"
        has_bold = False

        def t(value: str) -> str:
            return value
    elif fonts is not None:
        pdf.add_font("Doc", "", fonts[0])
        pdf.add_font("Doc", "B", fonts[1])
        family = "Doc"
        has_bold = True

        def t(value: str) -> str:
            return value
    else:
        family = "Helvetica"
        has_bold = True

        def t(value: str) -> str:
            return value.encode("latin-1", "replace").decode("latin-1")

    def font(size: float, bold: bool = False) -> None:
        pdf.set_font(family, "B" if bold and has_bold else "", size)

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
        f"{fx.t('Tax id')} {doc.company.tax_id}" if doc.company.tax_id else "",
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
            headings_style=FontFace(
                emphasis="BOLD" if has_bold else None, fill_color=(235, 235, 235)
            ),
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
    # verification block, with the QR code of its code at the right
    pdf.ln(3)
    qr = qr_code(doc)
    if qr is not None and pdf.get_y() + QR_MM > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    text_width = width - (QR_MM + 4 if qr is not None else 0)
    font(7, True)
    pdf.cell(text_width, 4, t(fx.t("Verification")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    font(7)
    for line in verification_lines(doc):
        pdf.multi_cell(text_width, 3.5, t(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if qr is not None:
        _draw_qr(pdf, qr, pdf.l_margin + width - QR_MM, top)
    return bytes(pdf.output())


def _draw_qr(pdf: Any, qr: Any, x: float, y: float) -> None:
    """The QR code as filled rectangles (one per run of dark modules): vector, no image."""
    matrix = [list(row) for row in qr.matrix]
    border = 2
    size = QR_MM / (len(matrix) + 2 * border)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(
                x + (start + border) * size,
                y + (r + border) * size,
                (c - start) * size,
                size,
                style="F",
            )


def verification_lines(doc: Document) -> list[str]:
    fx = Formats(doc.language)
    lines = [
        fx.t(
            "Document {number}, log position {position}", number=doc.number, position=doc.position
        ),
        fx.t("Chain hash {hash}", hash=doc.chain_hash),
        fx.t("Code {code}", code=doc.code),
    ]
    if doc.as_of is not None:
        lines.insert(1, fx.t("As of {date}", date=fx.date(doc.as_of)))
    if doc.redacted:
        lines.insert(1, fx.t("Personal data redacted (fields marked *)"))
    lines.append(fx.t("Check with: erp document verify FILE (or the code)"))
    return lines


# --- QR code -----------------------------------------------------------------------------------

QR_PREFIX = "erp-document:"


def qr_code(doc: Document) -> Any:
    """A QR code of the verification code (``erp-document:NUMBER:POSITION:HASH16``), when
    segno is installed (the ``pdf`` extra); None otherwise."""
    return _qr(QR_PREFIX + doc.code)


@lru_cache(maxsize=256)
def _qr(text: str) -> Any:
    """The QR code of a text (cached: choosing its mask is most of the cost, and verifying
    renders a document twice)."""
    try:
        import segno
    except ImportError:
        return None
    return segno.make_qr(text, error="m")


def qr_data_uri(doc: Document) -> str | None:
    code = qr_code(doc)
    return None if code is None else str(code.svg_data_uri(scale=4, border=2))


def logo_src(doc: Document) -> str | None:
    """The logo as a data URI safe for an img src (re-encoded from its checked bytes)."""
    if not doc.company.logo:
        return None
    from erp_core.documents.details import logo_bytes

    media, data = logo_bytes(doc.company.logo)
    return f"data:{media};base64,{base64.b64encode(data).decode()}"
