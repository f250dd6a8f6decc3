"""Property: importing a generated chart or customers file twice equals importing it once."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from conftest import open_company, trial_balance_by_account
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core.imports.run import run_import, template

CODES = st.integers(min_value=1, max_value=999)
NAMES = st.text(alphabet=st.sampled_from("abcdefgh ÄÖü-&."), min_size=1, max_size=20).filter(
    lambda s: s.strip()
)


def csv_bytes(header: list[str], rows: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def state(erp: object) -> tuple[object, ...]:
    from erp_core.projections.schema import accounts, customers
    from sqlalchemy import select

    def read(conn: object) -> tuple[object, ...]:
        return (
            sorted(tuple(r) for r in conn.execute(select(accounts))),  # type: ignore[attr-defined]
            sorted(tuple(r) for r in conn.execute(select(customers))),  # type: ignore[attr-defined]
        )

    return (*erp.query(read), erp.store.last_position())  # type: ignore[attr-defined]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    accounts=st.dictionaries(CODES, NAMES, min_size=1, max_size=8),
    customers=st.dictionaries(CODES, st.tuples(NAMES, st.integers(0, 10**6)), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_importing_twice_equals_once(
    tmp_path_factory: object,
    accounts: dict[int, str],
    customers: dict[int, tuple[str, int]],
    delimiter: str,
) -> None:
    base = tmp_path_factory.mktemp("prop")  # type: ignore[attr-defined]
    erp = open_company(f"sqlite:///{base}/books.sqlite")
    try:
        chart = csv_bytes(
            ["Account", "Description", "Type", "Parent", "Group"],
            [[f"7{code:03d}", name, "expense", "6000", "no"] for code, name in accounts.items()],
            delimiter,
        )
        people = csv_bytes(
            ["No", "Name", "Contact", "Terms", "Credit limit"],
            [
                [f"K{code}", name, "", "30", f"{limit // 100}.{limit % 100:02d}".replace(".", ",")]
                for code, (name, limit) in customers.items()
            ],
            delimiter,
        )
        (base / "chart.csv").write_bytes(chart)
        (base / "customers.csv").write_bytes(people)
        runs = []
        for _ in range(2):
            for kind in ("chart", "customers"):
                if kind == "customers" and not customers:
                    continue
                # generated names are often alike: the pairs are reported, the rows stored
                mapping = template(kind)[1].replace('near = "stop"', 'near = "flag"')
                report = run_import(erp, kind, str(base / f"{kind}.csv"), mapping)
                assert report.ok, [str(line) for line in report.lines]
            runs.append(state(erp))
        assert runs[0] == runs[1]
        assert len(runs[0][0]) >= len(accounts)
        assert sum(trial_balance_by_account(erp).values(), Decimal(0)) == 0
    finally:
        erp.close()
