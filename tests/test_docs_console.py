"""The runner of the docs' ```console examples (tests/docs_console.py): what it accepts, and
that a drifted example fails naming the document and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from docs_console import DocExampleError, matches, run_document

INIT = '$ erp init --company "Acme Ltd" --currency EUR --year-start 2026-01-01'
Run = Callable[[str], int]
CREATED = "Created Acme Ltd (EUR) in sqlite:///erp.sqlite; fiscal year 2026 is open."


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.chdir(tmp_path)
    for name in ("ERP_DATABASE_URL", "ERP_ACTOR", "ERP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    doc = tmp_path / "docs" / "page.md"

    def run(text: str) -> int:
        return run_document(doc, tmp_path, text)

    return run


def block(*lines: str, info: str = "console") -> str:
    return f"```{info}\n" + "\n".join(lines) + "\n```\n"


def test_matching_output_and_comments_pass(run: Run) -> None:
    text = "# A page\n\n" + block(f"{INIT}   # a comment for the reader", CREATED)
    text += "\nSome prose.\n\n" + block(
        "$ erp year open 2026   # exit 1",
        "error: ...",
        "$ erp check",
        "ok    trial balance: OK (0.00)",
        "...",
    )
    assert run(text) == 3


def test_blocks_of_one_document_share_the_database_and_the_actor(run: Run) -> None:
    lines = '[{"account": "1120", "debit": "5.00"}, {"account": "3100", "credit": "5.00"}]'
    text = block(INIT) + block(
        f"$ erp do post_voucher date=2026-01-05 lines='{lines}'",
        "post_voucher: JV-2026-000001",
        "$ erp audit trail JV-2026-000001 --format json",
        "...",
        '...: "alice",',
        "...",
    )
    assert run(text) == 3


def test_a_different_output_fails_with_a_diff_naming_the_doc_and_line(run: Run) -> None:
    text = "intro\n\n" + block(INIT, "Created Acme Ltd (USD) somewhere")
    with pytest.raises(DocExampleError) as failure:
        run(text)
    message = str(failure.value)
    assert message.startswith("docs/page.md:4: the output of `erp init")
    assert "--- the docs show\nCreated Acme Ltd (USD) somewhere" in message
    assert f"--- the program printed\n{CREATED}" in message


def test_a_command_that_fails_unexpectedly_fails(run: Run) -> None:
    text = block(INIT) + block("$ erp period close 2031-01")
    with pytest.raises(DocExampleError, match=r"docs/page.md:5: `erp period close 2031-01` exited"):
        run(text)


def test_a_command_expected_to_fail_that_succeeds_fails(run: Run) -> None:
    with pytest.raises(DocExampleError, match="exited 0, the docs expect 1"):
        run(block(f"{INIT}  # exit 1"))


def test_extra_output_lines_fail_unless_skipped(run: Run) -> None:
    text = block(INIT) + block("$ erp check", "ok    trial balance: OK (0.00)")
    with pytest.raises(DocExampleError, match="differs from the docs"):
        run(text)


def test_file_blocks_and_export_and_cat(run: Run) -> None:
    voucher = (
        '{"action": "post_voucher", "date": "2026-01-05", "lines": [{"account": "1120", '
        '"debit": "5.00"}, {"account": "3100", "credit": "5.00"}]}'
    )
    text = block(voucher, info="jsonl file=v.jsonl") + block(
        "$ export ERP_DATABASE_URL=sqlite:///other.sqlite ERP_ACTOR=bob",
        INIT,
        "Created Acme Ltd (EUR) in sqlite:///other.sqlite; fiscal year 2026 is open.",
        "$ cat v.jsonl",
        voucher,
        "$ erp apply v.jsonl",
        "applied 1 action(s), rejected 0",
    )
    assert run(text) == 3
    assert (Path.cwd() / "other.sqlite").exists() and not (Path.cwd() / "erp.sqlite").exists()


def test_catalogue_jsonl_blocks_are_applied_in_place(run: Run) -> None:
    voucher = (
        '{"action": "post_voucher", "date": "2026-01-05", "lines": [{"account": "1120", '
        '"debit": "5.00"}, {"account": "3100", "credit": "5.00"}]}'
    )
    text = (
        block(INIT)
        + block(voucher, info="jsonl")
        + block(
            "$ erp report trial-balance --format csv",
            "account,name,currency,debit,credit,amount",
            "1120,Bank,EUR,5.00,0.00,5.00",
            "3100,Share capital,EUR,0.00,5.00,-5.00",
        )
    )
    assert run(text) == 2
    bad = block("$ export ERP_DATABASE_URL=sqlite:///bad.sqlite", INIT)
    bad += block('{"action": "post_voucher"}', info="jsonl")
    with pytest.raises(DocExampleError, match="docs/page.md:5: the ```jsonl example is refused"):
        run(bad)


def test_other_programs_are_refused_and_belong_in_sh_blocks(run: Run) -> None:
    with pytest.raises(DocExampleError, match="`bean-check` cannot run"):
        run(block("$ bean-check books.beancount"))
    assert run(block("$ bean-check books.beancount", info="sh") + block(INIT)) == 1


def test_output_before_any_command_is_refused(run: Run) -> None:
    with pytest.raises(DocExampleError, match="must start with a `\\$` command"):
        run(block("some output", INIT))


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        (["a", "b"], ["a", "b"], True),
        (["a", "b"], ["a", "b", "c"], False),
        (["a", "...", "c"], ["a", "b", "b2", "c"], True),
        (["a", "...", "c"], ["a", "c"], True),
        (["a", "...", "c"], ["a", "b"], False),
        (["hash ...27f6"], ["hash 5272ecba27f6"], True),
        (["hash ...27f6"], ["hash 5272ecba27f7"], False),
        (["a.b"], ["axb"], False),  # no regular expressions
        (["a", ""], ["a"], True),
        ([], [], True),
    ],
)
def test_matching_rules(expected: list[str], actual: list[str], ok: bool) -> None:
    assert matches(expected, actual) is ok
