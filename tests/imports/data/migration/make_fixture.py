"""Writes the migration fixture of a small company (run once; the files are committed).

``python tests/imports/data/migration/make_fixture.py`` rewrites, next to this script:

* ``customers.csv``: 205 rows in UTF-8 with a BOM, Windows line endings, ``;`` as delimiter,
  credit limits with decimal commas and thousands dots; codes and names in mixed case with stray
  spaces; 200 distinct customers (K0001-K0200), then three likely duplicates of earlier rows
  (two spelled alike, one with another's VAT number) and two bad rows (no name; a credit limit
  that is not a number);
* ``open_receivables.csv``: 40 open invoices, one for every fifth customer (K0005, K0010, ...):
  customer 5k owes 62.50 * k + 0.35, invoiced on day (5k mod 28) + 1 of December 2025, due 30
  days later; in total 62.50 * 820 + 40 * 0.35 = 51,264.00;
* the other files are small enough to read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).parent

SURNAMES = (
    "Albers",
    "Brandt",
    "Conrad",
    "Dietz",
    "Engel",
    "Fuchs",
    "Gross",
    "Hoffmann",
    "Imhof",
    "Jung",
    "Kuhn",
    "Lorenz",
    "Müller",
    "Naumann",
    "Otto",
    "Pohl",
    "Quast",
    "Richter",
    "Schröder",
    "Thiel",
)
TRADES = (
    "Metallbau",
    "Holzhandel",
    "Elektrotechnik",
    "Sanitär",
    "Logistik",
    "Druckerei",
    "Gartenpflege",
    "Fliesen",
    "Kältetechnik",
    "Optik",
)
FORMS = ("GmbH", "KG", "AG", "e.K.")


def customers() -> list[list[str]]:
    rows = []
    for index in range(200):
        number = index + 1
        surname, trade = SURNAMES[index // 10], TRADES[index % 10]
        name = f"{surname} {trade} {FORMS[index % 4]}"
        code = f"K{number:04d}"
        if number % 7 == 0:
            code = f" {code.lower()} "  # a lower-case code with spaces
        if number % 9 == 0:
            name = "  " + name.replace(" ", "  ", 1)  # stray spaces
        limit = Decimal(number * 250)
        limit_text = f"{limit:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        terms = "" if number % 10 == 0 else str(14 + (number % 3) * 16)
        vat = f"DE{100000000 + number * 7919}"
        rows.append([code, name, f"info@k{number:04d}.example", terms, limit_text, vat])
    rows += [
        ["K0201", "Mueller Metallbau GmbH", "", "30", "1.000,00", ""],  # ~ K0121 Müller Metallbau
        ["K0202", "Schroeder Holzhandel KG", "", "30", "500,00", ""],  # ~ K0182 Schröder
        ["K0203", "Nordlicht Handel AG", "", "30", "0,00", "DE 10039 5950"],  # VAT of K0050
        ["K0204", "", "", "30", "100,00", ""],  # no name
        ["K0205", "Zeller Bau GmbH", "", "30", "zehn", ""],  # not a number
    ]
    return rows


def receivables() -> list[list[str]]:
    rows = []
    for k in range(1, 41):
        number = 5 * k
        amount = Decimal("62.50") * k + Decimal("0.35")
        invoiced = dt.date(2025, 12, (number % 28) + 1)
        due = invoiced + dt.timedelta(days=30)
        text = f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        rows.append(
            [
                f"K{number:04d}",
                f"R-2025-{1000 + k}",
                invoiced.strftime("%d.%m.%Y"),
                due.strftime("%d.%m.%Y"),
                text,
            ]
        )
    return rows


def write(
    folder: Path, name: str, header: list[str], rows: list[list[str]], *, bom: bool, crlf: bool
) -> None:
    end = "\r\n" if crlf else "\n"
    lines = [";".join(header), *(";".join(row) for row in rows)]
    text = end.join(lines) + end
    (folder / name).write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))


def write_all(folder: Path = HERE) -> None:
    write(
        folder,
        "customers.csv",
        ["Kundennr", "Name", "E-Mail", "Zahlungsziel", "Kreditlimit", "USt-IdNr"],
        customers(),
        bom=True,
        crlf=True,
    )
    write(
        folder,
        "open_receivables.csv",
        ["Kunde", "Rechnung", "Datum", "Fällig", "Offen"],
        receivables(),
        bom=False,
        crlf=True,
    )


if __name__ == "__main__":
    write_all()
