"""The documents area's entry points: build or render a document from an `Erp`, and verify
a rendered file (or a verification code) against the log."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

import erp_core.documents.payslip  # noqa: F401  (registers the payslip type)
from erp_core.audit.verify import chain_records, raw_events, verify_chain
from erp_core.documents.builders import build, build_statement
from erp_core.documents.i18n import LANGUAGES, check_language
from erp_core.documents.log import LogView
from erp_core.documents.model import CODE_DIGITS, VERIFICATION_FORMAT, Document
from erp_core.documents.render import Format, render
from erp_core.kernel.errors import ValidationError

if TYPE_CHECKING:
    from erp_core.api import Erp


def document(
    erp: Erp,
    number: str,
    *,
    as_of_position: int | None = None,
    redact: bool = False,
    language: str | None = None,
) -> Document:
    """The document with this number as the log holds it (as known at a position, if given);
    `redact` masks its personal data (payslips), and the verification block says so;
    `language` (a locale: en, zh, de, de_AT, ...) prints it in another language than its
    party's or the company's."""
    if as_of_position is not None and as_of_position < 0:
        raise ValidationError("as-of-position", "a log position is 0 or more")
    lang = None if language is None else check_language(language)
    doc = build(LogView(erp, as_of_position, lang), number)
    return doc.redact() if redact else doc


def statement(
    erp: Erp,
    customer: str,
    as_of: dt.date,
    *,
    as_of_position: int | None = None,
    language: str | None = None,
) -> Document:
    """A customer's statement of account as of a date."""
    lang = None if language is None else check_language(language)
    return build_statement(LogView(erp, as_of_position, lang), customer, as_of)


def render_document(
    erp: Erp,
    number: str,
    fmt: Format = "html",
    *,
    templates: str | None = None,
    as_of_position: int | None = None,
    redact: bool = False,
    language: str | None = None,
) -> bytes:
    doc = document(erp, number, as_of_position=as_of_position, redact=redact, language=language)
    return render(doc, fmt, templates)


# --- verification --------------------------------------------------------------------------------


@dataclass
class Verification:
    ok: bool
    number: str | None = None
    position: int | None = None
    code: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _HtmlScan(HTMLParser):
    """The verification meta tag and the visible text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.block: str | None = None
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("name") == "erp-document":
            self.block = values.get("content")
        if tag in ("style", "script", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(" ".join(data.split()))


def html_scan(data: bytes) -> tuple[dict[str, Any] | None, list[str]]:
    scan = _HtmlScan()
    scan.feed(data.decode("utf-8", errors="replace"))
    block = None
    if scan.block:
        try:
            block = json.loads(scan.block)
        except json.JSONDecodeError:
            block = None
    return block, scan.text


_KEYWORDS = re.compile(rb"/Keywords\s*(<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\))")


def pdf_block(data: bytes) -> dict[str, Any] | None:
    """The verification JSON kept in the PDF's /Keywords entry (UTF-16 hex or a literal)."""
    found = _KEYWORDS.findall(data)
    if not found:
        return None
    raw = found[-1]
    try:
        if raw.startswith(b"<"):
            hexed = bytes.fromhex(raw[1:-1].decode().replace(" ", "").replace("\n", ""))
            text = hexed[2:].decode("utf-16-be") if hexed[:2] == b"\xfe\xff" else hexed.decode()
        else:
            text = re.sub(rb"\\(.)", rb"\1", raw[1:-1]).decode("latin-1")
        block = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None
    return block if isinstance(block, dict) else None


