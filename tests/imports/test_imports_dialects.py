"""Property: the same data written in any CSV dialect (delimiter, quoting, line ends, encoding
with or without a BOM, decimal comma or point, thousands separators) stores the same events."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from conftest import open_company
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core.imports.kinds import SCHEMA
from erp_core.imports.mapping import format_number, load_mapping
from erp_core.imports.run import run_import

DIALECTS = st.tuples(
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    st.sampled_from([(".", ""), (",", ""), (",", "."), (".", ","), (",", " "), (".", "'")]),
)
AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)

MAPPING = """
[kinds.customers]
external_id = "No"
fields.code = {{ column = "No", required = true }}
fields.name = {{ column = "Name", required = true }}
fields.credit_limit = {{ column = "Limit", transform = [{number}] }}

[kinds.customers.duplicates]
near = "flag"

[kinds.open_receivables]
external_id = ["Customer", "Invoice"]
fields.customer = {{ column = "Customer", required = true }}
fields.invoice_reference = {{ column = "Invoice", required = true }}
fields.due = {{ column = "Due", required = true, transform = [{{ date = ["%d.%m.%Y"] }}] }}
fields.amount = {{ column = "Open", required = true, transform = [{number}] }}
fields.date = {{ default = "2026-01-01" }}
"""


def _write(rows: list[list[str]], dialect: tuple[Any, ...]) -> bytes:
    delimiter, quoting, terminator, encoding, _style = dialect
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=terminator)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _events(tmp: Any, data: list[tuple[str, Decimal, Decimal]], dialect: tuple[Any, ...]) -> Any:
    decimal, thousands = dialect[4]
    number = f'{{ number = {{ decimal = "{decimal}", thousands = "{thousands}" }} }}'
    mapping = load_mapping(MAPPING.format(number=number), schema=SCHEMA)

    def text(amount: Decimal) -> str:
        return format_number(amount, decimal=decimal, thousands=thousands)

    folder = tmp.mktemp("dialect")
    customers = [["No", "Name", "Limit"]] + [
        [f" k{i} ", f"  {name}  ", text(limit)] for i, (name, limit, _) in enumerate(data)
    ]
    items = [["Customer", "Invoice", "Due", "Open"]] + [
        [f"K{i}", f"R-{i}", "31.01.2026", text(amount)] for i, (_, _, amount) in enumerate(data)
    ]
    (folder / "customers.csv").write_bytes(_write(customers, dialect))
    (folder / "items.csv").write_bytes(_write(items, dialect))
    erp = open_company(f"sqlite:///{folder}/books.sqlite")
    try:
        for kind, name in (("customers", "customers.csv"), ("open_receivables", "items.csv")):
            report = run_import(erp, kind, str(folder / name), mapping)
            assert report.ok and report.stored == len(data), [str(x) for x in report.lines]
        facts, sources = [], []
        for record in erp.store.iter_log():
            event = record.event()
            body = event.model_dump(mode="json", exclude={"recorded_at"})
            if type(event).__name__ == "ImportBatchRecorded":
                sources.append((body["kind"], body["rows_read"], body["rows"]))
            else:
                facts.append((record.stream, type(event).__name__, body))
        return facts, sources
    finally:
        erp.close()


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.lists(
        st.tuples(
            st.sampled_from(["Nordwind AG", "Müller & Söhne", "Café Lund"]), AMOUNTS, AMOUNTS
        ),
        min_size=1,
        max_size=4,
    ),
    first=DIALECTS,
    second=DIALECTS,
)
def test_any_dialect_stores_the_same_events(
    tmp_path_factory: Any,
    data: list[tuple[str, Decimal, Decimal]],
    first: tuple[Any, ...],
    second: tuple[Any, ...],
) -> None:
    # the stored facts are equal; the source records differ only in the file's and mapping's
    # hashes, never in the rows, keys and documents they name
    assert _events(tmp_path_factory, data, first) == _events(tmp_path_factory, data, second)
