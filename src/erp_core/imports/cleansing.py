"""Cleansing: normalise codes and names, find duplicates, report every change.

Nothing is merged here. Exact duplicates (by a key such as a code or a tax id) and likely
duplicates (names that look alike) are *reported*; what to do with them is the mapping's rule or the
user's decision, taken in the step that stores.

Similarity is difflib's ratio, ``2 * M / T`` (M characters in matching blocks, T the two lengths
added), computed on a comparison key of each name (accents removed, case folded, punctuation to
spaces, optional words such as legal forms dropped) and compared with the threshold exactly, as a
fraction, so the same data always gives the same pairs. The ratio depends on argument order; the
earlier row is always the first argument. Pairs are pruned by length and by shared characters
before the full comparison; the work is still quadratic in the worst case, fine for master data
(thousands of names), not meant for journal lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from difflib import SequenceMatcher
from fractions import Fraction
from types import MappingProxyType

from erp_core.imports.mapping import FieldValue, MappedRecord, fingerprint

Normaliser = Callable[[str], str]

LEGAL_FORMS: frozenset[str] = frozenset(
    {"ag", "bv", "co", "corp", "gmbh", "inc", "kg", "llc", "ltd", "nv", "plc", "sa", "sarl", "srl"}
)
DEFAULT_THRESHOLD = Decimal("0.90")

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")


# --------------------------------------------------------------------------------------------
# normalisers (text -> text)


def normalise_whitespace(text: str) -> str:
    """Trim, drop invisible characters (zero-width, soft hyphen, BOM), one space between words."""
    return " ".join(text.translate(_INVISIBLE).split())


def normalise_code(text: str) -> str:
    """A code: compatibility-normalised (NFKC: full-width letters become plain), spaces, upper."""
    return normalise_whitespace(unicodedata.normalize("NFKC", text)).upper()


def normalise_name(text: str) -> str:
    """A name: composed (NFC) and spaces normalised; case is kept (``ACME GmbH`` means it)."""
    return normalise_whitespace(unicodedata.normalize("NFC", text))


def normalise_identifier(text: str) -> str:
    """A tax id, IBAN or phone-like key: only ASCII letters and digits, upper case."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text)).upper()


def name_key(text: str, ignore_words: Collection[str] = ()) -> str:
    """The comparison key of a name: no accents, case folded, punctuation as spaces, words dropped.

    >>> name_key("  Müller & Söhne GmbH. ", {"gmbh"})
    'muller sohne'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = _NOT_WORD.sub(" ", plain).split()
    return " ".join(w for w in words if w not in ignore_words)


# --------------------------------------------------------------------------------------------
# applying normalisers with a change report


@dataclass(frozen=True)
class CleansingChange:
    """One value changed by cleansing: where, and before and after."""

    row: int
    external_id: str
    field: str
    before: FieldValue
    after: FieldValue

    def __str__(self) -> str:
        return f"row {self.row}, field {self.field!r}: {self.before!r} -> {self.after!r}"


@dataclass(frozen=True)
class CleansingResult:
    """The cleansed records (same order) and every change made, in row then field order."""

    records: tuple[MappedRecord, ...]
    changes: tuple[CleansingChange, ...]

    def changes_by_row(self) -> Mapping[int, tuple[CleansingChange, ...]]:
        grouped: dict[int, list[CleansingChange]] = {}
        for change in self.changes:
            grouped.setdefault(change.row, []).append(change)
        return MappingProxyType({row: tuple(items) for row, items in grouped.items()})


def cleanse(records: Iterable[MappedRecord], rules: Mapping[str, Normaliser]) -> CleansingResult:
    """Apply a normaliser per field to text values (and text in lists); report what changed.

    Values that are not text (numbers, dates, None) are left alone. A changed record gets a new
    fingerprint, computed from the cleansed values.
    """
    cleansed: list[MappedRecord] = []
    changes: list[CleansingChange] = []
    for record in records:
        values = dict(record.values)
        for name, rule in rules.items():
            if name not in values:
                continue
            before = values[name]
            after = _apply(rule, before)
            if after != before:
                values[name] = after
                changes.append(CleansingChange(record.row, record.external_id, name, before, after))
        if values != dict(record.values):
            record = replace(
                record, values=MappingProxyType(values), fingerprint=fingerprint(values)
            )
        cleansed.append(record)
    return CleansingResult(records=tuple(cleansed), changes=tuple(changes))


def _apply(rule: Normaliser, value: FieldValue) -> FieldValue:
    if isinstance(value, str):
        return rule(value)
    if isinstance(value, tuple):
        return tuple(rule(v) if isinstance(v, str) else v for v in value)
    return value


# --------------------------------------------------------------------------------------------
# exact duplicates


@dataclass(frozen=True)
class DuplicateGroup:
    """Rows that share a normalised key."""

    fields: tuple[str, ...]
    key: tuple[str, ...]
    rows: tuple[int, ...]
    external_ids: tuple[str, ...]

    def __str__(self) -> str:
        rows = ", ".join(str(r) for r in self.rows)
        shown = ", ".join(f"{f} {k!r}" for f, k in zip(self.fields, self.key, strict=True))
        return f"rows {rows} share {shown}"


def find_duplicates(
    records: Iterable[MappedRecord],
    fields: Sequence[str],
    normalise: Normaliser = normalise_code,
) -> tuple[DuplicateGroup, ...]:
    """Groups of two or more records whose `fields`, normalised, are equal.

    A record with any key field empty or missing has no key and is not compared.
    """
    if not fields:
        raise ValueError("find_duplicates needs at least one key field")
    groups: dict[tuple[str, ...], list[MappedRecord]] = {}
    for record in records:
        parts = []
        for name in fields:
            value = record.values.get(name)
            if value is None or isinstance(value, tuple):
                break
            text = normalise(value if isinstance(value, str) else str(value))
            if not text:
                break
            parts.append(text)
        else:
            groups.setdefault(tuple(parts), []).append(record)
    return tuple(
        DuplicateGroup(
            fields=tuple(fields),
            key=key,
            rows=tuple(r.row for r in members),
            external_ids=tuple(r.external_id for r in members),
        )
        for key, members in groups.items()
        if len(members) > 1
    )


# --------------------------------------------------------------------------------------------
# near duplicates


@dataclass(frozen=True)
class NearDuplicate:
    """A name that resembles another incoming row's name or an existing record's name."""

    row: int
    name: str
    other_name: str
    similarity: Decimal
    other_row: int | None = None
    other_id: str | None = None

    def __str__(self) -> str:
        other = f"row {self.other_row}" if self.other_row is not None else f"{self.other_id!r}"
        return (
            f"row {self.row} {self.name!r} resembles {other} {self.other_name!r} "
            f"(similarity {self.similarity})"
        )


def similarity(a: str, b: str) -> Fraction:
    """difflib's ratio ``2 * M / T`` as an exact fraction (1 for two empty strings)."""
    total = len(a) + len(b)
    if total == 0:
        return Fraction(1)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return Fraction(2 * matched, total)