def pdf_text(data: bytes) -> list[str] | None:
    """The visible text of a PDF, line by line, when pypdf is installed."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    import io

    try:
        reader = PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception:  # a damaged PDF: no text to compare
        return []
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def recomputed_chain_hash(erp: Erp, position: int) -> tuple[str | None, list[str]]:
    """The chain hash at `position` recomputed from the raw events, and problems up to it."""
    with erp.reader.connect() as conn:
        report = verify_chain(
            raw_events(conn, upto=position),
            itertools.takewhile(lambda c: c[0] <= position, chain_records(conn)),
            [position],
        )
    problems = [p.message for p in report.problems]
    return report.checkpoints.get(position), problems


def _rebuild(erp: Erp, block: dict[str, Any]) -> Document:
    """The document a verification block describes, rebuilt from the log. A bare code says
    nothing of its language or redaction: the log's language is tried first, then the other
    translated languages, each also with personal data masked."""
    number = str(block.get("number", ""))
    position = int(block.get("position", -1))
    language = block.get("language")
    doc = document(
        erp,
        number,
        as_of_position=position,
        redact=bool(block.get("redacted")),
        language=str(language) if language else None,
    )
    if "language" in block or doc.code == block.get("code"):
        return doc
    candidates = [doc]
    for other in LANGUAGES:
        if other != doc.language:
            candidates.append(document(erp, number, as_of_position=position, language=other))
    for candidate in candidates:
        tries = [candidate]
        if "redacted" not in block and candidate.has_personal_data:
            tries.append(candidate.redact())
        for one in tries:
            if one.code == block.get("code"):
                return one
    return doc


def verify_code(erp: Erp, code: str) -> Verification:
    """Check a verification code (``SI-2026-000001:42:3f9a...``) against the log."""
    number, _, rest = code.strip().rpartition(":")
    number, _, position_text = number.rpartition(":")
    if not number or not position_text.isdigit() or len(rest) != CODE_DIGITS:
        raise ValidationError("code", f"{code!r} is not a verification code (NUMBER:POSITION:HASH)")
    result = Verification(ok=False, number=number, position=int(position_text), code=code)
    _check_log(erp, result, {"number": number, "position": int(position_text), "code": code})
    result.ok = not result.problems
    return result


def _check_log(erp: Erp, result: Verification, block: dict[str, Any]) -> Document | None:
    """The block's claims against the log: the chain up to its position, its fingerprint."""
    position = int(block["position"])
    if position > erp.store.last_position():
        result.problems.append(f"the log does not reach position {position}")
        return None
    head, problems = recomputed_chain_hash(erp, position)
    result.problems.extend(problems)
    if "chain_hash" in block and head != block["chain_hash"]:
        result.problems.append(
            f"the chain hash at position {position} is {head}, not {block['chain_hash']}: the "
            "log up to the document was rewritten, or the block was edited"
        )
    doc = _rebuild(erp, block)
    if doc.position != position:
        result.problems.append(
            f"{doc.number} as known at position {position} ends at position {doc.position}"
        )
    if doc.code != block.get("code"):
        result.problems.append(
            f"the log gives {doc.number} the code {doc.code}, the document says "
            f"{block.get('code')}: its content differs from the log's"
        )
    return doc


def verify_file(erp: Erp, data: bytes, *, templates: str | None = None) -> Verification:
    """Does this rendered document (HTML or PDF) match the log?

    Checks, in order: its verification block (number, log position, chain hash, code)
    against the log recomputed from the raw events; then its visible content against the
    document rendered again from the log (byte for byte, or, when the bytes differ, text line
    by text line, naming the lines that differ)."""
    fmt: Format = "pdf" if data.startswith(b"%PDF") else "html"
    block = pdf_block(data) if fmt == "pdf" else html_scan(data)[0]
    if block is None or block.get("format") != VERIFICATION_FORMAT:
        return Verification(ok=False, problems=["no erp_core verification block was found"])
    result = Verification(
        ok=False,
        number=block.get("number"),
        position=block.get("position"),
        code=block.get("code"),
    )
    try:
        doc = _check_log(erp, result, block)
    except Exception as exc:  # unknown numbers and the like: a failed verification
        result.problems.append(str(exc))
        return result
    if doc is not None:
        fresh = render(doc, fmt, templates)
        if fresh == data:
            result.notes.append("identical to the document rendered from the log")
        else:
            _compare_text(result, fmt, data, fresh)
    result.ok = not result.problems
    return result


def _compare_text(result: Verification, fmt: Format, data: bytes, fresh: bytes) -> None:
    if fmt == "html":
        mine, theirs = html_scan(data)[1], html_scan(fresh)[1]
    else:
        got, want = pdf_text(data), pdf_text(fresh)
        if got is None or want is None:
            result.problems.append(
                "the PDF differs from the one rendered from the log (install pypdf to see which "
                "text differs)"
            )
            return
        mine, theirs = got, want
    if mine == theirs:
        result.notes.append(
            "the text matches the log; the file's bytes differ (re-saved, or rendered with "
            "other templates, fonts or library versions)"
        )
        return
    import difflib

    changed = [
        line
        for line in difflib.unified_diff(theirs, mine, "log", "file", n=0, lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    result.problems.append("the text differs from the log's: " + "; ".join(changed[:12]))
