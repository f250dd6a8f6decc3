"""A book written by an earlier version opens, verifies and reports byte for byte the same.

`tests/fixtures/v0_demo/demo.sqlite` was written by `erp demo` with the version before the
package-per-area reorganisation, and `out/N.txt` holds what that version printed for line N of
`commands.txt`. Stored events, topics and stream names must never change meaning: this test
runs the same commands with today's code, first on the projections as stored, then again after
dropping and rebuilding every projection from the log.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from erp_core.cli import cli

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "v0_demo"
COMMANDS = [
    line for line in (FIXTURE / "commands.txt").read_text(encoding="utf-8").splitlines() if line
]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("v0") / "demo.sqlite"
    shutil.copy(FIXTURE / "demo.sqlite", copy)
    return copy


def run(book: Path, line: str) -> str:
    args = ["--db", f"sqlite:///{book}", "--actor", "auditor", *shlex.split(line)]
    result = CliRunner().invoke(cli, args, terminal_width=80)
    assert result.exit_code == 0, f"{line}: {result.output}"
    return result.output


@pytest.mark.parametrize("number", range(1, len(COMMANDS) + 1))
def test_reports_of_an_earlier_book_are_unchanged(book: Path, number: int) -> None:
    line = COMMANDS[number - 1]
    expected = (FIXTURE / "out" / f"{number}.txt").read_text(encoding="utf-8")
    assert run(book, line) == expected, line


def test_rebuilt_projections_give_the_same_reports(book: Path) -> None:
    run(book, "projections rebuild")
    for number, line in enumerate(COMMANDS, start=1):
        if line.startswith("audit verify"):
            continue  # the rebuild writes nothing to the log
        expected = (FIXTURE / "out" / f"{number}.txt").read_text(encoding="utf-8")
        assert run(book, line) == expected, line