def find_near_duplicates(
    records: Iterable[MappedRecord],
    field: str = "name",
    *,
    threshold: Decimal = DEFAULT_THRESHOLD,
    existing: Mapping[str, str] | None = None,
    ignore_words: Collection[str] = (),
) -> tuple[NearDuplicate, ...]:
    """Pairs of names whose similarity is at least `threshold`, most similar first.

    Compares every incoming name with every later one and with each of `existing` (id -> name,
    the master data already stored). Names equal after `name_key` have similarity 1.
    """
    if not isinstance(threshold, Decimal) or not Decimal(0) < threshold <= Decimal(1):
        raise ValueError(f"threshold {threshold!r} must be a Decimal in (0, 1]")
    limit = Fraction(threshold)
    incoming = [
        _name(r.row, None, value, ignore_words)
        for r in records
        if isinstance(value := r.values.get(field), str) and value.strip()
    ]
    stored = [
        _name(None, other_id, name, ignore_words)
        for other_id, name in (existing or {}).items()
        if name.strip()
    ]
    found: list[NearDuplicate] = []
    others = [*incoming, *stored]
    for index, other in _candidates(incoming, others, limit):
        first, second = incoming[index], others[other]
        ratio = _ratio_if_close(first, second, limit)
        if ratio is not None:
            found.append(
                NearDuplicate(
                    row=first.row or 0,
                    name=first.text,
                    other_name=second.text,
                    similarity=_shown(ratio),
                    other_row=second.row,
                    other_id=second.other_id,
                )
            )
    found.sort(key=lambda d: (-d.similarity, d.row, d.other_row or 0, d.other_id or ""))
    return tuple(found)


def _candidates(
    incoming: Sequence[_Name], others: Sequence[_Name], limit: Fraction
) -> Iterable[tuple[int, int]]:
    """Pairs (incoming index, index into `others`) worth the exact comparison, each pair once.

    With rapidfuzz, its Indel similarity (``2 * LCS / T``, computed in C++) prunes first: difflib's
    matching blocks form a common subsequence, so difflib's ratio never exceeds it and no pair at
    or above the threshold is lost; the exact difflib ratio then decides, so results are the same
    with or without rapidfuzz. Without it, every later pair is a candidate.
    """
    count = len(incoming)
    try:
        from rapidfuzz.distance import Indel
        from rapidfuzz.process import extract
    except ImportError:  # pragma: no cover - rapidfuzz is a dependency; the fallback is exact too
        for index in range(count):
            yield from ((index, other) for other in range(index + 1, len(others)))
        return
    keys = [name.key for name in others]
    cutoff = max(float(limit) - 1e-6, 0.0)
    # `extract` (not `cdist`) so that numpy is not needed
    for index in range(count):
        later = keys[index + 1 :]
        found = extract(
            keys[index],
            later,
            scorer=Indel.normalized_similarity,
            score_cutoff=cutoff,
            limit=None,
        )
        for _choice, _score, other in sorted(found, key=lambda hit: hit[2]):
            yield index, index + 1 + int(other)


@dataclass(frozen=True)
class _Name:
    row: int | None
    other_id: str | None
    text: str
    key: str
    letters: Counter[str]


def _name(row: int | None, other_id: str | None, text: str, ignore: Collection[str]) -> _Name:
    key = name_key(text, ignore)
    return _Name(row, other_id, text, key, Counter(key))


def _ratio_if_close(first: _Name, second: _Name, limit: Fraction) -> Fraction | None:
    a, b = first.key, second.key
    total = len(a) + len(b)
    if total == 0 or not a or not b:
        return None
    if Fraction(2 * min(len(a), len(b)), total) < limit:
        return None
    shared = sum((first.letters & second.letters).values())
    if Fraction(2 * shared, total) < limit:
        return None
    ratio = similarity(a, b)
    return ratio if ratio >= limit else None


def _shown(ratio: Fraction) -> Decimal:
    exact = Decimal(ratio.numerator) / Decimal(ratio.denominator)
    return exact.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
