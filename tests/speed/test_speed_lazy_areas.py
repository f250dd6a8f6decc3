"""Start-up: an action imports only the areas it needs, and nothing is lost by that (issue 9).

Each check runs in a fresh interpreter, since the test process has imported every area."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_guard_areas_register_every_guard_and_recorder() -> None:
    # If another area ever registers a guard, it must be named in GUARD_AREAS, or an action
    # of an area loaded alone would skip that check.
    out = run(
        "from erp_core.kernel import registry as r\n"
        "r.load_guards()\n"
        "names = lambda fs: sorted(f.__module__ + '.' + f.__qualname__ for f in fs)\n"
        "alone = (names(r.GUARDS), names(r.RECORDERS))\n"
        "r.load_areas()\n"
        "print(alone == (names(r.GUARDS), names(r.RECORDERS)), len(r.GUARDS))\n"
    )
    assert out == "True 1"


def test_a_journal_voucher_file_imports_neither_sales_nor_payroll(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/lazy.sqlite"
    line = {
        "action": "post_voucher",
        "date": "2026-02-03",
        "lines": [{"account": "1120", "debit": "10.00"}, {"account": "4100", "credit": "10.00"}],
    }
    out = run(
        "import sys, datetime as dt\n"
        "from erp_core import Erp\n"
        f"with Erp.open({db!r}, actor='clerk') as erp:\n"
        "    erp.init('Acme', 'EUR', dt.date(2026, 1, 1))\n"
        f"    erp.apply({line!r})\n"
        "    print(len(erp.general_ledger()))\n"
        "print(sorted(m for m in ('erp_core.sales.handlers', 'erp_core.payroll.handlers',"
        " 'erp_core.access.handlers', 'erp_core.ledger.handlers') if m in sys.modules))\n"
    )
    assert out.splitlines() == ["2", "['erp_core.access.handlers', 'erp_core.ledger.handlers']"]


def test_an_action_of_a_later_area_is_found_and_an_unknown_one_named(tmp_path: Path) -> None:
    out = run(
        "from erp_core.api import parse_action\n"
        "from erp_core.kernel.errors import ValidationError\n"
        "a = parse_action({'action': 'register_customer', 'code': 'C1', 'name': 'Cafe',\n"
        "                  'credit_limit': '0'})\n"
        "print(type(a).__name__)\n"
        "try:\n"
        "    parse_action({'action': 'post_vouchr', 'date': '2026-01-01'})\n"
        "except ValidationError as e:\n"
        "    print(e.message)\n"
        "try:\n"
        "    parse_action({'action': 'post_voucher', 'date': '2026-01-01', 'lines': [\n"
        "        {'account': '1120', 'debit': 1.5}, {'account': '4100', 'credit': '1.50'}]})\n"
        "except ValidationError as e:\n"
        "    print(e.message)\n"
    )
    lines = out.splitlines()
    assert lines[0] == "RegisterCustomer"
    assert lines[1] == "action: unknown action 'post_vouchr'; did you mean post_voucher?"
    # the field path has no action-name prefix, exactly as through the union of all actions
    assert lines[2].startswith("lines[0].debit: ")


def test_a_voucher_kind_of_an_area_not_imported_yet_still_decodes() -> None:
    # A sales invoice's voucher read by a process that has imported only the ledger (say,
    # to reverse or report it): its kind is registered by sales, found when needed.
    event = {
        "actor": "a",
        "recorded_at": "2026-01-02T00:00:00Z",
        "document": "SI-2026-000001",
        "kind": "sales_invoice",
        "date": "2026-01-02",
        "fiscal_year": "2026",
        "period": 1,
        "lines": [],
    }
    out = run(
        "import sys\n"
        "from erp_core.kernel.events import decode\n"
        "import erp_core.ledger.events\n"
        "assert 'erp_core.sales.events' not in sys.modules\n"
        f"print(decode('VoucherPosted@1', {json.dumps(event).encode()!r}).kind)\n"
    )
    assert out == "sales_invoice"
