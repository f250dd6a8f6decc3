"""Books written by earlier releases open, verify and report byte for byte the same.

Each `tests/fixtures/v*_demo/` holds `demo.sqlite`, written by `erp demo` with one release of
the stored format, and `out/N.txt`, what that release printed for line N of `commands.txt`:

- `v0_demo`: the version before the package-per-area reorganisation;
- `v1_demo`: the release with production, assets, people, access, imports, multi-currency
  documents and operations (its demo holds events of every area of that release).

Stored events, topics and stream names must never change meaning: this test runs the same
commands with today's code, first on the projections and schema as stored (the program
migrates them on open), then again after dropping and rebuilding every projection from the log.
A new release of the stored format adds a fixture with its `record.sh`; none is ever rewritten.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from erp_core.cli import cli

FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures").glob("v*_demo"))
CASES = [
    (fixture.name, number, line)
    for fixture in FIXTURES
    for number, line in enumerate(
        (ln for ln in (fixture / "commands.txt").read_text(encoding="utf-8").splitlines() if ln),
        start=1,
    )
]


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    copies = {}
    for fixture in FIXTURES:
        copy = tmp_path_factory.mktemp(fixture.name) / "demo.sqlite"
        shutil.copy(fixture / "demo.sqlite", copy)
        copies[fixture.name] = copy
    return copies


def run(book: Path, line: str) -> str:
    args = ["--db", f"sqlite:///{book}", "--actor", "auditor", *shlex.split(line)]
    result = CliRunner().invoke(cli, args, terminal_width=80)
    assert result.exit_code == 0, f"{line}: {result.output}"
    return result.output


def expected(name: str, number: int) -> str:
    return (FIXTURES[[f.name for f in FIXTURES].index(name)] / "out" / f"{number}.txt").read_text(
        encoding="utf-8"
    )


def test_there_is_a_fixture_per_release() -> None:
    assert [f.name for f in FIXTURES][:2] == ["v0_demo", "v1_demo"]


@pytest.mark.parametrize(("release", "number", "line"), CASES)
def test_reports_of_an_earlier_book_are_unchanged(
    books: dict[str, Path], release: str, number: int, line: str
) -> None:
    assert run(books[release], line) == expected(release, number), line


@pytest.mark.parametrize("release", [f.name for f in FIXTURES])
def test_rebuilt_projections_give_the_same_reports(books: dict[str, Path], release: str) -> None:
    run(books[release], "projections rebuild")
    for name, number, line in CASES:
        if name != release or line.startswith("audit verify"):
            continue  # the rebuild writes nothing to the log
        assert run(books[release], line) == expected(release, number), line
