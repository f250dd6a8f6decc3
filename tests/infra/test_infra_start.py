"""A fast, slim start: what `erp` and the library import, and the extras' messages.

Timings are measured by bench/bench_startup.py, never asserted here; these tests pin down the
cause: which heavy modules a command may load at all.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from erp_core.kernel.errors import ErpError, StorageError

HEAVY = ("sqlalchemy", "alembic", "psycopg", "matplotlib", "pydantic", "rich", "eventsourcing")


def loaded_after(code: str) -> list[str]:
    """The heavy top-level packages a fresh interpreter holds after running `code`."""
    probe = (
        f"{code}\nimport sys, json\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_command_line_loads_nothing_heavy() -> None:
    assert loaded_after("import erp_core.cli") == []


def run_cli(*args: list[str]) -> str:
    return (
        "from erp_core.cli import cli\n"
        f"for args in {list(args)!r}:\n"
        "    try:\n"
        "        cli.main(args=args, prog_name='erp', standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
    )


def test_erp_version_loads_nothing_heavy() -> None:
    assert loaded_after(run_cli(["--version"])) == []


def test_help_loads_no_database_driver_orm_or_charts() -> None:
    """Listing every area's commands builds some of their option types (pydantic), no more."""
    loaded = loaded_after(run_cli(["--help"], ["report", "--help"]))
    assert set(loaded) <= {"pydantic"}, loaded


def test_a_report_on_a_sqlite_book_needs_no_alembic_postgres_or_charts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/b.sqlite"
    create = (
        "import datetime as dt\nfrom erp_core import Erp\n"
        f"with Erp.open({url!r}, actor='t') as erp:\n"
        "    erp.init('Acme', 'EUR', dt.date(2026, 1, 1))\n"
    )
    subprocess.run([sys.executable, "-c", create], check=True, timeout=120)
    report = (
        "from erp_core.cli import cli\n"
        f"cli.main(args=['--db', {url!r}, 'report', 'trial-balance', '--format', 'json'],"
        " prog_name='erp', standalone_mode=False)\n"
    )
    loaded = loaded_after(report)
    for absent in ("alembic", "psycopg", "matplotlib"):
        assert absent not in loaded, loaded


def test_a_postgresql_url_without_the_driver_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    from erp_core.infra import store

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "psycopg" else real(name, *a)
    )
    with pytest.raises(StorageError, match=r"erp_core\[postgres\]"):
        store.require_postgres_driver()


def test_a_chart_without_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from erp_core.sales.charts import plot_forecast

    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: object, **kwargs: object) -> object:
        if name.split(".")[0] == "matplotlib":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ErpError, match=r"erp_core\[plot\]"):
        plot_forecast(None, "out.png")  # type: ignore[arg-type]
