"""A database written by a newer erp_core is refused on open, naming both versions, and left
untouched (no raw Alembic "Can't locate revision")."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from erp_core import Erp
from erp_core.infra.db import head_revisions, known_revisions
from erp_core.kernel.errors import StorageError

FUTURE = "zzzz_9999_from_the_future"


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


@pytest.fixture
def newer_book(tmp_path: Path) -> Path:
    path = tmp_path / "newer.sqlite"
    with Erp.open(f"sqlite:///{path}", actor="t") as erp:
        erp.init("Test Co", "EUR", dt.date(2026, 1, 1))
        erp.post_voucher(
            "2026-03-10", [{"account": "1120", "debit": "1.00"}, {"account": "3100", "credit": "1"}]
        )
    assert FUTURE not in known_revisions()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO erp_schema_version (version_num) VALUES (?)", (FUTURE,))
    conn.close()
    return path


def expected_message() -> str:
    heads = ", ".join(sorted(head_revisions()))
    return (
        f"this database was written by a newer erp_core (schema revisions {FUTURE}) than this "
        f"program knows (heads {heads}); upgrade erp_core"
    )


def test_known_revisions_include_every_head_and_their_ancestors() -> None:
    known = known_revisions()
    assert head_revisions() < known  # the trunk's older revisions are known too


def test_erp_open_refuses_a_newer_database_naming_both_versions(newer_book: Path) -> None:
    before = dump(newer_book)
    with pytest.raises(StorageError) as info:
        Erp.open(f"sqlite:///{newer_book}", actor="t")
    assert str(info.value) == expected_message()
    assert "Can't locate revision" not in str(info.value)
    assert dump(newer_book) == before


def test_the_cli_exits_3_with_one_line_and_changes_nothing(newer_book: Path) -> None:
    before = dump(newer_book)
    erp = Path(sys.executable).parent / "erp"
    result = subprocess.run(
        [str(erp), "--db", f"sqlite:///{newer_book}", "report", "trial-balance"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr == f"error: {expected_message()}\n"
    assert dump(newer_book) == before
